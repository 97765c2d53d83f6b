/**
 * `process`: no isolation. The agent runs as a host process (keeping its
 * capabilities: these jobs are trusted) and its commands are host processes
 * seeing the host's files, processes and network. The baseline for
 * benchmarks. Memory and CPU limits still apply through a host cgroup.
 */
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { SandboxError } from '../../model/errors.js';
import type { CgroupSupport } from '../../limits/cgroups.js';
import type { NormalizedSpec } from '../../model/spec.js';
import { startRuntime } from '../launch.js';
import { planLimits, type LimitWays } from '../limit-plans.js';
import type { HostCheck, LimitPlan, Runtime, RuntimeInstance, RuntimeStartContext } from '../runtime.js';

const WAYS: LimitWays = {
  devices: 'none',
  // Always a cgroup where the host has one: commands leave the agent's process
  // group (setsid), and the cgroup is how destroy finds every one of them.
  resources: { hostCgroup: 'always' },
  refuse(spec) {
    for (const m of spec.mounts)
      if (m.source !== m.target)
        throw new SandboxError('invalid_spec', `process runtime: mount ${m.source} -> ${m.target}: host processes see host paths, so the target must equal the source`);
    if (spec.image.type !== 'busybox') throw new SandboxError('invalid_spec', 'process runtime: commands run on the host file system; an image cannot be used');
  },
  network: { on: 'host network', off: 'none', offWarning: 'process runtime: network off is not enforced; commands use the host network' },
};

export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  readonly isolation = 'none' as const;
  readonly description = 'host processes, no isolation (trusted jobs, benchmark baseline)';
  readonly hostFilesystem = true;

  async check(): Promise<HostCheck> {
    const problems: string[] = [];
    await access('/bin/sh', constants.X_OK).catch(() => problems.push('/bin/sh is missing'));
    return { ok: problems.length === 0, versions: {}, problems };
  }

  planLimits(spec: NormalizedSpec, cgroups: CgroupSupport): LimitPlan {
    return planLimits(this.name, spec, cgroups, WAYS);
  }

  defaultCwd(ctx: { stateDir: string }): string {
    return join(ctx.stateDir, 'home');
  }

  async start(ctx: RuntimeStartContext): Promise<RuntimeInstance> {
    const home = this.defaultCwd(ctx);
    await mkdir(home, { recursive: true });
    return startRuntime(ctx, [ctx.agentBinary, '--keep-caps'], { what: 'agent', cwd: home, enter: { cgroup: true } });
  }
}
