// Property-style tests of the dependent queue: random changes, random
// breakage, flaky jobs, merge conflicts, dependencies, windows and build
// durations. Whatever happens, a failing change never merges, changes merge
// in queue order, and every merged change was tested on exactly the tree
// that merged (the branch plus the changes ahead of it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildResult, Change, FrozenJob } from '../model.js';
import { dependsOn, makeChange, makeJob, seeded, Simulation } from './simulation.js';

interface Scenario {
  changes: Change[];
  bad: Set<string>;
  conflicts: Set<string>;
  flaky: number;
  sim: Simulation;
}

function scenario(seed: number): Scenario {
  const rng = seeded(seed * 7919);
  const n = 3 + Math.floor(rng() * 10);
  const bad = new Set<string>();
  const conflicts = new Set<string>();
  const changes: Change[] = [];
  for (let i = 1; i <= n; i++) {
    const needs = i > 1 && rng() < 0.2 ? dependsOn(1 + Math.floor(rng() * (i - 1))) : [];
    const c = makeChange(i, { needs });
    if (rng() < 0.25) bad.add(c.key);
    if (rng() < 0.08) conflicts.add(c.key);
    changes.push(c);
  }
  const flaky = rng() < 0.5 ? 0 : 0.1;
  const jobCount = 1 + Math.floor(rng() * 3);
  const chained = rng() < 0.5;
  const jobs = (c: Change): FrozenJob[] =>
    Array.from({ length: jobCount }, (_, j) =>
      makeJob(`job${j}`, c.key, { dependencies: chained && j > 0 ? [{ name: `job${j - 1}`, soft: false }] : [], voting: j !== 2 }));
  const window = Math.floor(rng() * 5); // 0 (unlimited) to 4
  const outcome = (job: FrozenJob, tested: string[], r: () => number): BuildResult => {
    if (!job.voting) return r() < 0.5 ? 'FAILURE' : 'SUCCESS';
    if (tested.some((k) => bad.has(k))) return 'FAILURE';
    return r() < flaky ? 'FAILURE' : 'SUCCESS';
  };
  const sim = new Simulation({
    seed,
    jobs,
    outcome,
    conflicts,
    jobTime: (r) => 1 + Math.floor(r() * 5),
    mergeTime: Math.floor(rng() * 2),
    settings: { window: { window, floor: 1, ceiling: null, increaseType: 'linear', increaseFactor: 1, decreaseType: 'exponential', decreaseFactor: 2 } },
  });
  return { changes, bad, conflicts, flaky, sim };
}

for (let seed = 1; seed <= 300; seed++) {
  test(`random queue #${seed}: never merges a failing change, merges in order, on exactly what was tested`, () => {
    const { changes, bad, conflicts, flaky, sim } = scenario(seed);
    const rejected = new Set<string>();
    for (const c of changes) if (sim.addChange(c).rejected) rejected.add(c.key);
    sim.runToEnd();

    const order = new Map(changes.map((c, i) => [c.key, i]));
    const mergedKeys = sim.merged.map((m) => m.change);
    const needsOf = new Map(changes.map((c) => [c.key, c.needs.map((nd) => `${nd.number},1`)]));
    // Changes that cannot merge: bad, conflicting, or needing one that cannot.
    const doomed = new Set<string>();
    for (const c of changes) {
      if (bad.has(c.key) || conflicts.has(c.key) || rejected.has(c.key) || (needsOf.get(c.key) ?? []).some((k) => doomed.has(k))) doomed.add(c.key);
    }

    for (const m of sim.merged) {
      assert.ok(!doomed.has(m.change), `${m.change} merged although it fails`);
      assert.ok(m.exact, `${m.change} merged ${JSON.stringify([...sim.branch])} but was tested on ${JSON.stringify(m.state)}`);
      for (const need of needsOf.get(m.change) ?? []) {
        assert.ok(mergedKeys.indexOf(need) !== -1 && mergedKeys.indexOf(need) < mergedKeys.indexOf(m.change), `${m.change} merged before ${need}, which it needs`);
      }
    }
    for (let i = 1; i < mergedKeys.length; i++) {
      assert.ok(order.get(mergedKeys[i - 1]!)! < order.get(mergedKeys[i]!)!, `merged out of queue order: ${mergedKeys.join(' ')}`);
    }
    if (flaky === 0) {
      // With deterministic jobs, every change that can merge does.
      for (const c of changes) if (!doomed.has(c.key)) assert.ok(mergedKeys.includes(c.key), `${c.key} should have merged`);
    }
    // Every change was reported exactly once with a verdict (those refused at the door: never), and the queue is empty.
    for (const c of changes) {
      if (rejected.has(c.key)) {
        assert.ok(!mergedKeys.includes(c.key));
        continue;
      }
      const verdicts = sim.reports.filter((r) => r.changes.includes(c.key) && (r.final || r.kind === 'failure'));
      assert.equal(verdicts.length, 1, `${c.key} got ${verdicts.length} verdicts`);
      assert.equal(verdicts[0]!.kind === 'success', mergedKeys.includes(c.key));
    }
    assert.equal(sim.items().length, 0);
  });
}
