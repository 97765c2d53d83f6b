/**
 * Where strata-runtime keeps each container (under --root, as runc does):
 * `<root>/<id>/state.json` (the runtime-spec state plus what we need),
 * the shim's socket, and the sandbox manager's own state directory.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { constants } from 'node:os';
import { isAlive } from '../host/host-processes.js';
import { join } from 'node:path';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'stopped';

export interface ContainerState {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  /** the shim's pid: the container's "init" as conmon and containerd's shim see it */
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
  created: string;
  exitCode?: number;
}

export const OCI_VERSION = '1.0.2';
export const DEFAULT_ROOT = '/run/strata-runtime';

export function validId(id: string | undefined): string {
  if (!id) throw new Error('container id cannot be empty');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/.test(id)) throw new Error(`invalid container id format: ${id}`);
  return id;
}

export function containerPaths(root: string, id: string) {
  const dir = join(root, validId(id));
  return {
    dir,
    state: join(dir, 'state.json'),
    plan: join(dir, 'plan.json'),
    socket: join(dir, 'shim.sock'),
    // unix socket paths are limited to 107 bytes: the sandboxes' supervisors live under a short name
    sandboxes: join(root, 'sb', createHash('sha256').update(id).digest('hex').slice(0, 12)),
  };
}

export function readState(root: string, id: string): ContainerState {
  const file = containerPaths(root, id).state;
  if (!existsSync(file)) throw new Error(`container does not exist: ${id}`);
  const st = JSON.parse(readFileSync(file, 'utf8')) as ContainerState;
  // a shim that is gone ran its container to the end (or was killed)
  if ((st.status === 'running' || st.status === 'created') && !isAlive(st.pid)) st.status = 'stopped';
  return st;
}

export function writeState(root: string, st: ContainerState): void {
  const p = containerPaths(root, st.id);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  writeFileSync(`${p.state}.tmp`, JSON.stringify(st));
  renameSync(`${p.state}.tmp`, p.state);
}

/** SIGTERM, TERM, 15 → the signal's name. */
export function parseSignal(text: string | undefined): NodeJS.Signals {
  const signals = constants.signals as Record<string, number>;
  const s = (text ?? 'SIGTERM').toUpperCase();
  const name = /^\d+$/.test(s) ? Object.keys(signals).find((k) => signals[k] === Number(s)) : s.startsWith('SIG') ? s : `SIG${s}`;
  if (!name || !(name in signals)) throw new Error(`invalid signal: ${text}`);
  return name as NodeJS.Signals;
}

/** The exit status a shell reports for a command a signal ended. */
export function signalExitCode(signal: string): number {
  return 128 + ((constants.signals as Record<string, number>)[signal] ?? 0);
}
