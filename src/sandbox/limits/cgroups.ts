/**
 * Memory and CPU limits through cgroups, v1 or v2, whichever this host
 * really offers. Hosts with "hybrid" cgroups (cgroup2 mounted with no
 * controllers next to v1 hierarchies, as here) need v1; a pure v2 host needs
 * the controllers enabled. Detection reads /proc/self/mountinfo and
 * /proc/self/cgroup; nothing is assumed.
 *
 * Sandbox cgroups are created below this process's own cgroup, in
 * strata-sandbox/<id>, per controller; runc is given the same relative path
 * so that its cgroups land in the same place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Controller = 'memory' | 'cpu';

export interface ControllerPlace {
  version: 1 | 2;
  /** the hierarchy's mount point */
  mount: string;
  /** this process's cgroup inside it */
  own: string;
}

export interface CgroupSupport {
  memory?: ControllerPlace;
  cpu?: ControllerPlace;
  /** why a controller is missing, for error messages */
  notes: string[];
}

export const CGROUP_PARENT = 'strata-sandbox';

interface MountLine {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Parses /proc/self/mountinfo lines (pure). */
export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const f = pre.split(' ');
    const p = post.split(' ');
    out.push({ mountPoint: f[4].replace(/\\040/g, ' '), fsType: p[0], superOptions: (p[2] ?? '').split(',') });
  }
  return out;
}

/** Parses /proc/self/cgroup into controller -> path ("" key for v2). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === '') out.set('', m[3]);
    for (const c of m[2].split(',')) if (c) out.set(c.replace(/^name=/, 'name='), m[3]);
  }
  return out;
}

/** Decides where each controller lives (pure, over the two /proc files and a v2 controller list). */
export function planCgroups(mountinfo: string, procCgroup: string, v2Controllers: (mount: string, own: string) => string[]): CgroupSupport {
  const mounts = parseMountinfo(mountinfo);
  const own = parseProcCgroup(procCgroup);
  const support: CgroupSupport = { notes: [] };
  for (const controller of ['memory', 'cpu'] as const) {
    const v1 = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
    if (v1 && own.has(controller)) {
      support[controller] = { version: 1, mount: v1.mountPoint, own: own.get(controller)! };
      continue;
    }
    const v2 = mounts.find((m) => m.fsType === 'cgroup2');
    if (v2 && own.has('')) {
      const available = v2Controllers(v2.mountPoint, own.get('')!);
      if (available.includes(controller)) {
        support[controller] = { version: 2, mount: v2.mountPoint, own: own.get('')! };
        continue;
      }
      support.notes.push(`${controller}: cgroup2 at ${v2.mountPoint} offers no ${controller} controller${v1 ? '' : ' and no cgroup v1 hierarchy for it is mounted'}`);
    } else {
      support.notes.push(`${controller}: no cgroup hierarchy with the ${controller} controller is mounted`);
    }
  }
  return support;
}

let cached: CgroupSupport | undefined;

export function detectCgroups(): CgroupSupport {
  if (cached) return cached;
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const procCgroup = readFileSync('/proc/self/cgroup', 'utf8');
  cached = planCgroups(mountinfo, procCgroup, (mount, own) => {
    // A v2 controller is usable when our parent offers it to us (cgroup.controllers of our own group).
    const file = join(mount, own, 'cgroup.controllers');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/) : [];
  });
  return cached;
}

export interface CgroupLimits {
  memoryBytes?: number;
  cpus?: number;
  /** create the cgroup even without limits, to find and kill every process it holds */
  track?: boolean;
}

/** One sandbox's cgroups, one directory per controller hierarchy. */
export class SandboxCgroup {
  private constructor(
    readonly id: string,
    /** controller -> directory */
    readonly dirs: ReadonlyMap<Controller, string>,
    private readonly places: ReadonlyMap<Controller, ControllerPlace>,
  ) {}

  /** The relative path runc is given as cgroupsPath. */
  static relativePath(id: string): string {
    return `${CGROUP_PARENT}/${id}`;
  }

  static async create(id: string, limits: CgroupLimits, support = detectCgroups()): Promise<SandboxCgroup> {
    const want: Controller[] = [];
    if (limits.memoryBytes !== undefined) want.push('memory');
    if (limits.cpus !== undefined) want.push('cpu');
    if (want.length === 0 && limits.track) {
      if (support.memory) want.push('memory');
      else if (support.cpu) want.push('cpu');
    }
    const dirs = new Map<Controller, string>();
    const places = new Map<Controller, ControllerPlace>();
    const made: string[] = [];
    try {
      for (const c of want) {
        const place = support[c];
        if (!place) throw new Error(`no ${c} controller`);
        const parent = join(place.mount, place.own, CGROUP_PARENT);
        const dir = join(parent, id);
        if (place.version === 2) await enableV2(place, parent, c);
        else await mkdir(parent, { recursive: true });
        if (!made.includes(dir)) {
          await mkdir(dir).catch(async (err: NodeJS.ErrnoException) => {
            // the parent was pruned by a sandbox that just went away: make it again
            if (err.code !== 'ENOENT') throw err;
            if (place.version === 2) await enableV2(place, parent, c);
            else await mkdir(parent, { recursive: true });
            await mkdir(dir);
          });
          made.push(dir);
        }
        dirs.set(c, dir);
        places.set(c, place);
      }
      const cg = new SandboxCgroup(id, dirs, places);
      await cg.apply(limits);
      return cg;
    } catch (err) {
      for (const d of made.reverse()) await rmdir(d).catch(() => {});
      throw err;
    }
  }

