/**
 * Everything a sandbox creates on the host (processes, mounts, network
 * namespaces, cgroups, runc/runsc containers, directories) is recorded as
 * data in a ledger, written to the sandbox's state directory as it grows.
 * Destroying a sandbox releases the ledger in reverse order; a server that
 * crashed releases the ledgers it finds at start-up the same way. Release is
 * idempotent: a resource already gone is fine.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { killGroup, runOk } from '../../core/host/index.js';
import { isAlive, readProcStat } from '../host/host-processes.js';
import { destroyNetwork } from '../limits/network.js';
import { pruneParentCgroups } from '../limits/cgroups.js';

export type Resource =
  | { kind: 'process'; pid: number; startTime: number; label: string }
  | { kind: 'mount'; path: string }
  | { kind: 'netns'; name: string; hostIf: string }
  | { kind: 'cgroup'; dirs: string[] }
  | { kind: 'container'; runtime: 'runc' | 'runsc'; root: string; id: string }
  | { kind: 'dir'; path: string };

export const LEDGER_FILE = 'resources.json';

function describe(r: Resource): string {
  switch (r.kind) {
    case 'process':
      return `${r.label} (pid ${r.pid})`;
    case 'mount':
      return `mount ${r.path}`;
    case 'netns':
      return `network namespace ${r.name}`;
    case 'cgroup':
      return `cgroup ${r.dirs.join(', ')}`;
    case 'container':
      return `${r.runtime} container ${r.id}`;
    case 'dir':
      return `directory ${r.path}`;
  }
}

async function waitGone(pid: number, startTime: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const st = readProcStat(pid);
    if (!st || st.startTime !== startTime || !isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** Releases one resource; throws when it cannot be released. */
export async function releaseResource(r: Resource): Promise<void> {
  switch (r.kind) {
    case 'process': {
      const st = readProcStat(r.pid);
      if (!st || st.startTime !== r.startTime) return; // gone (or the pid was reused)
      // recorded processes need not lead a group of their own (the start time above says it is still the one recorded)
      killGroup(r.pid, 'SIGKILL', { orProcess: true });
      if (!(await waitGone(r.pid, r.startTime, 5000))) throw new Error(`${describe(r)} survives SIGKILL`);
      return;
    }
    case 'mount': {
      if (!(await isMountPoint(r.path))) return;
      try {
        await runOk(['umount', r.path], { timeoutMs: 10_000 });
      } catch {
        // still busy (a process in its last moments): detach it, the kernel frees it when idle
        await runOk(['umount', '-l', r.path], { timeoutMs: 10_000 });
      }
      return;
    }
    case 'netns':
      await destroyNetwork(r.name, r.hostIf);
      return;
    case 'cgroup': {
      for (let attempt = 0; attempt < 100; attempt++) {
        let busy = false;
        for (const dir of r.dirs) {
          if (!existsSync(dir)) continue;
          const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
          for (const l of procs.split('\n'))
            if (l.trim())
              try {
                process.kill(Number(l), 'SIGKILL');
              } catch {
                /* gone */
              }
          await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') busy = true;
          });
        }
        if (!busy) return pruneParentCgroups();
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`${describe(r)} stays busy`);
    }
    case 'container': {
      if (!existsSync(join(r.root, r.id))) return;
      await runOk([r.runtime, '--root', r.root, 'delete', '--force', r.id], { timeoutMs: 20_000, okCodes: [1] });
      await rm(join(r.root, r.id), { recursive: true, force: true });
      return pruneParentCgroups(); // runc and runsc leave the parent of the cgroup they made

    }
    case 'dir':
      await rm(r.path, { recursive: true, force: true });
      return;
  }
}

export async function isMountPoint(path: string): Promise<boolean> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const escaped = path.replace(/ /g, '\\040');
  return text.split('\n').some((l) => l.split(' ')[4] === escaped);
}

export class ResourceLedger {
  private readonly items: Resource[] = [];
  private writing = Promise.resolve();

  constructor(private readonly file: string | undefined) {}

  get resources(): readonly Resource[] {
    return this.items;
  }

  /** Records a resource (and persists the ledger) before it is relied on. */
  async add(r: Resource): Promise<void> {
    this.items.push(r);
    await this.persist();
  }

  /** A process resource for a pid that exists now. */
  static processResource(pid: number, label: string): Resource {
    const st = readProcStat(pid);
    return { kind: 'process', pid, startTime: st?.startTime ?? -1, label };
  }

  private persist(): Promise<void> {
    if (!this.file) return Promise.resolve();
    const file = this.file;
    const text = JSON.stringify(this.items, null, 1);
    this.writing = this.writing.then(() => writeFile(file, text).catch(() => {}));
    return this.writing;
  }

  /** Releases everything, newest first; reports what could not be released. */
  async releaseAll(): Promise<string[]> {
    const problems: string[] = [];
    while (this.items.length) {
      const r = this.items[this.items.length - 1];
      try {
        await releaseResource(r);
      } catch (err) {
        problems.push(`${describe(r)}: ${(err as Error).message}`);
      }
      this.items.pop();
      if (r.kind !== 'dir') await this.persist();
    }
    await this.writing;
    return problems;
  }

  /** Reads a ledger left by a crashed process. */
  static async load(file: string): Promise<ResourceLedger> {
    const ledger = new ResourceLedger(file);
    const items = JSON.parse(await readFile(file, 'utf8')) as Resource[];
    ledger.items.push(...items);
    return ledger;
  }
}
