/**
 * Runtimes under a supervisor (src/sandbox/supervisor): the same launch as
 * launch.ts, but the runtime's process is the supervisor's child, and the
 * agent's stream is the supervisor's relay of it. Because nothing of the
 * sandbox depends on the server's process, a later server adopts it from
 * its state directory alone (`adoptInstance`).
 */
import type { Socket } from 'node:net';
import { SandboxError } from '../model/errors.js';
import { ResourceLedger } from '../manager/resources.js';
import { spawnSupervisor, SupervisorHandle } from '../supervisor/client.js';
import { supervisorPaths } from '../supervisor/paths.js';
import { fileTail } from '../supervisor/file-tail.js';
import type { Status } from '../supervisor/protocol.js';
import { runtimeInstance, type Launched, type SuperviseOptions } from './launched.js';
import type { RuntimeInstance } from './runtime.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function launchSupervised(
  argv: readonly string[],
  opts: { ledger: ResourceLedger; label: string; env?: NodeJS.ProcessEnv; cwd?: string; supervise: SuperviseOptions },
): Promise<Launched> {
  const env = Object.fromEntries(Object.entries(opts.env ?? { PATH: DEFAULT_PATH }).filter((e): e is [string, string] => e[1] !== undefined));
  let handle: SupervisorHandle;
  try {
    handle = await spawnSupervisor(opts.supervise.dir, { id: opts.supervise.id, label: opts.label, argv: [...argv], cwd: opts.cwd ?? '/', env, agent: opts.supervise.agent });
  } catch (err) {
    throw new SandboxError('runtime_unavailable', `${opts.label}: cannot start its supervisor: ${(err as Error).message}`);
  }
  const status = await handle.status();
  await opts.ledger.add(ResourceLedger.processResource(status.supervisorPid, `${opts.label} supervisor`));
  if (status.state !== 'running' || !status.childPid) {
    const tail = logTail(opts.supervise.dir, opts.supervise.id);
    const missing = /ENOENT/.test(tail);
    throw new SandboxError('runtime_unavailable', missing ? `${opts.label}: ${argv[0]} is not installed` : `${opts.label}: cannot start ${argv[0]}: ${tail.trim()}`);
  }
  await opts.ledger.add(ResourceLedger.processResource(status.childPid, opts.label));
  return supervisedLaunch(handle, status, opts.label);
}

/** What the server holds of a supervised runtime process, fresh or adopted. */
export function supervisedLaunch(handle: SupervisorHandle, status: Status, label: string): Launched {
  const exited = handle.wait().then(
    (s) => `${label} ${s.exitSignal ? `was killed by ${s.exitSignal}` : `exited with code ${s.exitCode}`}`,
    () => `${label}: its supervisor went away`,
  );
  return {
    pid: status.childPid!,
    exited,
    stderrTail: () => logTail(handle.stateDir, handle.id),
    channel: async () => {
      const sock: Socket = await handle.channel();
      sock.on('error', () => {});
      return { readable: sock, writable: sock };
    },
  };
}

/** A runtime instance rebuilt from a live supervisor by a server that did not start it. */
export async function adoptInstance(handle: SupervisorHandle, status: Status, diagnostics: () => string): Promise<RuntimeInstance> {
  const l = supervisedLaunch(handle, status, status.label ?? `sandbox ${status.id}`);
  const channel = await l.channel();
  return runtimeInstance(l, channel, {
    diagnostics: () => [l.stderrTail().trim(), diagnostics()].filter(Boolean).join('\n'),
    stop: async () => {
      (channel.readable as Socket).destroy();
    },
  });
}

function logTail(dir: string, id: string): string {
  return fileTail(supervisorPaths(dir, id).log, 8192);
}
