/** Subclouds for the fleet e2e tests: each a `strata server` process inside its own network namespace. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabNetwork } from '../../src/metal/boot/index.js';
import { CLI } from './strata.js';

export interface Subcloud {
  name: string;
  lab: LabNetwork;
  dir: string;
  url: string;
  token: string;
  proc: ChildProcess;
}

/** Starts `strata server` in the lab's namespace, listening on its bridge address; resolves once it prints its URL. */
export async function startSubcloud(name: string, lab: LabNetwork, dir: string, port: number): Promise<Subcloud> {
  const url = `http://${lab.bridgeAddress}:${port}`;
  const argv = [CLI, '--json', 'server', '--listen', `${lab.bridgeAddress}:${port}`, '--data', dir, '--log-level', 'warn', '--sandbox-state', join(dir, 'sb')];
  const proc = spawn('ip', ['netns', 'exec', lab.netns, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${err}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('"url"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('exit', (code) => reject(new Error(`${name} exited (${code}): ${err}`)));
  });
  return { name, lab, dir, url, token: readFileSync(join(dir, 'admin-token'), 'utf8').trim(), proc };
}

/**
 * Cuts the host's link to a subcloud, and restores it. While the veth is
 * down its connected route is gone, so without more the host would send the
 * subcloud's traffic out of its default route (off this machine, where
 * something else may answer); an unreachable route for the subnet, below the
 * connected one, keeps every packet here and fails it at once.
 */
export function cutLink(lab: LabNetwork): void {
  const subnet = lab.bridgeAddress.replace(/\.\d+$/, '.0/24');
  spawnSync('ip', ['route', 'replace', 'unreachable', subnet, 'metric', '4000']);
  spawnSync('ip', ['link', 'set', lab.hostIf, 'down']);
}

export function restoreLink(lab: LabNetwork): void {
  spawnSync('ip', ['link', 'set', lab.hostIf, 'up']);
  spawnSync('ip', ['route', 'del', 'unreachable', lab.bridgeAddress.replace(/\.\d+$/, '.0/24'), 'metric', '4000']);
}