  private async apply(limits: CgroupLimits): Promise<void> {
    const mem = this.dirs.get('memory');
    if (mem && limits.memoryBytes !== undefined) {
      if (this.places.get('memory')!.version === 1) {
        await writeFile(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // No swapping around the limit where swap accounting exists.
        if (existsSync(join(mem, 'memory.memsw.limit_in_bytes')))
          await writeFile(join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)).catch(() => {});
      } else {
        await writeFile(join(mem, 'memory.max'), String(limits.memoryBytes));
        await writeFile(join(mem, 'memory.swap.max'), '0').catch(() => {});
      }
    }
    const cpu = this.dirs.get('cpu');
    if (cpu && limits.cpus !== undefined) {
      const period = 100_000;
      const quota = Math.max(1000, Math.round(limits.cpus * period));
      if (this.places.get('cpu')!.version === 1) {
        await writeFile(join(cpu, 'cpu.cfs_period_us'), String(period));
        await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(quota));
      } else {
        await writeFile(join(cpu, 'cpu.max'), `${quota} ${period}`);
      }
    }
  }

  /** The files a process writes its pid into to join (one per hierarchy). */
  procsFiles(): string[] {
    return [...new Set(this.dirs.values())].map((d) => join(d, 'cgroup.procs'));
  }

  /** Whether the memory controller recorded an OOM kill in this cgroup. */
  async oomKills(): Promise<number> {
    const mem = this.dirs.get('memory');
    if (!mem) return 0;
    const file = this.places.get('memory')!.version === 1 ? 'memory.oom_control' : 'memory.events';
    const text = await readFile(join(mem, file), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0);
  }

  async pids(): Promise<number[]> {
    const out = new Set<number>();
    for (const f of this.procsFiles()) {
      const text = await readFile(f, 'utf8').catch(() => '');
      for (const l of text.split('\n')) if (l.trim()) out.add(Number(l));
    }
    return [...out];
  }

  /** Kills whatever is left in the cgroup and removes it. */
  async destroy(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = await this.pids();
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      let busy = false;
      for (const d of new Set(this.dirs.values())) {
        await rmdir(d).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') busy = true;
        });
      }
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`cgroups of sandbox ${this.id} stay busy: ${[...this.dirs.values()].join(', ')}`);
  }
}

async function enableV2(place: ControllerPlace, parent: string, controller: Controller): Promise<void> {
  await mkdir(parent, { recursive: true });
  const subtree = join(parent, 'cgroup.subtree_control');
  const current = await readFile(subtree, 'utf8').catch(() => '');
  if (!current.split(/\s+/).includes(controller)) {
    // Our own group must delegate the controller to strata-sandbox first.
    await writeFile(join(place.mount, place.own, 'cgroup.subtree_control'), `+${controller}`).catch(() => {});
    await writeFile(subtree, `+${controller}`);
  }
}

/** The sh snippet that moves itself into cgroups, then execs the command (argv-only, no input in it). */
export const CGROUP_EXEC_SCRIPT = 'for f do if [ "$f" = -- ]; then shift; break; fi; echo $$ > "$f" || exit 125; shift; done; exec "$@"';

/** argv that runs `argv` inside the given cgroup.procs files (no-op wrapper when there are none). */
export function wrapInCgroup(procsFiles: readonly string[], argv: readonly string[]): string[] {
  if (procsFiles.length === 0) return [...argv];
  return ['/bin/sh', '-c', CGROUP_EXEC_SCRIPT, 'strata-cgexec', ...procsFiles, '--', ...argv];
}

/**
 * Removes Strata's parent cgroups once no sandbox is left in them (rmdir of a
 * cgroup with children fails harmlessly), in every hierarchy: ours, and the
 * ones runc and runsc make under the same name, so a host shows nothing of
 * Strata when no sandbox runs.
 */
export async function pruneParentCgroups(): Promise<void> {
  for (const p of strataParentCgroups()) await rmdir(p).catch(() => {});
}

/** `strata-sandbox` under this process's own cgroup and under the root, in every mounted hierarchy. */
export function strataParentCgroups(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'), procCgroup = readFileSync('/proc/self/cgroup', 'utf8')): string[] {
  const own = parseProcCgroup(procCgroup);
  const out = new Set<string>();
  for (const m of parseMountinfo(mountinfo)) {
    if (m.fsType !== 'cgroup' && m.fsType !== 'cgroup2') continue;
    const path = m.fsType === 'cgroup2' ? own.get('') : m.superOptions.map((o) => own.get(o)).find((p) => p !== undefined);
    if (path !== undefined) out.add(join(m.mountPoint, path, CGROUP_PARENT));
    out.add(join(m.mountPoint, CGROUP_PARENT));
  }
  return [...out];
}
