/**
 * The dashboard's weight and speed, in Debian's Chromium:
 *
 *   npm run build && npm run build:web && node --import tsx bench/dashboard.ts [--items 200] [--nodes 1000] [--runs 5]
 *
 * - bytes of the built JS and CSS, raw and gzipped (what the server sends);
 * - time from navigation to the gate page rendering all its queue items
 *   (a gate status of --items items in Zuul's shape, three jobs each, from
 *   a stand-in gate module: 200 real queue items would need 200 real
 *   builds) and to the nodes page rendering its table over --nodes real
 *   fake-hardware nodes of the real metal module;
 * - the page's JS heap and DOM size once rendered (Chromium's metrics over
 *   CDP), and what one probe of each watched resource costs the server.
 *
 * The server is the real composition root (metal, the stand-in gate, web)
 * with --noauth on loopback. Targets from issue 12: under 200 KB of gzipped
 * JS, first render under 1 s with 200 items.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { serverConfig, type StrataModule } from '../src/core/index.js';
import { loadModules } from '../src/modules.js';
import { startServer } from '../src/server.js';
import { StaticBundle, WEB_BUNDLE_DIR } from '../src/web/index.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { quantile, table } from './lib/report.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ITEMS = arg('--items', 200);
const NODES = arg('--nodes', 1000);
const RUNS = arg('--runs', 5);

/** A gate status with `n` items in one dependent queue, in chains of 10, three jobs each in mixed states. */
export function syntheticStatus(n: number) {
  const now = Date.now();
  const items = Array.from({ length: n }, (_, i) => {
    const id = `${1000 + i},1`;
    const jobs = ['unit', 'lint', 'integration'].map((name, j) => {
      const k = (i + j) % 4;
      return {
        name, uuid: `b-${i}-${j}`, change: id, pipeline: 'gate', voting: j !== 2,
        result: k === 0 ? 'SUCCESS' : k === 1 && i % 7 === 0 ? 'FAILURE' : null,
        status: k === 0 || (k === 1 && i % 7 === 0) ? 'completed' : k === 1 ? 'running' : 'waiting',
        start_time: k <= 1 ? now - 30_000 : null, end_time: k === 0 ? now - 5_000 : null,
        elapsed_time: k <= 1 ? 25_000 : null, url: k <= 1 ? `/gate/api/builds/b-${i}-${j}/log` : null,
      };
    });
    return {
      id, project: `org/p${i % 25}`, branch: 'master', ref: `refs/changes/${i}/1`, url: null, live: true, active: true,
      enqueue_time: now - 60_000, item_ahead: i % 10 ? `${999 + i},1` : null, items_behind: [], failing_reasons: [],
      zuul_ref: `Z${i}`, state: 'running', changes: [{ id, project: `org/p${i % 25}`, branch: 'master', ref: `refs/changes/${i}/1`, url: null }],
      speculative_state: [id], jobs, cause: 'approved',
    };
  });
  const heads = [];
  for (let i = 0; i < items.length; i += 10) heads.push(items.slice(i, i + 10));
  return { tenant: 'bench', pipelines: [{ name: 'gate', manager: 'dependent', precedence: 'high', disabled: false, change_queues: [{ name: 'integrated', key: 'integrated', window: 20, heads }] }] };
}

const standInGate: StrataModule = {
  name: 'gate',
  async create() {
    const status = syntheticStatus(ITEMS);
    return {
      mounts: [{
        prefix: '/gate',
        plugin: async (app: FastifyInstance) => {
          app.get('/api/status', async () => status);
          app.get('/api/builds', async () => []);
        },
      }],
    };
  },
};

