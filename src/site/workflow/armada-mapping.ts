/**
 * Armada's releases onto sandboxes. A Workload's replicas are sandboxes
 * labelled with the release, the replica's index and the design hash;
 * each runs the workload's command from start to end of its life. Placement
 * is pure: replica i goes to the i-th (mod n) node the selector matches,
 * by name, so the same design places the same way every time. Pure.
 */
import type { NodeDesign, WorkloadDesign } from './design.js';
import { selectorMatches } from './strategy.js';

export const LABEL_RELEASE = 'strata.site/release';
export const LABEL_REPLICA = 'strata.site/replica';
export const LABEL_HASH = 'strata.site/hash';
export const LABEL_NODE = 'strata.site/node';

export interface ReplicaSpec {
  release: string;
  replica: number;
  /** the deployed node it is placed on (none: the control host) */
  node?: string;
  sandbox: {
    image?: string;
    runtime?: string;
    runtimeClass?: string;
    env: Record<string, string>;
    memory?: string | number;
    cpus?: string | number;
    hostname: string;
    labels: Record<string, string>;
    accelerators?: string[];
  };
  command: string[];
}

export function placeWorkload(w: WorkloadDesign, nodes: readonly NodeDesign[]): (string | undefined)[] {
  let candidates: string[] = [];
  if (w.host) candidates = [w.host];
  else if (w.nodeSelector) {
    const s = { ...w.nodeSelector, nodeLabels: [] };
    candidates = nodes.filter((n) => selectorMatches(s, n)).map((n) => n.name).sort();
    if (!candidates.length) throw new Error(`workload ${w.name}: no node matches its node_selector`);
  }
  return Array.from({ length: w.replicas }, (_, i) => (candidates.length ? candidates[i % candidates.length] : undefined));
}

export function replicaSpecs(w: WorkloadDesign, nodes: readonly NodeDesign[]): ReplicaSpec[] {
  return placeWorkload(w, nodes).map((node, i) => ({
    release: w.release,
    replica: i,
    ...(node ? { node } : {}),
    sandbox: {
      ...(w.image ? { image: w.image } : {}),
      ...(w.runtime ? { runtime: w.runtime } : {}),
      ...(w.runtimeClass ? { runtimeClass: w.runtimeClass } : {}),
      env: { ...w.env, STRATA_RELEASE: w.release, STRATA_REPLICA: String(i), ...(node ? { STRATA_NODE: node } : {}) },
      ...(w.memory !== undefined ? { memory: w.memory } : {}),
      ...(w.cpus !== undefined ? { cpus: w.cpus } : {}),
      hostname: `${w.release}-${i}`.slice(0, 63),
      labels: { [LABEL_RELEASE]: w.release, [LABEL_REPLICA]: String(i), [LABEL_HASH]: w.hash, ...(node ? { [LABEL_NODE]: node } : {}) },
      ...(w.acceleratorProfile ? { accelerators: [w.acceleratorProfile] } : {}),
    },
    command: w.command,
  }));
}
