// bench/gate-throughput: how long it takes to merge a queue of changes
// with speculative gating (a dependent pipeline with Zuul's default window)
// beside serial gating (one change tested at a time, on the branch), and
// the ratio.
//
// 1. Simulated: 50 changes enqueued at once, every job takes T, each change
//    is broken with probability p (a broken change fails every state that
//    holds it), the pure scheduler core driven on a simulated clock (merges
//    take T/100). Averaged over 20 random draws per p.
// 2. Real: a small configuration through a real `strata server` (git merges,
//    processes, SQLite): 8 changes, a job of 2 s, p = 0 and one broken change,
//    with the default window and with window 1. Needs `npm run build`.
//
// Run: node --import tsx bench/gate-throughput.ts [--simulated-only]

import { makeChange, seeded, Simulation } from '../src/gate/scheduler/simulation.js';
import type { BuildResult, FrozenJob } from '../src/gate/model.js';
import { DEFAULT_WINDOW } from '../src/gate/scheduler/window.js';

const N = 50;
const T = 600; // seconds of simulated job time
const DRAWS = 20;
const SERIAL = { window: 1, floor: 1, ceiling: 1, increaseType: 'linear' as const, increaseFactor: 1, decreaseType: 'linear' as const, decreaseFactor: 1 };

function simulate(p: number, seed: number, serial: boolean): { time: number; merged: number } {
  const rng = seeded(seed);
  const bad = new Set<string>();
  for (let i = 1; i <= N; i++) if (rng() < p) bad.add(`${i},1`);
  const sim = new Simulation({
    seed,
    jobTime: T,
    mergeTime: T / 100,
    outcome: (_job: FrozenJob, tested: string[]): BuildResult => (tested.some((k) => bad.has(k)) ? 'FAILURE' : 'SUCCESS'),
    settings: { window: serial ? SERIAL : { ...DEFAULT_WINDOW } },
  });
  for (let i = 1; i <= N; i++) sim.addChange(makeChange(i));
  sim.runToEnd();
  if (sim.items().length !== 0) throw new Error('items left');
  // Every change that is not broken merged: the runs are comparable.
  if (sim.merged.length !== N - bad.size) throw new Error(`merged ${sim.merged.length} of ${N - bad.size}`);
  return { time: sim.now, merged: sim.merged.length };
}

const pad = (s: string, n: number) => s.padEnd(n);
function print(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log(header.map((h, i) => pad(h, widths[i]!)).join('  '));
  for (const r of rows) console.log(r.map((c, i) => pad(c, widths[i]!)).join('  '));
}

console.log(`gate throughput, simulated: ${N} changes at once, job time T = ${T} s, merge T/100, ${DRAWS} draws per p (mean)\n`);
const rows: string[][] = [];
for (const p of [0, 0.05, 0.2]) {
  let spec = 0;
  let ser = 0;
  let merged = 0;
  for (let d = 1; d <= DRAWS; d++) {
    const a = simulate(p, d * 101, false);
    const b = simulate(p, d * 101, true);
    spec += a.time;
    ser += b.time;
    merged += a.merged;
  }
  spec /= DRAWS;
  ser /= DRAWS;
  rows.push([String(p), (merged / DRAWS).toFixed(1), (spec / T).toFixed(2), (ser / T).toFixed(2), (ser / spec).toFixed(2)]);
}
print(['p(fail)', 'merged', 'speculative (×T)', 'serial (×T)', 'serial/speculative'], rows);

if (!process.argv.includes('--simulated-only')) {
  const { GateFixture, JOBS, PIPELINES, projectConfig } = await import('../test/helpers/gate/fixture.js');
  const REAL_N = 8;
  const JOB_S = 2;
  const real = async (brokenAt: number | null, serial: boolean) => {
    const pipelines = serial ? PIPELINES.replace('    manager: dependent\n', '    manager: dependent\n    window: 1\n    window-floor: 1\n    window-ceiling: 1\n') : PIPELINES;
    const jobs = JOBS.replace("n=$\\{GATE_CHANGE%%,*}; ", '').replace('if test -f slow-$GATE_JOB-$n; then sleep "$(cat slow-$GATE_JOB-$n)"; fi; ', `sleep ${JOB_S}; `);
    const f = await GateFixture.start({
      config: { 'zuul.d/pipelines.yaml': pipelines, 'zuul.d/jobs.yaml': jobs },
      projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ gate: ['unit'] }) } },
      concurrency: 16,
    });
    try {
      const changes = [];
      for (let i = 1; i <= REAL_N; i++) changes.push(await f.change('org/a', { [`f${i}.txt`]: `${i}\n`, ...(i === brokenAt ? { 'fail-unit': '' } : {}) }, `Change ${i}`));
      // Approve all at once through the API, then time until the gate is idle.
      const t0 = Date.now();
      await Promise.all(changes.map((c) => f.cli(['change', 'approve', String(c.number)])));
      await f.wait(600);
      const took = (Date.now() - t0) / 1000;
      const merged = (await Promise.all(changes.map((c) => f.show(c.number)))).filter((s) => s.status === 'MERGED').length;
      return { took, merged };
    } finally {
      await f.stop();
    }
  };
  console.log(`\ngate throughput, real (strata server, git, processes, SQLite): ${REAL_N} changes approved at once, job ${JOB_S} s\n`);
  const realRows: string[][] = [];
  for (const broken of [null, 3]) {
    const a = await real(broken, false);
    const b = await real(broken, true);
    realRows.push([broken === null ? 'none' : `change ${broken}`, String(a.merged), a.took.toFixed(1), b.took.toFixed(1), (b.took / a.took).toFixed(2)]);
  }
  print(['broken', 'merged', 'speculative (s)', 'serial (s)', 'serial/speculative'], realRows);
}
