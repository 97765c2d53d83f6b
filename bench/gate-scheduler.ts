// bench/gate-scheduler: the cost of the scheduler's pure core with 1,000
// queued items over 20 projects, each item prepared with three trivial
// jobs running. Measures a full pass over every queue (processQueue, the
// function the scheduler calls after every event), the cost of one event
// (a build finishing, then the pass it triggers; a change enqueued), and
// the memory an item holds. Only the pure core is timed: no store, git or
// processes (the shell adds a store write per round, measured nowhere here).
//
// Run: node --import tsx bench/gate-scheduler.ts

import { quantile } from './lib/report.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createManager } from '../src/gate/scheduler/managers.js';
import { makeChange, makeJob, settings } from '../src/gate/scheduler/simulation.js';
import type { Action, ManagerEnv, PipelineSettings } from '../src/gate/scheduler/types.js';
import type { Change, PipelineState } from '../src/gate/model.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const ITEMS = 1000;
const PROJECTS = 20;

interface Scenario {
  name: string;
  queueFor(project: string): string;
  window: number;
}

const scenarios: Scenario[] = [
  { name: '20 queues (one per project), window 20', queueFor: (p) => p, window: 20 },
  { name: '20 queues (one per project), unlimited window', queueFor: (p) => p, window: 0 },
  { name: '1 shared queue, unlimited window', queueFor: () => 'integrated', window: 0 },
];

const percentile = (xs: number[], p: number) => quantile(xs, p / 100);

function measure(sc: Scenario) {
  const changes = new Map<number, Change>();
  let ids = 0;
  let now = 0;
  const env: ManagerEnv = {
    get now() {
      return now;
    },
    change: (n) => changes.get(n),
    queueFor: (project) => ({ key: sc.queueFor(project), name: sc.queueFor(project), allowCircularDependencies: false }),
    meetsRequirements: () => true,
    newId: () => `id${++ids}`,
  };
  const s: PipelineSettings = settings('gate', 'dependent', { window: { window: sc.window, floor: 3, ceiling: null, increaseType: 'linear', increaseFactor: 1, decreaseType: 'exponential', decreaseFactor: 2 } });
  const manager = createManager(s);
  let state: PipelineState = manager.initialState();
  const pending: Action[] = [];
  const settle = () => {
    for (;;) {
      const out = manager.processQueue(state, env);
      state = out.state;
      if (out.actions.length === 0) return;
      pending.push(...out.actions);
    }
  };
  // Prepares succeed at once with three jobs; builds start and keep running.
  const drain = () => {
    for (;;) {
      const a = pending.shift();
      if (!a) break;
      if (a.type === 'prepare') {
        const c = a.changes[0]!;
        state = manager.onPrepared(state, a.itemId, a.seq, {
          ok: true, commits: { [c.project]: { main: 'x'.repeat(40) } }, files: ['a.txt'], updatesConfig: false, configChanges: [], failFast: false,
          jobs: ['unit', 'lint', 'docs'].map((j) => makeJob(j, c.key, { project: c.project })),
        }, env).state;
      } else if (a.type === 'launch') {
        state = manager.onBuildStarted(state, a.build.id, now, env).state;
      }
    }
  };

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const enqueueTimes: number[] = [];
  for (let n = 1; n <= ITEMS; n++) {
    const c = makeChange(n, { project: `org/p${n % PROJECTS}` });
    changes.set(n, c);
    const t0 = performance.now();
    const out = manager.addChange(state, c, env);
    enqueueTimes.push(performance.now() - t0);
    state = out.state;
    pending.push(...out.actions);
  }
  for (let i = 0; ; i++) {
    drain();
    settle();
    if (pending.length === 0) break;
    if (i > 10_000) throw new Error('does not settle');
  }
  const items = state.queues.reduce((n, q) => n + q.items.length, 0);
  const builds = state.queues.reduce((n, q) => n + q.items.reduce((m, i) => m + Object.keys(i.buildSet.builds).length, 0), 0);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const json = JSON.stringify(state).length;

  // A full pass over a steady queue (nothing to do: what every round costs at least).
  const passes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const out = manager.processQueue(state, env);
    passes.push(performance.now() - t0);
    if (out.actions.length) throw new Error('not settled');
  }
  // One event: a build finishes (success), then the passes it triggers until quiet.
  const running = state.queues.flatMap((q) => q.items.flatMap((i) => Object.values(i.buildSet.builds).filter((b) => b.status === 'running').map((b) => b.id)));
  const events: number[] = [];
  for (let i = 0; i < 30 && i < running.length; i++) {
    const id = running[(i * 37) % running.length]!;
    now += 1;
    const t0 = performance.now();
    state = manager.onBuildCompleted(state, id, { result: 'SUCCESS', endTime: now }, env).state;
    let out = manager.processQueue(state, env);
    state = out.state;
    while (out.actions.length) {
      for (const a of out.actions) if (a.type === 'report' && a.final) state = manager.onReported(state, a.itemId, { merged: true }, env).state;
      out = manager.processQueue(state, env);
      state = out.state;
    }
    events.push(performance.now() - t0);
  }
  return {
    name: sc.name,
    items,
    builds,
    enqueueMedian: percentile(enqueueTimes, 50),
    enqueueP95: percentile(enqueueTimes, 95),
    passMedian: percentile(passes, 50),
    passP95: percentile(passes, 95),
    eventMedian: percentile(events, 50),
    eventP95: percentile(events, 95),
    bytesPerItem: (heapAfter - heapBefore) / items,
    jsonPerItem: json / items,
  };
}

const rows = scenarios.map(measure);
const pad = (s: string, n: number) => s.padEnd(n);
const fmt = (x: number) => x.toFixed(2);
console.log(`gate scheduler core: ${ITEMS} queued items over ${PROJECTS} projects, 3 jobs each (pure pass, no I/O)\n`);
const header = ['scenario', 'items', 'builds', 'pass p50 ms', 'pass p95 ms', 'event p50 ms', 'event p95 ms', 'enqueue p50 ms', 'enqueue p95 ms', 'heap/item KiB', 'json/item KiB'];
const table = rows.map((r) => [r.name, String(r.items), String(r.builds), fmt(r.passMedian), fmt(r.passP95), fmt(r.eventMedian), fmt(r.eventP95), fmt(r.enqueueMedian), fmt(r.enqueueP95), fmt(r.bytesPerItem / 1024), fmt(r.jsonPerItem / 1024)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
console.log(header.map((h, i) => pad(h, widths[i]!)).join('  '));
for (const t of table) console.log(t.map((c, i) => pad(c, widths[i]!)).join('  '));
const worst = Math.max(...rows.map((r) => r.passP95));
console.log(`\ntarget: a full pass over 1,000 items under 50 ms — worst p95 ${fmt(worst)} ms: ${worst < 50 ? 'met' : 'NOT met'}`);
