/**
 * Shared pieces of runtimes' limit plans (pure): a limit enforced by a host
 * cgroup where the host has the controller, and the timeout, which the
 * manager always enforces with a host timer.
 */
import { SandboxError } from '../model/errors.js';
import { formatBytes } from '../model/quantity.js';
import type { CgroupSupport } from '../limits/cgroups.js';
import type { NormalizedSpec } from '../model/spec.js';
import type { LimitEnforcement } from './runtime.js';

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
