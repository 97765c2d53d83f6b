import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildResult, FrozenJob, RefUpdate } from '../model.js';
import { refKey } from '../model.js';
import { dependsOn, makeChange, Simulation } from './simulation.js';

function ref(project: string, newrev: string): RefUpdate {
  return { kind: 'ref', key: refKey(project, 'refs/heads/main', newrev), project, branch: 'main', ref: 'refs/heads/main', oldrev: '0'.repeat(40), newrev };
}

test('independent: each change is tested on its own, at once, and reports as soon as its jobs end', () => {
  const sim = new Simulation({ manager: 'independent', outcome: (_j: FrozenJob, c: string[]): BuildResult => (c.includes('1,1') ? 'FAILURE' : 'SUCCESS') });
  for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
  assert.equal(sim.state.queues.length, 3, 'one dynamic queue per change');
  assert.deepEqual(sim.launches.map((l) => l.changes), [['1,1'], ['2,1'], ['3,1']]);
  sim.runToEnd();
  assert.deepEqual(sim.reports.filter((r) => r.final).map((r) => [r.changes[0], r.kind]), [['1,1', 'failure'], ['2,1', 'success'], ['3,1', 'success']]);
  assert.deepEqual(sim.merged, [], 'a check pipeline merges nothing');
  assert.equal(sim.state.queues.length, 0, 'dynamic queues go away once empty');
});

test('independent: needed changes are enqueued ahead as non-live items and tested with the change', () => {
  const sim = new Simulation({ manager: 'independent' });
  sim.changes.set(1, makeChange(1, { project: 'org/b' }));
  sim.changes.set(2, makeChange(2, { needs: dependsOn(1) }));
  const out = sim.addChange(makeChange(3, { needs: dependsOn(2) }));
  assert.deepEqual(out.enqueued.map((c) => c.key), ['1,1', '2,1', '3,1']);
  const items = sim.items();
  assert.deepEqual(items.map((i) => [i.changes[0]!.key, i.live]), [['1,1', false], ['2,1', false], ['3,1', true]]);
  assert.deepEqual(sim.launches.map((l) => l.changes), [['1,1', '2,1', '3,1']], 'only the live item runs jobs, on its dependencies');
  sim.runToEnd();
  assert.deepEqual(sim.reports.filter((r) => r.final).map((r) => r.changes[0]), ['3,1'], 'non-live items never report');
  assert.equal(sim.items().length, 0, 'non-live items leave with the live one');
});

test('independent: a change already live in the pipeline is not enqueued twice; a dependency may be both', () => {
  const sim = new Simulation({ manager: 'independent', jobTime: 10 });
  sim.addChange(makeChange(1));
  sim.addChange(makeChange(1));
  assert.equal(sim.state.queues.length, 1);
  sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  assert.equal(sim.state.queues.length, 2, 'the dependency is also ahead of 2, not live there');
});

test('independent: a dependency that does not merge makes the change behind it a merge conflict too', () => {
  const sim = new Simulation({ manager: 'independent', conflicts: new Set(['1,1']) });
  sim.changes.set(1, makeChange(1));
  sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  sim.runToEnd();
  const r = sim.reports.find((x) => x.final)!;
  assert.equal(r.kind, 'merge-conflict');
  assert.deepEqual(r.changes, ['2,1']);
});

test('independent: a new patchset of a dependency dequeues the change that was tested with it', () => {
  const sim = new Simulation({ manager: 'independent', jobTime: 10 });
  sim.changes.set(1, makeChange(1));
  sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  sim.changes.set(1, makeChange(1, { patchset: 2 }));
  sim.settle();
  const r = sim.reports.find((x) => x.kind === 'failure')!;
  assert.deepEqual(r.changes, ['2,1']);
  assert.match(r.message!, /depends on a change that failed to merge/);
  assert.equal(sim.items().length, 0);
});

test('supercedent: the head runs, one item waits, newer items supersede the waiting one', () => {
  const sim = new Simulation({ manager: 'supercedent', jobTime: 10 });
  sim.addChange(ref('org/a', 'a'.repeat(40)) as never);
  sim.addChange(ref('org/a', 'b'.repeat(40)) as never);
  sim.addChange(ref('org/a', 'c'.repeat(40)) as never);
  const items = sim.items();
  assert.deepEqual(items.map((i) => i.changes[0]!.key.split('@')[2]![0]), ['a', 'c']);
  assert.deepEqual(sim.reports.filter((r) => r.final), [], 'a superseded item leaves without a report, as in Zuul');
  assert.equal(sim.launches.length, 1, 'the waiting item does not run until the head is done');
  sim.runToEnd();
  assert.deepEqual(sim.launches.map((l) => l.changes[0]!.split('@')[2]![0]), ['a', 'c']);
  assert.equal(sim.items().length, 0);
});

test('supercedent: different branches or projects have queues of their own', () => {
  const sim = new Simulation({ manager: 'supercedent', jobTime: 10 });
  sim.addChange(ref('org/a', 'a'.repeat(40)) as never);
  sim.addChange(ref('org/b', 'b'.repeat(40)) as never);
  assert.equal(sim.state.queues.length, 2);
  assert.equal(sim.launches.length, 2);
});

test('serial: one item at a time per queue, each on what the one before left, nothing merged', () => {
  const sim = new Simulation({ manager: 'serial', jobTime: 10 });
  for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
  assert.equal(sim.launches.length, 1);
  sim.runToEnd();
  assert.deepEqual(sim.launches.map((l) => [l.changes, l.time]), [[['1,1'], 0], [['2,1'], 10], [['3,1'], 20]]);
  assert.deepEqual(sim.reports.filter((r) => r.final).map((r) => r.kind), ['success', 'success', 'success']);
  assert.equal(sim.state.queues[0]!.window, 1, 'the window stays at 1');
});

test('serial with a submitting reporter merges one at a time', () => {
  const sim = new Simulation({ manager: 'serial', jobTime: 10, settings: { changesMerge: true } });
  for (const n of [1, 2]) sim.addChange(makeChange(n));
  sim.runToEnd();
  assert.deepEqual(sim.merged.map((m) => [m.change, m.exact]), [['1,1', true], ['2,1', true]]);
});

test('dequeue-on-new-patchset off: the shell keeps the old item (removeChanges is what dequeues)', () => {
  const sim = new Simulation({ manager: 'independent', jobTime: 10, settings: { dequeueOnNewPatchset: false } });
  sim.addChange(makeChange(1));
  sim.addChange(makeChange(1, { patchset: 2 }));
  assert.equal(sim.items().length, 2, 'both patchsets are tested');
});
