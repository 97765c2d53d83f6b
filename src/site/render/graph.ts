/**
 * Dependency order for rendering: every document after its parent and after
 * the sources of its substitutions, whatever order they came in. Iterative,
 * so a chain of 10,000 documents does not exhaust the stack.
 */
export type OrderResult<T> = { order: T[]; cycle?: undefined } | { order?: undefined; cycle: T[] };

/**
 * Nodes in an order where each follows all of `deps(node)`; ties keep the
 * input order. On a cycle, returns it (first node repeated at the end).
 */
export function dependencyOrder<T>(nodes: readonly T[], deps: (node: T) => readonly T[]): OrderResult<T> {
  const state = new Map<T, 1 | 2>(); // 1: on the stack, 2: emitted
  const order: T[] = [];
  const stack: { node: T; deps: readonly T[]; i: number }[] = [];
  for (const root of nodes) {
    if (state.has(root)) continue;
    state.set(root, 1);
    stack.push({ node: root, deps: deps(root), i: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.i < top.deps.length) {
        const next = top.deps[top.i++];
        const s = state.get(next);
        if (s === 2) continue;
        if (s === 1) {
          const from = stack.findIndex((f) => f.node === next);
          return { cycle: [...stack.slice(from).map((f) => f.node), next] };
        }
        state.set(next, 1);
        stack.push({ node: next, deps: deps(next), i: 0 });
      } else {
        stack.pop();
        state.set(top.node, 2);
        order.push(top.node);
      }
    }
  }
  return { order };
}

/**
 * Deckhand's rendering order, reproduced exactly: it builds a networkx
 * DiGraph with an edge from each document to each document it needs (in
 * input order), sorts it topologically by generations (Kahn's algorithm,
 * networkx 3's `topological_sort`), reverses that, and appends the
 * documents that have no edges. The order matters beyond dependencies
 * because substitution shares and mutates data in place, as Deckhand's
 * does: two destinations writing into one shared source see each other's
 * writes in this order.
 */
export function deckhandOrder<T>(nodes: readonly T[], deps: (node: T) => readonly T[]): OrderResult<T> {
  const adjacency = new Map<T, Set<T>>();
  const indegree = new Map<T, number>();
  const add = (n: T) => {
    if (!adjacency.has(n)) {
      adjacency.set(n, new Set());
      indegree.set(n, 0);
    }
  };
  for (const n of nodes) {
    for (const d of deps(n)) {
      add(n);
      add(d);
      const out = adjacency.get(n)!;
      if (!out.has(d)) {
        out.add(d);
        indegree.set(d, indegree.get(d)! + 1);
      }
    }
  }
  const sorted: T[] = [];
  let generation = [...adjacency.keys()].filter((n) => indegree.get(n) === 0);
  const remaining = new Map([...indegree].filter(([, d]) => d > 0));
  while (generation.length > 0) {
    const next: T[] = [];
    for (const n of generation) {
      for (const child of adjacency.get(n)!) {
        const d = remaining.get(child)! - 1;
        if (d === 0) {
          next.push(child);
          remaining.delete(child);
        } else remaining.set(child, d);
      }
    }
    sorted.push(...generation);
    generation = next;
  }
  if (remaining.size > 0) {
    const found = dependencyOrder(nodes, deps);
    return found.cycle ? found : { cycle: [...remaining.keys()] };
  }
  sorted.reverse();
  const inGraph = new Set(sorted);
  for (const n of nodes) if (!inGraph.has(n)) sorted.push(n);
  return { order: sorted };
}
