import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependsOn, makeChange, makeJob, Simulation } from './simulation.js';
import type { BuildResult, FrozenJob } from '../model.js';

/** Jobs fail when the state under test holds a bad change (what real breakage looks like). */
function breaksWith(...bad: string[]) {
  return (_job: FrozenJob, changes: string[]): BuildResult => (changes.some((c) => bad.includes(c)) ? 'FAILURE' : 'SUCCESS');
}

function mergedOrder(sim: Simulation) {
  return sim.merged.map((m) => m.change);
}

/** The whole tree a merged change was tested on (branch + items ahead + itself); always the tree that merged. */
function testedOn(sim: Simulation, key: string) {
  const m = sim.merged.find((x) => x.change === key);
  assert.ok(m?.exact, `${key} merged a tree it was not tested on`);
  return m?.state;
}

test('three approved changes all merge, each tested on everything ahead of it', () => {
  const sim = new Simulation();
  for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
  // All three are tested at once, speculatively.
  assert.deepEqual(sim.launches.map((l) => l.changes), [['1,1'], ['1,1', '2,1'], ['1,1', '2,1', '3,1']]);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '2,1', '3,1']);
  assert.deepEqual(testedOn(sim, '3,1'), ['1,1', '2,1', '3,1']);
  assert.equal(sim.items().length, 0);
  assert.equal(sim.state.queues[0]!.window, 23, 'the window grew by one per merge');
});

test('a failing change at the head: reported, the items behind restart on the branch', () => {
  const sim = new Simulation({ outcome: breaksWith('1,1') });
  for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['2,1', '3,1']);
  assert.deepEqual(testedOn(sim, '2,1'), ['2,1']);
  assert.deepEqual(testedOn(sim, '3,1'), ['2,1', '3,1']);
  assert.deepEqual(sim.merged.find((m) => m.change === '3,1')!.testedOn, ['2,1', '3,1'], 'tested on 2 while it was in the queue');
  const failure = sim.reports.find((r) => r.final && r.changes[0] === '1,1')!;
  assert.equal(failure.kind, 'failure');
  assert.ok(sim.cancels.length === 0, 'the builds behind had finished: nothing to cancel');
  assert.equal(sim.state.queues[0]!.window, 12, 'halved on the failure, then +1 per merge');
});

test('a failing change in the middle waits until it is at the head, then reports; those behind it skip it', () => {
  const sim = new Simulation({ outcome: breaksWith('2,1') });
  for (const n of [1, 2, 3, 4]) sim.addChange(makeChange(n));
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '3,1', '4,1']);
  assert.deepEqual(testedOn(sim, '3,1'), ['1,1', '3,1']);
  assert.deepEqual(testedOn(sim, '4,1'), ['1,1', '3,1', '4,1']);
  const fail = sim.reports.find((r) => r.final && r.kind === 'failure')!;
  const merged1 = sim.merged.find((m) => m.change === '1,1')!;
  assert.ok(fail.time >= merged1.time, 'the failing item reported only once nothing was ahead of it');
});

test('two failing changes', () => {
  const sim = new Simulation({ outcome: breaksWith('2,1', '4,1') });
  for (const n of [1, 2, 3, 4, 5]) sim.addChange(makeChange(n));
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '3,1', '5,1']);
  assert.deepEqual(testedOn(sim, '5,1'), ['1,1', '3,1', '5,1']);
  assert.deepEqual(sim.reports.filter((r) => r.final && r.kind === 'failure').map((r) => r.changes[0]).sort(), ['2,1', '4,1']);
});

test('builds of items behind a newly failing item are cancelled and restarted', () => {
  // Job time 10 for everything; change 1 fails; 2 and 3 were running on top of 1.
  const sim = new Simulation({ outcome: breaksWith('1,1'), jobTime: 10 });
  for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
  const before = sim.launches.length;
  sim.step(); // all three end together at t=10: 2 and 3 fail too (they hold 1)
  sim.runToEnd();
  assert.ok(sim.launches.length > before);
  assert.deepEqual(mergedOrder(sim), ['2,1', '3,1']);
});

