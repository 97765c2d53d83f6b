/**
 * How fast Strata renders sites, against Deckhand's numbers on this machine
 * (../shared/fixtures/README.md: Deckhand's engine renders seaworthy in
 * 53–70 ms warm, 2.5–2.9 s cold).
 *
 *   node --import tsx bench/site-render.ts [--runs N] [--cli-runs N]
 *
 * Everything is measured on the code as it ships: this script compiles
 * itself, bench/site-cli.ts and src/cli/main.ts with `npx tsc` into a
 * temporary directory and runs the compiled copies (tsx's transpiled code
 * runs measurably slower). Measures, each printed as a table:
 *  1. seaworthy (global + foundry + site): parse of its ~350 files, render
 *     alone (cold first run, then warm median and p99), validation;
 *  2. a synthetic site of 1,250 to 10,000 documents (bench/site-synthetic.ts:
 *     four layers, 25-long substitution chains, redaction, reverse order):
 *     time per document should stay flat as the size grows;
 *  3. the whole command, `strata site render seaworthy -r …` as a fresh
 *     process: bench/site-cli.ts compiled with `npx tsc` into a temporary
 *     directory (the real CLI is `node dist/cli/main.js site render …`),
 *     YAML and --json output, with peak RSS.
 */
import { stats, table } from './lib/report.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocuments, validateDocuments } from '../src/site/documents/index.js';
import type { Document } from '../src/site/documents/index.js';
import { render } from '../src/site/render/index.js';
import { syntheticSite } from './site-synthetic.js';

// The compiled copy runs from a temporary directory: it is told the root.
const ROOT = process.env.STRATA_BENCH_ROOT ?? resolve(fileURLToPath(new URL('..', import.meta.url)));
const TREASUREMAP = resolve(ROOT, '../shared/fixtures/treasuremap-v1.9');
const IN_PROCESS = process.env.STRATA_BENCH_IN_PROCESS === '1';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 200);
const CLI_RUNS = arg('--cli-runs', 15);


function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

function printTable(title: string, head: string[], rows: (string | number)[][]): void {
  console.log(`\n${title}`);
  console.log(table(head, rows));
}

function siteFiles(site: string, type: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) out.push(p);
    }
  };
  for (const d of ['global', `type/${type}`, `site/${site}`]) walk(join(TREASUREMAP, d));
  return out;
}

const ms = (n: number) => n.toFixed(2);

