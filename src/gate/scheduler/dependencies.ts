// Change dependencies as a graph: Depends-On footers and git parents are
// edges from a change to the changes it needs. A dependency cycle is the
// strongly connected component holding a change; a queue that allows
// circular dependencies enqueues it as one item.

import type { Change, ChangeNeed } from '../model.js';

/** The open change a need points at, when the need is live (open, and at the patchset it names). */
export function liveNeed(need: ChangeNeed, lookup: (n: number) => Change | undefined): Change | undefined {
  const c = lookup(need.number);
  if (!c || c.status !== 'NEW') return undefined;
  if (need.patchset !== null && need.patchset !== c.currentPatchset) return undefined;
  return c;
}

/**
 * The dependency cycle holding `change`: every open change it (transitively)
 * needs that also (transitively) needs it, itself included, ordered by
 * change number. A change in no cycle gives `[change]`.
 */
export function cycleOf(change: Change, lookup: (n: number) => Change | undefined): Change[] {
  const reach = (from: Change): Map<number, Change> => {
    const seen = new Map<number, Change>();
    const stack = [from];
    while (stack.length) {
      const c = stack.pop()!;
      for (const need of c.needs) {
        const d = liveNeed(need, lookup);
        if (d && !seen.has(d.number)) {
          seen.set(d.number, d);
          stack.push(d);
        }
      }
    }
    return seen;
  };
  const forward = reach(change);
  if (!forward.has(change.number)) return [change];
  const members = [change];
  for (const c of forward.values()) {
    if (c.number === change.number) continue;
    if (reach(c).has(change.number)) members.push(c);
  }
  return members.sort((a, b) => a.number - b.number);
}