test('a running build behind a failure is cancelled (ABORTED) and the item restarts on its new base', () => {
  const jobs = (c: { key: string }) => [makeJob(c.key === '1,1' ? 'quick' : 'slow', c.key)];
  const sim = new Simulation({ outcome: breaksWith('1,1'), jobs });
  // Make 'quick' end at 1 and 'slow' ones much later by giving them separate timing via the outcome order.
  for (const n of [1, 2]) sim.addChange(makeChange(n));
  // Both jobs take 1 tick in the simulation, so finish the head first by hand:
  const head = sim.items()[0]!;
  const quick = Object.values(head.buildSet.builds)[0]!;
  sim.state = sim.manager.onBuildCompleted(sim.state, quick.id, { result: 'FAILURE', endTime: 0 }, sim.env()).state;
  sim.settle();
  assert.equal(sim.cancels.length, 1, 'the build of 2 on top of 1 was cancelled');
  assert.deepEqual(sim.launches.at(-1)!.changes, ['2,1'], 'and 2 was restarted alone');
});

test('a merge conflict reports Merge Failed and dequeues the change; the rest merge', () => {
  const sim = new Simulation({ conflicts: new Set(['2,1']) });
  for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '3,1']);
  assert.deepEqual(testedOn(sim, '3,1'), ['1,1', '3,1']);
  assert.equal(sim.reports.find((r) => r.final && r.changes[0] === '2,1')!.kind, 'merge-conflict');
});

test('a job DAG: a failed parent skips its children and fails the item', () => {
  const jobs = (c: { key: string }) => [makeJob('build', c.key), makeJob('test', c.key, { dependencies: [{ name: 'build', soft: false }] }), makeJob('lint', c.key)];
  const sim = new Simulation({ jobs, outcome: (job) => (job.name === 'build' ? 'FAILURE' : 'SUCCESS') });
  sim.addChange(makeChange(1));
  assert.deepEqual(sim.launches.map((l) => l.job).sort(), ['build', 'lint'], 'test waits for build');
  sim.runToEnd();
  assert.deepEqual(sim.merged, []);
  const report = sim.reports.find((r) => r.final)!;
  assert.equal(report.kind, 'failure');
  assert.ok(!sim.launches.some((l) => l.job === 'test'), 'the child never ran');
});

test('a job DAG: children start when their parents succeed', () => {
  const jobs = (c: { key: string }) => [makeJob('build', c.key), makeJob('test', c.key, { dependencies: [{ name: 'build', soft: false }] }), makeJob('docs', c.key, { dependencies: [{ name: 'absent', soft: true }] })];
  const sim = new Simulation({ jobs });
  sim.addChange(makeChange(1));
  assert.deepEqual(sim.launches.map((l) => l.job).sort(), ['build', 'docs']);
  sim.runToEnd();
  assert.deepEqual(sim.launches.map((l) => l.job).sort(), ['build', 'docs', 'test']);
  assert.deepEqual(mergedOrder(sim), ['1,1']);
});

test('a non-voting failure still merges', () => {
  const jobs = (c: { key: string }) => [makeJob('unit', c.key), makeJob('experimental', c.key, { voting: false })];
  const sim = new Simulation({ jobs, outcome: (job) => (job.name === 'experimental' ? 'FAILURE' : 'SUCCESS') });
  sim.addChange(makeChange(1));
  sim.addChange(makeChange(2));
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '2,1']);
  assert.deepEqual(testedOn(sim, '2,1'), ['1,1', '2,1'], 'a non-voting failure does not make an item failing');
});

