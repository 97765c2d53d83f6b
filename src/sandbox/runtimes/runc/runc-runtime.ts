/**
 * `runc`: an OCI container run by Debian's runc. runc enforces memory and
 * CPU limits itself, in cgroups it creates below its own (v1 on this kind of
 * hybrid host); network on joins a prepared namespace with a veth pair.
 */
import { checkDeviceSupport } from '../devices.js';
import { SandboxCgroup, type CgroupSupport } from '../../limits/cgroups.js';
import type { NormalizedSpec } from '../../model/spec.js';
import { cgroupLimits, timeoutLimit } from '../limit-plans.js';
import { OciContainerRuntime } from '../oci/oci-container-runtime.js';
import type { OciPlan } from '../oci/oci-spec.js';
import type { LimitPlan, RuntimeStartContext } from '../runtime.js';

export class RuncRuntime extends OciContainerRuntime {
  readonly name = 'runc';
  readonly isolation = 'container' as const;
  readonly description = 'runc: OCI container (namespaces, cgroups, no capabilities)';
  protected readonly binary = 'runc' as const;
  protected readonly debianPackage = 'runc';

  planLimits(spec: NormalizedSpec, cgroups: CgroupSupport): LimitPlan {
    checkDeviceSupport(this.name, spec, 'nodes');
    const report = [...cgroupLimits(this.name, spec, cgroups, 'runc: '), ...timeoutLimit(spec)];
    report.push(
      spec.network
        ? { limit: 'network', value: 'on', mechanism: 'network namespace with a veth pair to the host', enforced: true }
        : { limit: 'network', value: 'off', mechanism: 'new network namespace (loopback only)', enforced: true },
    );
    return { report, netns: spec.network ? 'connected' : undefined };
  }

  protected globalFlags(): string[] {
    return [];
  }

  protected bundlePlan(ctx: RuntimeStartContext): Pick<OciPlan, 'agentArgs' | 'agentCapabilities' | 'network' | 'resources' | 'cgroupsPath'> {
    const { memoryBytes, cpus } = ctx.spec.limits;
    const limited = memoryBytes !== undefined || cpus !== undefined;
    return {
      // runc leaves a new namespace's loopback down: the agent raises it, then drops the capability for commands
      agentArgs: ctx.network ? [] : ['--lo-up'],
      agentCapabilities: ctx.network ? [] : ['CAP_NET_ADMIN'],
      network: ctx.network ? { path: ctx.network.netnsPath } : 'new',
      resources: limited ? { memoryBytes, cpus } : undefined,
      cgroupsPath: SandboxCgroup.relativePath(ctx.id),
    };
  }
}
