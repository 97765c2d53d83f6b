/**
 * How long loading gate configuration takes, and how much memory a layout
 * holds.
 *
 *   node --import tsx bench/gate-config-load.ts [--runs N] [--repos N]
 *
 * Measures, each printed as a table:
 *  1. OpenStack's real configuration (../shared/fixtures/zuul-openstack-
 *     project-config): parsing main.yaml (7 tenants, ~1,500 projects), and
 *     loading the `openstack` tenant (1,136 objects, 19 pipelines): cold, warm,
 *     and warm with a shared parse cache (what a speculative layout costs),
 *     with the heap a layout holds;
 *  2. freezing job graphs on a synthetic tenant (1,000 projects, each with a
 *     job inheriting from shared ones), per item;
 *  3. reading a synthetic git root through GitReader (`git ls-tree` + one
 *     `git cat-file --batch` per project-branch), cold and through a
 *     CachingReader.
 */
import { stats, table } from './lib/report.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CachingReader, DirectoryReader, freezeJobGraph, GitReader, loadTenant, MemoryReader, ParseCache, parseTenantConfig,
  type Layout, type MemoryRepo,
} from '../src/gate/config/index.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const FIXTURE = resolve(ROOT, '../shared/fixtures/zuul-openstack-project-config');
const MAIN = join(FIXTURE, 'zuul/main.yaml');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 20);
const REPOS = arg('--repos', 100);


function printTable(title: string, head: string[], rows: (string | number)[][]): void {
  console.log(`\n${title}`);
  console.log(table(head, rows));
}

const ms = (n: number) => n.toFixed(1);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// 1. OpenStack's configuration.
const mainText = readFileSync(MAIN, 'utf8');
const parseTimes: number[] = [];
let file = parseTenantConfig(mainText, MAIN);
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  file = parseTenantConfig(mainText, MAIN);
  parseTimes.push(performance.now() - t0);
}
const tenant = file.tenants.find((t) => t.name === 'openstack')!;
const reader = new DirectoryReader({ 'openstack/project-config': { dir: FIXTURE } });

gc();
const heapBefore = process.memoryUsage().heapUsed;
const [first, cold] = await timeAsync(() => loadTenant(tenant, reader, { globalSemaphores: file.globalSemaphores }));
gc();
const heapLayout = process.memoryUsage().heapUsed - heapBefore;
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) warm.push((await timeAsync(() => loadTenant(tenant, reader)))[1]);
const cache = new ParseCache();
await loadTenant(tenant, reader, { cache });
const cached: number[] = [];
for (let i = 0; i < RUNS; i++) cached.push((await timeAsync(() => loadTenant(tenant, reader, { cache })))[1]);
const p = stats(parseTimes);
const w = stats(warm);
const c = stats(cached);
printTable(`OpenStack project-config (${first.layout.errors.summary().errors} errors, ${first.layout.errors.summary().warnings} warnings; ${RUNS} runs)`,
  ['step', 'cold ms', 'median ms', 'p99 ms', 'objects'], [
    ['parse main.yaml (7 tenants)', ms(parseTimes[0]), ms(p.median), ms(p.p99), file.tenants.reduce((n, t) => n + t.sources.reduce((m, s) => m + s.projects.length, 0), 0)],
    ['load tenant openstack', ms(cold), ms(w.median), ms(w.p99), Object.values(first.seen).reduce((a, b) => a + b, 0)],
    ['  with a warm parse cache', '', ms(c.median), ms(c.p99), `${cache.hits} hits`],
  ]);
printTable('Memory', ['what', 'MB'], [
  ['heap held by one openstack layout', mb(heapLayout)],
  ['process RSS', mb(process.memoryUsage().rss)],
]);