test('a new patchset dequeues the old one and the changes depending on it', () => {
  const sim = new Simulation({ jobTime: 10 });
  sim.addChange(makeChange(1));
  sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  sim.addChange(makeChange(3));
  assert.equal(sim.items().length, 3);
  sim.updateChange(makeChange(1, { patchset: 2 }), 'new patchset 1,2');
  assert.deepEqual(sim.items().map((i) => i.changes[0]!.key), ['3,1']);
  const needing = sim.reports.find((r) => r.changes[0] === '2,1' && r.kind === 'failure')!;
  assert.match(needing.message!, /depends on a change that failed to merge/);
  assert.ok(sim.reports.some((r) => r.changes[0] === '1,1' && r.kind === 'dequeue'));
  assert.ok(sim.cancels.length >= 2, 'the builds of 1 and 2 were cancelled');
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['3,1']);
  assert.deepEqual(testedOn(sim, '3,1'), ['3,1'], '3 was restarted on the branch');
});

test('abandon mid-build cancels the builds and the items behind restart', () => {
  const sim = new Simulation({ jobTime: 10 });
  for (const n of [1, 2]) sim.addChange(makeChange(n));
  sim.abandon(1);
  assert.equal(sim.cancels.length, 2);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['2,1']);
  assert.deepEqual(testedOn(sim, '2,1'), ['2,1']);
});

test('the window limits how many items are tested at once and grows after merges', () => {
  const sim = new Simulation({ settings: { window: { window: 2, floor: 1, ceiling: null, increaseType: 'linear', increaseFactor: 1, decreaseType: 'exponential', decreaseFactor: 2 } } });
  for (const n of [1, 2, 3, 4, 5]) sim.addChange(makeChange(n));
  assert.deepEqual(sim.launches.map((l) => l.changes.at(-1)), ['1,1', '2,1']);
  assert.deepEqual(sim.items().map((i) => i.active), [true, true, false, false, false]);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '2,1', '3,1', '4,1', '5,1']);
  assert.equal(sim.state.queues[0]!.window, 7);
  // Each change was tested once, and 5 started only after two merges had grown the window.
  assert.equal(sim.launches.length, 5);
  const start5 = sim.launches.find((l) => l.changes.at(-1) === '5,1')!.time;
  assert.ok(start5 >= sim.merged[0]!.time);
});

test('a failure shrinks the window to its floor', () => {
  const sim = new Simulation({
    outcome: breaksWith('1,1'),
    settings: { window: { window: 4, floor: 2, ceiling: 4, increaseType: 'linear', increaseFactor: 1, decreaseType: 'exponential', decreaseFactor: 2 } },
  });
  for (const n of [1, 2, 3, 4, 5, 6]) sim.addChange(makeChange(n));
  assert.equal(sim.launches.length, 4);
  sim.step();
  assert.equal(sim.state.queues[0]!.window, 2);
  sim.runToEnd();
  assert.equal(sim.state.queues[0]!.window, 4, 'grew back up to the ceiling');
});

test('Depends-On in a shared queue: the needed change is enqueued ahead and merges first', () => {
  const sim = new Simulation();
  sim.changes.set(1, makeChange(1, { project: 'org/b' }));
  const out = sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  assert.deepEqual(out.enqueued.map((c) => c.key), ['1,1', '2,1']);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '2,1']);
  assert.deepEqual(testedOn(sim, '2,1'), ['1,1', '2,1']);
});

test('Depends-On across unshared queues: the change waits until its dependency has merged', () => {
  const queueFor = (project: string) => ({ key: project, name: project, allowCircularDependencies: false });
  const sim = new Simulation({ queueFor });
  sim.changes.set(1, makeChange(1, { project: 'org/b' }));
  const waiting = sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  assert.equal(waiting.waiting, true);
  assert.match(waiting.rejected!, /does not share change queue org\/a and must merge first/);
  assert.equal(sim.items().length, 0);
  sim.addChange(sim.changes.get(1)!);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1']);
  sim.addChange(sim.changes.get(2)!);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '2,1']);
});

