/**
 * The plan: what applying a design would change, from the design and what
 * metal and the sandboxes report. `update_site` does exactly what the plan
 * lists and nothing else; `strata site plan` and dry-run actions show it.
 * Pure.
 */
import type { NodeDesign, SiteDesign } from './design.js';
import { replicaSpecs, type ReplicaSpec } from './armada-mapping.js';

export interface ObservedNode {
  name: string;
  uuid: string;
  provisionState: string;
  /** where metal is taking it; Ironic keeps this only while the node is in a transient state */
  targetProvisionState?: string | null;
  powerState: string | null;
  /** the design hash the last deploy wrote (extra.strata_site_hash) */
  hash?: string;
  /** when metal last moved its provision state */
  provisionUpdatedAt?: string | null;
  /** that time as the workflow recorded it when its deploy ended (extra.strata_site_deployed): a difference is a provision by hand */
  recordedDeploy?: string;
}

export interface ObservedReplica {
  id: string;
  release: string;
  replica: number;
  hash: string;
  state: string;
  node?: string;
}

export interface Observed {
  nodes: ObservedNode[];
  replicas: ObservedReplica[];
}

export type NodeAction = 'enroll' | 'deploy' | 'redeploy' | 'none';
export type WorkloadAction = 'create' | 'update' | 'delete' | 'none';

export interface NodePlan {
  name: string;
  action: NodeAction;
  reason: string;
}

export interface WorkloadPlan {
  release: string;
  /** the Workload document (absent for a delete of a release no document names) */
  name?: string;
  chartGroup?: string;
  action: WorkloadAction;
  reason: string;
}

export interface Plan {
  nodes: NodePlan[];
  workloads: WorkloadPlan[];
}

export function planNode(n: NodeDesign, seen: ObservedNode | undefined): NodePlan {
  if (!seen) return { name: n.name, action: 'enroll', reason: 'not enrolled' };
  if (seen.provisionState !== 'active') return { name: n.name, action: 'deploy', reason: `provision state is ${seen.provisionState}` };
  if (seen.powerState === 'power off') return { name: n.name, action: 'deploy', reason: 'active but powered off' };
  if (seen.hash !== n.hash) return { name: n.name, action: 'redeploy', reason: seen.hash ? 'its documents changed since it was deployed' : 'deployed outside the site workflow' };
  return { name: n.name, action: 'none', reason: 'active and current' };
}

/** Why a release's sandboxes differ from what its replicas should be; undefined when they match. */
export function releaseDifference(want: readonly ReplicaSpec[], have: readonly ObservedReplica[], hash: string): string | undefined {
  const live = have.filter((r) => r.state === 'running');
  if (have.some((r) => r.hash !== hash)) return 'its document changed';
  for (const w of want) {
    const h = have.filter((r) => r.replica === w.replica);
    if (h.length === 0) return `replica ${w.replica} is missing`;
    if (!h.some((r) => r.state === 'running')) return `replica ${w.replica} is ${h[0].state}`;
    if ((w.node ?? '') !== (h[0].node ?? '')) return `replica ${w.replica} is placed on ${h[0].node ?? 'the control host'}, not ${w.node ?? 'the control host'}`;
  }
  if (live.length > want.length || have.some((r) => r.replica >= want.length)) return `${have.length} sandboxes for ${want.length} replicas`;
  return undefined;
}

export function computePlan(design: SiteDesign, observed: Observed): Plan {
  const nodesByName = new Map(observed.nodes.map((n) => [n.name, n]));
  const nodes = design.nodes.map((n) => planNode(n, nodesByName.get(n.name)));
  const byRelease = new Map<string, ObservedReplica[]>();
  for (const r of observed.replicas) byRelease.set(r.release, [...(byRelease.get(r.release) ?? []), r]);
  const workloads: WorkloadPlan[] = [];
  for (const w of design.workloads) {
    const have = byRelease.get(w.release) ?? [];
    byRelease.delete(w.release);
    const base = { release: w.release, name: w.name, chartGroup: w.chartGroup };
    if (have.length === 0) {
      workloads.push({ ...base, action: w.replicas === 0 ? 'none' : 'create', reason: w.replicas === 0 ? 'no replicas wanted' : 'not running' });
      continue;
    }
    const why = releaseDifference(replicaSpecs(w, design.nodes), have, w.hash);
    workloads.push({ ...base, action: why ? 'update' : 'none', reason: why ?? 'running and current' });
  }
  for (const release of [...byRelease.keys()].sort()) workloads.push({ release, action: 'delete', reason: 'no Workload document names it' });
  return { nodes, workloads };
}

export function planIsEmpty(p: Plan): boolean {
  return p.nodes.every((n) => n.action === 'none') && p.workloads.every((w) => w.action === 'none');
}

/** The plan as a table for people. */
export function formatPlan(p: Plan): string {
  const rows = [
    ['KIND', 'NAME', 'ACTION', 'REASON'],
    ...p.nodes.map((n) => ['node', n.name, n.action, n.reason]),
    ...p.workloads.map((w) => ['workload', w.release, w.action, w.reason]),
  ];
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]))).join('  ')).join('\n');
}
