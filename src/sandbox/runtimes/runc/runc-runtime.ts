/**
 * `runc`: an OCI container run by Debian's runc. runc enforces memory and
 * CPU limits itself, in cgroups it creates below its own (v1 on this kind of
 * hybrid host); network on joins a prepared namespace with a veth pair.
 */
import { SandboxCgroup } from '../../limits/cgroups.js';
import { resourceLimits, type LimitWays } from '../limit-plans.js';
import { OciContainerRuntime } from '../oci/oci-container-runtime.js';
import type { OciPlan } from '../oci/oci-spec.js';
import type { RuntimeStartContext } from '../runtime.js';

export class RuncRuntime extends OciContainerRuntime {
  readonly name = 'runc';
  readonly isolation = 'container' as const;
  readonly description = 'runc: OCI container (namespaces, cgroups, no capabilities)';
  protected readonly binary = 'runc' as const;
  protected readonly debianPackage = 'runc';

  protected readonly limitWays: LimitWays = {
    devices: 'nodes',
    resources: { via: 'runc: ' },
    network: { on: 'network namespace with a veth pair to the host', off: 'new network namespace (loopback only)' },
    netns: true,
  };

  protected globalFlags(): string[] {
    return [];
  }

  protected bundlePlan(ctx: RuntimeStartContext): Pick<OciPlan, 'agentArgs' | 'agentCapabilities' | 'network' | 'resources' | 'cgroupsPath'> {
    return {
      // runc leaves a new namespace's loopback down: the agent raises it, then drops the capability for commands
      agentArgs: ctx.network ? [] : ['--lo-up'],
      agentCapabilities: ctx.network ? [] : ['CAP_NET_ADMIN'],
      network: ctx.network ? { path: ctx.network.netnsPath } : 'new',
      resources: resourceLimits(ctx.spec),
      cgroupsPath: SandboxCgroup.relativePath(ctx.id),
    };
  }
}
