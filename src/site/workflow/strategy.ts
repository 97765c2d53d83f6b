/**
 * Shipyard's deployment strategy (shipyard_airflow/common/deployment_group):
 * which nodes each group holds, the order groups run in, and whether a
 * group met its success criteria. Pure.
 *
 * - A selector matches a node when every list it gives matches (names,
 *   labels as `key:value`, tags, racks); an empty selector matches every
 *   node. A group holds the nodes any of its selectors matches.
 * - Groups run in dependency order (ties: the order written); a cycle is
 *   a design error.
 * - A node already handled by an earlier group is not deployed again, but
 *   still counts for the later group's criteria, as in Shipyard.
 */
import type { GroupDesign, GroupSelector, NodeDesign } from './design-types.js';

export function selectorMatches(s: GroupSelector, n: NodeDesign): boolean {
  if (s.nodeNames.length && !s.nodeNames.includes(n.name)) return false;
  if (s.nodeTags.length && !s.nodeTags.some((t) => n.tags.includes(t))) return false;
  if (s.rackNames.length && !(n.rack && s.rackNames.includes(n.rack))) return false;
  if (s.nodeLabels.length && !s.nodeLabels.some((l) => {
    const i = l.indexOf(':');
    const [k, v] = i < 0 ? [l, undefined] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
    return k in n.labels && (v === undefined || n.labels[k] === v);
  })) return false;
  return true;
}

export function groupNodes(g: GroupDesign, nodes: readonly NodeDesign[]): string[] {
  return nodes.filter((n) => g.selectors.some((s) => selectorMatches(s, n))).map((n) => n.name);
}

/** The groups in an order that puts every group after those it depends on. Throws on a cycle, naming it. */
export function orderGroups(groups: readonly GroupDesign[]): GroupDesign[] {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const out: GroupDesign[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (g: GroupDesign, path: string[]) => {
    const s = state.get(g.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`deployment groups depend on each other in a cycle: ${[...path, g.name].join(' -> ')}`);
    state.set(g.name, 'visiting');
    for (const d of g.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...path, g.name]);
    }
    state.set(g.name, 'done');
    out.push(g);
  };
  for (const g of groups) visit(g, []);
  return out;
}

export interface GroupOutcome {
  total: number;
  succeeded: number;
  failed: number;
  met: boolean;
  /** what was not met, for the step's log */
  reasons: string[];
}

/** Shipyard's success criteria; with none, every node must succeed. */
export function judgeGroup(g: GroupDesign, succeeded: number, failed: number, total: number): GroupOutcome {
  const reasons: string[] = [];
  const c = g.successCriteria;
  const none = c.percentSuccessfulNodes === undefined && c.minimumSuccessfulNodes === undefined && c.maximumFailedNodes === undefined;
  if (none && succeeded < total) reasons.push(`${total - succeeded} of ${total} nodes did not deploy`);
  if (c.percentSuccessfulNodes !== undefined && total > 0 && (succeeded * 100) / total < c.percentSuccessfulNodes) {
    reasons.push(`${Math.floor((succeeded * 100) / total)}% of nodes succeeded, below ${c.percentSuccessfulNodes}%`);
  }
  if (c.minimumSuccessfulNodes !== undefined && succeeded < c.minimumSuccessfulNodes) reasons.push(`${succeeded} nodes succeeded, below the minimum ${c.minimumSuccessfulNodes}`);
  if (c.maximumFailedNodes !== undefined && failed > c.maximumFailedNodes) reasons.push(`${failed} nodes failed, above the maximum ${c.maximumFailedNodes}`);
  return { total, succeeded, failed, met: reasons.length === 0, reasons };
}