// 2. Freezing on a synthetic tenant.
const PROJECTS = 1000;
const repos: Record<string, MemoryRepo> = {
  'org/config': {
    branches: {
      master: {
        'zuul.yaml': `
- pipeline: {name: check, manager: independent, trigger: {local: [{event: patchset-created}]}}
- job: {name: base, parent: null, run: echo base, nodeset: {nodes: [{name: n, label: debian}]}, vars: {a: 1}}
- job: {name: unit, run: make test, vars: {b: {c: 1}}, files: ['^src/']}
- job: {name: lint, run: make lint, irrelevant-files: ['^doc/']}
- job: {name: docs, run: make docs, dependencies: [{name: lint, soft: true}]}
- project-template: {name: standard, check: {jobs: [unit, lint, docs]}}
`,
      },
    },
  },
};
const projectNames: string[] = [];
for (let i = 0; i < PROJECTS; i++) {
  const name = `org/p${i}`;
  projectNames.push(name);
  repos[name] = {
    branches: {
      master: { 'zuul.yaml': `- job: {name: p${i}-func, parent: unit, run: make func, vars: {b: {d: ${i}}}}\n- project: {templates: [standard], check: {jobs: [p${i}-func]}}\n` },
    },
  };
}
const synthTenant = parseTenantConfig(`- tenant:
    name: synth
    source:
      local:
        config-projects: [org/config]
        untrusted-projects: [${projectNames.join(', ')}]
`, 'synth.yaml').tenants[0];
const [synth, synthLoad] = await timeAsync(() => loadTenant(synthTenant, new MemoryReader(repos)));
const layout: Layout = synth.layout;
const freezeTimes: number[] = [];
let jobsFrozen = 0;
for (let i = 0; i < PROJECTS; i++) {
  const t0 = performance.now();
  const g = freezeJobGraph(layout, 'check', { project: `org/p${i}`, branch: 'master', files: ['src/a.c'] });
  freezeTimes.push(performance.now() - t0);
  jobsFrozen += g.graph.size;
}
const f = stats(freezeTimes);
printTable(`Synthetic tenant: ${PROJECTS} projects, ${Object.values(synth.seen).reduce((a, b) => a + b, 0)} objects, ${synth.layout.errors.size} problems`,
  ['step', 'ms', 'median ms', 'p99 ms'], [
    ['load (memory reader)', ms(synthLoad), '', ''],
    [`freeze one item (${jobsFrozen / PROJECTS} jobs)`, ms(freezeTimes[0]), ms(f.median), ms(f.p99)],
  ]);

// 3. GitReader over a synthetic git root.
const tmp = mkdtempSync(join(tmpdir(), 'gate-bench-'));
try {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' };
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  const gitRoot = join(tmp, 'git');
  const names: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < REPOS; i++) {
    const name = i === 0 ? 'org/config' : `org/p${i}`;
    names.push(name);
    const dir = join(gitRoot, name);
    mkdirSync(dir, { recursive: true });
    git(dir, 'init', '-q', '-b', 'master');
    writeFileSync(join(dir, 'zuul.yaml'), repos[name === 'org/config' ? 'org/config' : `org/p${i}`].branches.master['zuul.yaml']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'c');
  }
  const setup = performance.now() - t0;
  const gitTenant = parseTenantConfig(`- tenant:
    name: git
    source:
      local:
        config-projects: [org/config]
        untrusted-projects: [${names.slice(1).join(', ')}]
`, 'git.yaml').tenants[0];
  const [gl, gitCold] = await timeAsync(() => loadTenant(gitTenant, new GitReader(gitRoot)));
  const caching = new CachingReader(new GitReader(gitRoot));
  await loadTenant(gitTenant, caching);
  const [, gitCached] = await timeAsync(() => loadTenant(gitTenant, caching, { cache: new ParseCache() }));
  printTable(`GitReader: ${REPOS} repositories (created in ${ms(setup)} ms), ${gl.layout.errors.size} problems`, ['step', 'ms', 'ms per repo'], [
    ['load, every repository read with git', ms(gitCold), ms(gitCold / REPOS)],
    ['load through CachingReader (branches unchanged)', ms(gitCached), ms(gitCached / REPOS)],
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