test('an approved change whose dependency is not approved waits; it enters behind it once the dependency does', () => {
  const approved = new Set([2]);
  const sim = new Simulation({ meetsRequirements: (c) => approved.has(c.number) });
  sim.changes.set(1, makeChange(1));
  const first = sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  assert.equal(first.waiting, true);
  assert.equal(sim.items().length, 0);
  approved.add(1);
  sim.addChange(sim.changes.get(1)!);
  sim.addChange(sim.changes.get(2)!);
  assert.deepEqual(sim.items().map((i) => i.changes[0]!.key), ['1,1', '2,1']);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '2,1']);
});

test('a change needing a failing change is dequeued with a message saying so; an unrelated one behind merges', () => {
  const sim = new Simulation({ outcome: breaksWith('1,1') });
  sim.addChange(makeChange(1));
  sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  sim.addChange(makeChange(3));
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['3,1']);
  assert.deepEqual(testedOn(sim, '3,1'), ['3,1']);
  const r = sim.reports.find((x) => x.changes[0] === '2,1' && x.kind !== 'enqueue' && x.kind !== 'start')!;
  assert.equal(r.kind, 'failure');
  assert.match(r.message!, /depends on a change that failed to merge: change 1,1 is neither merged nor ahead/);
});

test('git parents count as dependencies; an outdated parent patchset blocks', () => {
  const sim = new Simulation();
  sim.changes.set(1, makeChange(1, { patchset: 2, currentPatchset: 2 }));
  const out = sim.addChange(makeChange(2, { needs: [{ number: 1, patchset: 1, via: 'git-parent' }] }));
  assert.equal(out.waiting, true);
  assert.match(out.rejected!, /patchset 1 of change 1, which is outdated/);
  const ok = sim.addChange(makeChange(3, { needs: [{ number: 1, patchset: 2, via: 'git-parent' }] }));
  assert.deepEqual(ok.enqueued.map((c) => c.key), ['1,2', '3,1']);
});

test('a dependency cycle is rejected, with a report, unless the queue allows circular dependencies', () => {
  const sim = new Simulation();
  sim.changes.set(1, makeChange(1, { needs: dependsOn(2) }));
  const out = sim.addChange(makeChange(2, { needs: dependsOn(1) }));
  assert.match(out.rejected!, /Dependency cycle detected \(changes 1,1, 2,1\) and queue integrated does not allow circular dependencies/);
  assert.equal(sim.items().length, 0);
  const report = sim.reports.find((r) => r.kind === 'failure')!;
  assert.deepEqual(report.changes, ['2,1']);

  const allowed = new Simulation({ queueFor: () => ({ key: 'q', name: 'q', allowCircularDependencies: true }) });
  allowed.changes.set(1, makeChange(1, { needs: dependsOn(2) }));
  const ok = allowed.addChange(makeChange(2, { needs: dependsOn(1) }));
  assert.equal(ok.rejected, undefined);
  assert.deepEqual(allowed.items().map((i) => i.changes.map((c) => c.key)), [['1,1', '2,1']], 'the cycle is one item');
  allowed.runToEnd();
  assert.deepEqual(mergedOrder(allowed), ['1,1', '2,1']);
  assert.deepEqual(testedOn(allowed, '1,1'), ['1,1', '2,1']);
});

test('hold-following-changes: items behind start only once the held job succeeded', () => {
  const jobs = (c: { key: string }) => [makeJob('deploy', c.key, { holdFollowingChanges: true })];
  const sim = new Simulation({ jobs });
  sim.addChange(makeChange(1));
  sim.addChange(makeChange(2));
  assert.equal(sim.launches.length, 1);
  sim.step();
  assert.equal(sim.launches.length, 2);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['1,1', '2,1']);
});