async function main() {
  const bundle = StaticBundle.load(WEB_BUNDLE_DIR());
  if (!bundle) throw new Error(`no dashboard bundle in ${WEB_BUNDLE_DIR()}: run npm run build:web`);
  const sizes = bundle.sizes();
  const data = mkdtempSync(join(tmpdir(), 'strata-bench-dash-'));
  const [metal, web] = await loadModules(['metal', 'web']);
  const server = await startServer(serverConfig({ listen: '127.0.0.1:0', data, noauth: true, logLevel: 'warn' }), { modules: [metal!, standInGate, web!] });
  const browser = await launchBrowser();
  try {
    const t0 = Date.now();
    for (let i = 0; i < NODES; i++) {
      const r = await server.app.inject({ method: 'POST', url: '/baremetal/v1/nodes', headers: { 'content-type': 'application/json', 'x-openstack-ironic-api-version': '1.78' }, payload: { driver: 'fake-hardware', name: `bench-${String(i).padStart(4, '0')}` } });
      if (r.statusCode !== 201) throw new Error(`node create: ${r.statusCode} ${r.body}`);
    }
    process.stderr.write(`created ${NODES} nodes in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const probeMs = async (url: string) => {
      const s: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await server.app.inject({ method: 'GET', url, headers: { accept: 'application/json', 'x-openstack-ironic-api-version': 'latest' } });
        s.push(performance.now() - t);
      }
      return quantile(s, 0.5);
    };

    const measure = async (path: string, selector: string, expect: number) => {
      const runs: Array<{ ms: number; heap: number; nodes: number }> = [];
      for (let r = 0; r < RUNS; r++) {
        const page = await browser.context.newPage();
        // Logged in (noauth accepts any token) and a watcher that notes when the page is complete.
        await page.addInitScript(`sessionStorage.setItem('strata.token', 'bench');
          new MutationObserver((_, o) => {
            if (document.querySelectorAll(${JSON.stringify(selector)}).length >= ${expect}) { window.__rendered = performance.now(); o.disconnect(); }
          }).observe(document, { subtree: true, childList: true });`);
        await page.goto(server.url + path);
        await page.waitForFunction(() => (globalThis as { __rendered?: number }).__rendered !== undefined, undefined, { timeout: 30_000 });
        const ms = (await page.evaluate('window.__rendered')) as number;
        const cdp = await browser.context.newCDPSession(page);
        await cdp.send('HeapProfiler.collectGarbage');
        await cdp.send('Performance.enable');
        const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
        const m = (n: string) => metrics.find((x) => x.name === n)?.value ?? NaN;
        runs.push({ ms, heap: m('JSHeapUsedSize') / 2 ** 20, nodes: m('Nodes') });
        await page.close();
      }
      return runs;
    };

    const gate = await measure('/ui/gate', '[data-testid="gate-item"]', ITEMS);
    // The table renders a window of rows: complete when its first rows are in.
    const nodes = await measure('/ui/nodes', '[data-testid="nodes-table"] tbody tr[aria-rowindex]', 10);
    const kb = (b: number) => (b / 1024).toFixed(1);
    console.log(table(['bundle', 'raw KiB', 'gzip KiB', 'target'], [
      ['JS', kb(sizes.js), kb(sizes.jsGzip), '< 200 KB gzip'],
      ['CSS', kb(sizes.css), kb(sizes.cssGzip), ''],
    ]));
    console.log();
    const row = (name: string, runs: typeof gate) => [
      name, quantile(runs.map((r) => r.ms), 0.5).toFixed(0), Math.max(...runs.map((r) => r.ms)).toFixed(0),
      quantile(runs.map((r) => r.heap), 0.5).toFixed(1), quantile(runs.map((r) => r.nodes), 0.5).toFixed(0),
    ];
    console.log(table(['page (first render, ' + RUNS + ' runs)', 'median ms', 'max ms', 'JS heap MiB', 'DOM nodes'], [
      row(`gate, ${ITEMS} items`, gate),
      row(`nodes, ${NODES} nodes`, nodes),
    ]));
    console.log();
    console.log(table(['server probe (median of 10)', 'ms'], [
      ['/gate/api/status (stand-in)', (await probeMs('/gate/api/status')).toFixed(1)],
      [`/baremetal/v1/nodes/detail (${NODES} nodes)`, (await probeMs('/baremetal/v1/nodes/detail')).toFixed(1)],
    ]));
  } finally {
    await browser.close();
    await server.close();
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
