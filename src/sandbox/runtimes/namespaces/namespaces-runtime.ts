/**
 * `namespaces`: Debian's bubblewrap. The agent runs in new user, PID, mount,
 * IPC, UTS and network namespaces over a read-only root, with a private /tmp
 * and no capabilities. Memory and CPU limits come from a host cgroup the
 * bwrap process starts in; network on joins a namespace with a veth pair.
 */
import { join } from 'node:path';
import { deviceNodes } from '../devices.js';
import { runOk } from '../../../core/host/index.js';
import type { CgroupSupport } from '../../limits/cgroups.js';
import { prepareOverlayRoot, STANDARD_DIRS, AGENT_PATH } from '../../rootfs/overlay-rootfs.js';
import type { NormalizedSpec } from '../../model/spec.js';
import { startRuntime } from '../launch.js';
import { planLimits } from '../limit-plans.js';
import type { HostCheck, LimitPlan, Runtime, RuntimeInstance, RuntimeStartContext } from '../runtime.js';
import { bwrapArgs } from './bwrap-args.js';

export class NamespacesRuntime implements Runtime {
  readonly name = 'namespaces';
  readonly isolation = 'namespaces' as const;
  readonly description = 'bubblewrap: user, PID, mount, IPC, UTS and network namespaces, read-only root, no capabilities';
  readonly hostFilesystem = false;

  async check(): Promise<HostCheck> {
    try {
      const { stdout } = await runOk(['bwrap', '--version'], { timeoutMs: 5000 });
      return { ok: true, versions: { bwrap: stdout.trim() }, problems: [] };
    } catch (err) {
      return { ok: false, versions: {}, problems: [`bwrap: ${(err as Error).message} (install Debian bubblewrap)`] };
    }
  }

  planLimits(spec: NormalizedSpec, cgroups: CgroupSupport): LimitPlan {
    return planLimits(this.name, spec, cgroups, {
      devices: 'nodes',
      resources: { hostCgroup: 'limits' },
      network: { on: 'network namespace with a veth pair to the host', off: 'new network namespace (loopback only)' },
      netns: true,
    });
  }

  defaultCwd(): string {
    return '/';
  }

  async start(ctx: RuntimeStartContext): Promise<RuntimeInstance> {
    const root = await prepareOverlayRoot({
      lower: ctx.image.rootfs,
      stateDir: join(ctx.stateDir, 'rootfs'),
      ledger: ctx.ledger,
      dirs: [...STANDARD_DIRS, ...ctx.spec.mounts.map((m) => m.target)],
      files: [AGENT_PATH],
    });
    const argv = bwrapArgs({
      root,
      agentBinary: ctx.agentBinary,
      hostname: ctx.spec.hostname,
      mounts: ctx.spec.mounts,
      devices: deviceNodes(ctx.spec.devices),
      shareNetwork: ctx.network !== undefined,
    });
    return startRuntime(ctx, argv, { what: 'bwrap', enter: { netns: true, cgroup: true } });
  }
}
