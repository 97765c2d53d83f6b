/**
 * `namespaces`: Debian's bubblewrap. The agent runs in new user, PID, mount,
 * IPC, UTS and network namespaces over a read-only root, with a private /tmp
 * and no capabilities. Memory and CPU limits come from a host cgroup the
 * bwrap process starts in; network on joins a namespace with a veth pair.
 */
import { join } from 'node:path';
import { checkDeviceSupport, deviceNodes } from '../devices.js';
import { runOk } from '../../../core/host/index.js';
import { processTree } from '../../host/host-processes.js';
import { wrapInCgroup, type CgroupSupport } from '../../limits/cgroups.js';
import { prepareOverlayRoot, STANDARD_DIRS, AGENT_PATH } from '../../rootfs/overlay-rootfs.js';
import type { NormalizedSpec } from '../../model/spec.js';
import { launch, superviseIn } from '../launch.js';
import { cgroupLimits, timeoutLimit } from '../limit-plans.js';
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
    checkDeviceSupport(this.name, spec, 'nodes');
    const report = [...cgroupLimits(this.name, spec, cgroups), ...timeoutLimit(spec)];
    report.push(
      spec.network
        ? { limit: 'network', value: 'on', mechanism: 'network namespace with a veth pair to the host', enforced: true }
        : { limit: 'network', value: 'off', mechanism: 'new network namespace (loopback only)', enforced: true },
    );
    const { memoryBytes, cpus } = spec.limits;
    return {
      report,
      hostCgroup: memoryBytes !== undefined || cpus !== undefined ? { memoryBytes, cpus } : undefined,
      netns: spec.network ? 'connected' : undefined,
    };
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
    let argv = bwrapArgs({
      root,
      agentBinary: ctx.agentBinary,
      hostname: ctx.spec.hostname,
      mounts: ctx.spec.mounts,
      devices: deviceNodes(ctx.spec.devices),
      shareNetwork: ctx.network !== undefined,
    });
    if (ctx.network) argv = ['nsenter', `--net=${ctx.network.netnsPath}`, '--', ...argv];
    argv = wrapInCgroup(ctx.cgroup?.procsFiles() ?? [], argv);
    const p = await launch(argv, { ledger: ctx.ledger, label: `sandbox ${ctx.id} bwrap`, supervise: superviseIn(ctx, 'stdio') });
    return {
      channel: await p.channel(),
      mainPid: p.pid,
      hostPids: () => processTree(p.pid),
      exited: p.exited,
      diagnostics: p.stderrTail,
      stop: async () => {},
    };
  }
}
