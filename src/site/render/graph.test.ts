import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyOrder } from './graph.js';

test('dependencies come first; unrelated nodes keep input order', () => {
  const deps: Record<string, string[]> = { a: ['b'], b: ['c'], c: [], d: [], e: ['c'] };
  assert.deepEqual(dependencyOrder(['a', 'b', 'c', 'd', 'e'], (n) => deps[n]).order, ['c', 'b', 'a', 'd', 'e']);
});

test('a cycle is returned with its members, first repeated', () => {
  const deps: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], x: [] };
  assert.deepEqual(dependencyOrder(['x', 'a', 'b', 'c'], (n) => deps[n]).cycle, ['a', 'b', 'c', 'a']);
  assert.deepEqual(dependencyOrder(['s'], () => ['s']).cycle, ['s', 's']);
});

test('a chain of 100,000 does not exhaust the stack', () => {
  const n = 100_000;
  const nodes = Array.from({ length: n }, (_, i) => i);
  const order = dependencyOrder(nodes, (i) => (i + 1 < n ? [i + 1] : [])).order!;
  assert.equal(order[0], n - 1);
  assert.equal(order[n - 1], 0);
});

test("Deckhand's order: networkx's generations, reversed, then the documents without edges", async () => {
  const { deckhandOrder } = await import('./graph.js');
  // networkx: DiGraph([(a,b), (b,c), (e,c)]); list(reversed(list(topological_sort(g)))) == [c, b, e, a]
  const deps: Record<string, string[]> = { a: ['b'], b: ['c'], c: [], d: [], e: ['c'] };
  assert.deepEqual(deckhandOrder(['a', 'b', 'c', 'd', 'e'], (n) => deps[n]).order, ['c', 'b', 'e', 'a', 'd']);
  assert.ok(deckhandOrder(['x', 'y'], (n) => (n === 'x' ? ['y'] : ['x'])).cycle);
});
