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