function inProcess(): void {
  // 1. seaworthy in process.
  const files = siteFiles('seaworthy', 'foundry');
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  const [docs, parseCold] = time(() => texts.flatMap((t, i) => parseDocuments(t, files[i])));
  const [, parseWarm] = time(() => texts.flatMap((t, i) => parseDocuments(t, files[i])));
  const opts = { failOnMissingSubSrc: false };
  const [first, renderCold] = time(() => render(docs, opts));
  for (let i = 0; i < 20; i++) render(docs, opts);
  const warm: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) warm.push(time(() => render(docs, opts))[1]);
  const cpuPerRender = (() => {
    const d = process.cpuUsage(cpu0);
    return (d.user + d.system) / 1000 / RUNS;
  })();
  const w = stats(warm);
  const [, preCold] = time(() => validateDocuments(docs, { phase: 'pre' }));
  const [, postCold] = time(() => validateDocuments(first.documents, { phase: 'post' }));
  const pre: number[] = [];
  const post: number[] = [];
  for (let i = 0; i < 30; i++) {
    pre.push(time(() => validateDocuments(docs, { phase: 'pre' }))[1]);
    post.push(time(() => validateDocuments(first.documents, { phase: 'post' }))[1]);
  }
  printTable(
    `seaworthy: ${files.length} files, ${docs.length} documents in, ${first.documents.length} rendered (node ${process.version})`,
    ['step', 'cold ms', 'warm median ms', 'warm p99 ms', 'documents/s (warm)'],
    [
      ['parse YAML (all files)', ms(parseCold), ms(parseWarm), '', ''],
      ['render', ms(renderCold), ms(w.median), ms(w.p99), Math.round(docs.length / (w.median / 1000))],
      ['validate before render', ms(preCold), ms(stats(pre).median), ms(stats(pre).p99), ''],
      ['validate after render', ms(postCold), ms(stats(post).median), ms(stats(post).p99), ''],
      ["Deckhand's engine (fixtures README)", '2500-2900', '53-70', '', Math.round(docs.length / 0.06)],
    ],
  );
  console.log(
    `render alone, warm: median ${ms(w.median)} ms wall, ${ms(cpuPerRender)} ms CPU per render (target ≤ 6 ms; ${(60 / w.median).toFixed(1)}× Deckhand's ~60 ms)`,
  );
  console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs`);

  // 2. Synthetic sites: linear in the number of documents?
  const rows: (string | number)[][] = [];
  let peakRss = process.resourceUsage().maxRSS;
  for (const size of [1250, 2500, 5000, 10000]) {
    const site: Document[] = syntheticSite(size);
    const [r0, cold] = time(() => render(site, opts));
    const samples: number[] = [];
    const reps = size >= 5000 ? 10 : 20;
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) samples.push(time(() => render(site, opts))[1]);
    const c = process.cpuUsage(c0);
    const cpuPerDoc = (c.user + c.system) / reps / site.length;
    const s = stats(samples);
    peakRss = Math.max(peakRss, process.resourceUsage().maxRSS);
    rows.push([
      size,
      site.length,
      r0.documents.length,
      ms(cold),
      ms(s.median),
      ms(s.p99),
      ((s.median * 1000) / site.length).toFixed(2),
      cpuPerDoc.toFixed(2),
      Math.round(site.length / (s.median / 1000)),
    ]);
  }
  printTable(
    'synthetic site (4 layers, substitution chains of 25, redaction, reverse order)',
    ['size', 'documents', 'rendered', 'cold ms', 'median ms', 'p99 ms', 'µs/document', 'CPU µs/document', 'documents/s'],
    rows,
  );
  console.log(`peak RSS of this process: ${(peakRss / 1024).toFixed(0)} MiB`);
}

// 3. The whole command, as a fresh process each time.
if (IN_PROCESS) {
  inProcess();
  process.exit(0);
}
const build = mkdtempSync(join(tmpdir(), 'strata-bench-'));
try {
  const t0 = performance.now();
  // The standalone entry and the real one (src/cli/main.ts, every module's
  // CLI mounted). Type errors elsewhere in a tree others are editing must
  // not stop the measurement: tsc emits regardless.
  try {
    execFileSync(
      join(ROOT, 'node_modules/.bin/tsc'),
      [
        join(ROOT, 'bench/site-render.ts'),
        join(ROOT, 'bench/site-cli.ts'),
        join(ROOT, 'src/cli/main.ts'),
        '--outDir', build, '--rootDir', ROOT,
        '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
        '--skipLibCheck', '--types', 'node', '--esModuleInterop', '--verbatimModuleSyntax', '--resolveJsonModule',
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
  } catch (err) {
    console.log(`(tsc reported errors; measuring what it emitted)`);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'));
  console.log(`compiled the benchmark, bench/site-cli.ts and src/cli/main.ts with npx tsc in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Sections 1 and 2, compiled, in a process of their own.
  const inproc = spawnSync(process.execPath, [join(build, 'bench/site-render.js'), ...process.argv.slice(2)], {
    env: { ...process.env, STRATA_BENCH_IN_PROCESS: '1', STRATA_BENCH_ROOT: ROOT },
    stdio: 'inherit',
  });
  if (inproc.status !== 0) throw new Error('the in-process benchmark failed');
  const entry = join(build, 'bench/site-cli.js');
  const mainEntry = join(build, 'src/cli/main.js');
  const cliRows: (string | number)[][] = [];
  const variants: [string, string[], string][] = [
    ['site render seaworthy (YAML)', [], entry],
    ['site render seaworthy --json', ['--json'], entry],
    ['site render seaworthy --no-validate', ['--no-validate'], entry],
    ['dist-style src/cli/main.js site render seaworthy', [], mainEntry],
  ];
  for (const [label, extra, script] of variants) {
    if (!existsSync(script)) {
      cliRows.push([label, 'not built', '', '', '', '', '']);
      continue;
    }
    const wall: number[] = [];
    const cpu: number[] = [];
    let rss = 0;
    let bytes = 0;
    for (let i = 0; i < CLI_RUNS + 1; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [script, 'site', 'render', 'seaworthy', '-r', TREASUREMAP, ...extra], {
        env: { ...process.env, STRATA_BENCH_RSS_FD: script === entry ? '3' : '' },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
      const elapsed = performance.now() - t;
      if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr?.toString()}`);
      bytes = r.stdout.length;
      const [maxRss, cpuMicros] = String(r.output[3] || '0 0').trim().split(' ').map(Number);
      rss = Math.max(rss, maxRss);
      if (i > 0) {
        // The first run warms the disk cache.
        wall.push(elapsed);
        cpu.push(cpuMicros / 1000);
      }
    }
    const s = stats(wall);
    const c = stats(cpu);
    const own = script === entry; // only the standalone entry reports its CPU time and RSS
    cliRows.push([label, ms(s.min), ms(s.median), ms(s.p99), own ? ms(c.median) : '-', (bytes / 1e6).toFixed(2), own ? (rss / 1024).toFixed(0) : '-']);
  }
  printTable(
    `whole command as a fresh process (compiled, node ${process.version}, ${CLI_RUNS} runs each; target < 500 ms wall)`,
    ['command', 'min ms', 'median ms', 'p99 ms', 'CPU ms (median)', 'output MB', 'peak RSS MiB'],
    cliRows,
  );
  console.log(`load average while measuring: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs (wall times suffer when the machine is shared)`);
} finally {
  rmSync(build, { recursive: true, force: true });
}