test('fail-fast: the first failure cancels and skips the rest of the item', () => {
  const sim = new Simulation({
    jobs: (c) => [makeJob('fast', c.key), makeJob('slow', c.key), makeJob('later', c.key, { dependencies: [{ name: 'fast', soft: false }] })],
  });
  sim.addChange(makeChange(1));
  const item = sim.items()[0]!;
  sim.state = sim.manager.onPrepared(sim.state, item.id, item.buildSet.seq, { ok: true, commits: {}, files: [], jobs: item.buildSet.jobs, updatesConfig: false, configChanges: [], failFast: true }, sim.env()).state;
  // Prepared already: emulate fail-fast by finishing 'fast' as failed.
  const bs = sim.items()[0]!.buildSet;
  bs.failFast = true;
  const fast = Object.values(bs.builds).find((b) => b.name === 'fast')!;
  sim.state = sim.manager.onBuildCompleted(sim.state, fast.id, { result: 'FAILURE', endTime: 0 }, sim.env()).state;
  sim.settle();
  assert.equal(sim.cancels.length, 1, 'slow was cancelled');
  const final = sim.reports.find((r) => r.final)!;
  assert.equal(final.kind, 'failure');
});

test('no jobs: reported with no-jobs, not merged, and the item behind is retested without it', () => {
  const sim = new Simulation({ jobs: (c) => (c.number === 1 ? [] : [makeJob('test', c.key)]) });
  sim.addChange(makeChange(1));
  sim.addChange(makeChange(2));
  sim.runToEnd();
  assert.equal(sim.reports.find((r) => r.final && r.changes[0] === '1,1')!.kind, 'no-jobs');
  assert.deepEqual(mergedOrder(sim), ['2,1']);
  assert.deepEqual(testedOn(sim, '2,1'), ['2,1']);
});

test('disable-after-consecutive-failures switches to the disabled reporters', () => {
  const sim = new Simulation({ outcome: () => 'FAILURE', settings: { disableAfterConsecutiveFailures: 2 } });
  for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
  sim.runToEnd();
  assert.deepEqual(sim.reports.filter((r) => r.final).map((r) => r.kind), ['failure', 'failure', 'disabled']);
  assert.equal(sim.state.disabled, true);
});

test('an unknown project is not enqueued; a closed change is not enqueued', () => {
  const sim = new Simulation({ queueFor: (p) => (p === 'org/a' ? { key: 'a', name: 'a', allowCircularDependencies: false } : null) });
  assert.match(sim.addChange(makeChange(1, { project: 'org/zzz' })).rejected!, /has no jobs in pipeline gate/);
  assert.match(sim.addChange(makeChange(2, { status: 'MERGED' })).rejected!, /is merged/);
  assert.equal(sim.items().length, 0);
});

test('the core is pure: entry points never modify the state they are given', () => {
  const sim = new Simulation();
  sim.addChange(makeChange(1));
  const before = JSON.stringify(sim.state);
  const frozen = sim.state;
  sim.manager.processQueue(frozen, sim.env());
  sim.manager.addChange(frozen, makeChange(2), sim.env());
  sim.manager.removeChanges(frozen, () => true, 'x', sim.env());
  assert.equal(JSON.stringify(frozen), before);
});

test('promote: the named changes move to the head in that order, everything restarts, they merge first', () => {
  const sim = new Simulation();
  for (const n of [1, 2, 3, 4]) sim.addChange(makeChange(n));
  const before = sim.launches.length;
  sim.promote(['3,1', '4,1']);
  assert.deepEqual(sim.items().map((i) => i.changes[0]!.key), ['3,1', '4,1', '1,1', '2,1']);
  assert.ok(sim.cancels.length >= 4, 'the running builds were cancelled');
  assert.deepEqual(sim.launches.slice(before).map((l) => l.changes), [['3,1'], ['3,1', '4,1'], ['3,1', '4,1', '1,1'], ['3,1', '4,1', '1,1', '2,1']]);
  sim.runToEnd();
  assert.deepEqual(mergedOrder(sim), ['3,1', '4,1', '1,1', '2,1']);
  assert.deepEqual(testedOn(sim, '1,1'), ['3,1', '4,1', '1,1']);
});
