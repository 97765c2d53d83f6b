/**
 * `gvisor`: an OCI container run by Debian's runsc: the workload talks to
 * gVisor's user-space kernel, not the host's. Limits go to runsc as OCI
 * resources; it applies them to the whole gVisor sandbox (sentry and gofer),
 * so a workload that exhausts its memory takes the sandbox down with it.
 * Network off is gVisor's own loopback-only stack. Network on runs runsc
 * inside a prepared namespace with a veth pair, in --network=host mode: the
 * sentry uses that namespace's sockets. (Its own netstack mode, which would
 * take the interfaces over, refuses to start on this host: runsc 2022 decides
 * "am I in the root network namespace" by whether
 * /proc/sys/net/core/rmem_default exists, which Linux 6.x shows in every
 * namespace.)
 */
import { SandboxCgroup } from '../../limits/cgroups.js';
import { resourceLimits, type LimitWays } from '../limit-plans.js';
import { OciContainerRuntime } from '../oci/oci-container-runtime.js';
import type { OciPlan } from '../oci/oci-spec.js';
import type { RuntimeStartContext } from '../runtime.js';

export class GvisorRuntime extends OciContainerRuntime {
  readonly name = 'gvisor';
  readonly isolation = 'user-space-kernel' as const;
  readonly description = 'gVisor (runsc): OCI container on a user-space kernel';
  protected readonly binary = 'runsc' as const;
  protected readonly debianPackage = 'runsc';

  protected readonly limitWays: LimitWays = {
    devices: 'nvidia-nodes',
    resources: { via: 'runsc, on the whole gVisor sandbox: ' },
    network: { on: 'gVisor host networking inside a network namespace with a veth pair', off: 'gVisor --network=none (loopback only)' },
    netns: true,
  };
  // with --network=host the sentry's sockets live in the namespace runsc runs in
  protected override readonly enter = { netns: true };

  protected globalFlags(ctx: RuntimeStartContext): string[] {
    const limited = resourceLimits(ctx.spec) !== undefined;
    // Without limits there is nothing for cgroups to do: skipping them saves start time.
    // gVisor passes through NVIDIA GPUs only, by proxying their ioctls (nvproxy)
    const gpus = ctx.spec.devices.length > 0;
    return [`--network=${ctx.network ? 'host' : 'none'}`, ...(limited ? [] : ['--ignore-cgroups']), ...(gpus ? ['--nvproxy'] : [])];
  }

  protected bundlePlan(ctx: RuntimeStartContext): Pick<OciPlan, 'agentArgs' | 'agentCapabilities' | 'network' | 'resources' | 'cgroupsPath'> {
    const resources = resourceLimits(ctx.spec);
    return {
      agentArgs: [],
      agentCapabilities: [],
      // runsc takes its network from the namespace it runs in (see enter)
      network: ctx.network ? 'inherit' : 'new',
      resources,
      cgroupsPath: resources ? SandboxCgroup.relativePath(ctx.id) : undefined,
    };
  }
}
