/**
 * Runtimes' limit plans (pure): one plan made from each runtime's ways of
 * enforcing (LimitWays), with its shared pieces: a limit enforced by a host
 * cgroup where the host has the controller, and the timeout, which the
 * manager always enforces with a host timer.
 */
import { SandboxError } from '../model/errors.js';
import { formatBytes } from '../model/quantity.js';
import type { CgroupSupport } from '../limits/cgroups.js';
import type { NormalizedSpec } from '../model/spec.js';
import { checkDeviceSupport, type DeviceSupport } from './devices.js';
import type { LimitEnforcement, LimitPlan } from './runtime.js';

export function cgroupMechanism(support: CgroupSupport, controller: 'memory' | 'cpu', via: string): string {
  const place = support[controller]!;
  const file = controller === 'memory' ? (place.version === 1 ? 'memory.limit_in_bytes' : 'memory.max') : place.version === 1 ? 'cpu.cfs_quota_us' : 'cpu.max';
  return `${via}cgroup v${place.version} ${file}`;
}

/** Memory and CPU through a host cgroup, or limit_unenforceable naming what is missing. */
export function cgroupLimits(runtime: string, spec: NormalizedSpec, support: CgroupSupport, via = ''): LimitEnforcement[] {
  const out: LimitEnforcement[] = [];
  const { memoryBytes, cpus } = spec.limits;
  if (memoryBytes !== undefined) {
    if (!support.memory)
      throw new SandboxError('limit_unenforceable', `${runtime}: cannot enforce memory ${formatBytes(memoryBytes)}: ${support.notes.filter((n) => n.startsWith('memory')).join('; ')}`);
    out.push({ limit: 'memory', value: formatBytes(memoryBytes), mechanism: cgroupMechanism(support, 'memory', via), enforced: true });
  }
  if (cpus !== undefined) {
    if (!support.cpu) throw new SandboxError('limit_unenforceable', `${runtime}: cannot enforce cpus ${cpus}: ${support.notes.filter((n) => n.startsWith('cpu')).join('; ')}`);
    out.push({ limit: 'cpus', value: String(cpus), mechanism: cgroupMechanism(support, 'cpu', via), enforced: true });
  }
  return out;
}

export function timeoutLimit(spec: NormalizedSpec): LimitEnforcement[] {
  if (spec.limits.timeoutMs === undefined) return [];
  return [{ limit: 'timeout', value: `${spec.limits.timeoutMs}ms`, mechanism: 'host timer: the sandbox is destroyed when it runs out', enforced: true }];
}

/** Memory and CPU as asked for, or undefined when neither is (nothing for a cgroup to do). */
export function resourceLimits(spec: NormalizedSpec): { memoryBytes?: number; cpus?: number } | undefined {
  const { memoryBytes, cpus } = spec.limits;
  return memoryBytes !== undefined || cpus !== undefined ? { memoryBytes, cpus } : undefined;
}

/** How one runtime enforces what a spec asks for: the data its limit plan is made of. */
export interface LimitWays {
  devices: DeviceSupport;
  /** throws invalid_spec for what else the runtime cannot do */
  refuse?(spec: NormalizedSpec): void;
  /**
   * Memory and CPU: through a host cgroup (`via` names who applies it in the
   * report, and `hostCgroup` says whether the manager makes it), or the
   * runtime's own plan (a VM's size and vCPUs).
   */
  resources: { via?: string; hostCgroup?: 'limits' | 'always' } | ((spec: NormalizedSpec, cgroups: CgroupSupport) => Pick<LimitPlan, 'report' | 'hostCgroup'>);
  /** the mechanism of network on and of network off; `offWarning`: off is not enforced, and why */
  network: { on: string; off: string; offWarning?: string };
  /** network on joins a namespace the manager prepares (with a veth pair) */
  netns?: boolean;
}

/** The one limit plan of every runtime, from its ways: devices checked, then memory and CPU, timeout, network. */
export function planLimits(runtime: string, spec: NormalizedSpec, cgroups: CgroupSupport, ways: LimitWays): LimitPlan {
  checkDeviceSupport(runtime, spec, ways.devices);
  ways.refuse?.(spec);
  let report: LimitEnforcement[];
  let hostCgroup: LimitPlan['hostCgroup'];
  if (typeof ways.resources === 'function') ({ report, hostCgroup } = ways.resources(spec, cgroups));
  else {
    report = cgroupLimits(runtime, spec, cgroups, ways.resources.via);
    const { memoryBytes, cpus } = spec.limits;
    const limited = memoryBytes !== undefined || cpus !== undefined;
    // 'always': a cgroup wherever the host has one, limits or not, through which destroy finds every process
    const tracked = cgroups.memory !== undefined || cgroups.cpu !== undefined;
    if (ways.resources.hostCgroup === 'limits' && limited) hostCgroup = { memoryBytes, cpus };
    if (ways.resources.hostCgroup === 'always' && (limited || tracked)) hostCgroup = { memoryBytes, cpus, track: true };
  }
  report.push(...timeoutLimit(spec));
  const { on, off, offWarning } = ways.network;
  report.push(
    spec.network
      ? { limit: 'network', value: 'on', mechanism: on, enforced: true }
      : { limit: 'network', value: 'off', mechanism: off, enforced: !offWarning, ...(offWarning ? { warning: offWarning } : {}) },
  );
  return { report, hostCgroup, netns: ways.netns && spec.network ? 'connected' : undefined };
}
