/**
 * Drift: where the site no longer is what its committed design and last
 * deploy made it. Unlike the plan (what an update would do), drift reports
 * what changed underneath: a deployed node powered off or moved out of
 * active, a workload's sandbox gone or stopped. Pure.
 */
import type { SiteDesign } from './design.js';
import { replicaSpecs } from './armada-mapping.js';
import type { Observed } from './plan.js';

export interface DriftItem {
  kind: 'node' | 'workload';
  name: string;
  problem: 'missing' | 'powered_off' | 'not_active' | 'changed' | 'stopped';
  detail: string;
}

export function detectDrift(design: SiteDesign, observed: Observed): DriftItem[] {
  const out: DriftItem[] = [];
  const nodes = new Map(observed.nodes.map((n) => [n.name, n]));
  for (const n of design.nodes) {
    const seen = nodes.get(n.name);
    if (!seen) out.push({ kind: 'node', name: n.name, problem: 'missing', detail: 'not enrolled in metal' });
    else if (seen.provisionState !== 'active') out.push({ kind: 'node', name: n.name, problem: 'not_active', detail: `provision state is ${seen.provisionState}` });
    else if (seen.powerState !== 'power on') out.push({ kind: 'node', name: n.name, problem: 'powered_off', detail: `power state is ${seen.powerState ?? 'unknown'}` });
    else if (seen.hash !== n.hash) out.push({ kind: 'node', name: n.name, problem: 'changed', detail: 'deployed from other documents than the committed ones' });
    else if (seen.recordedDeploy && seen.provisionUpdatedAt && seen.recordedDeploy !== seen.provisionUpdatedAt) {
      out.push({ kind: 'node', name: n.name, problem: 'changed', detail: `provisioned outside the site workflow at ${seen.provisionUpdatedAt} (its deploy ended at ${seen.recordedDeploy})` });
    }
  }
  for (const w of design.workloads) {
    const have = observed.replicas.filter((r) => r.release === w.release);
    for (const spec of replicaSpecs(w, design.nodes)) {
      const r = have.filter((h) => h.replica === spec.replica);
      const name = `${w.release}/${spec.replica}`;
      if (r.length === 0) out.push({ kind: 'workload', name, problem: 'missing', detail: 'no sandbox' });
      else if (!r.some((h) => h.state === 'running')) out.push({ kind: 'workload', name, problem: 'stopped', detail: `sandbox ${r[0].id} is ${r[0].state}` });
      else if (r.some((h) => h.hash !== w.hash)) out.push({ kind: 'workload', name, problem: 'changed', detail: 'runs another version of its document' });
    }
  }
  return out;
}
