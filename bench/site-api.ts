/**
 * The Deckhand-compatible API under a real site: treasuremap's seaworthy
 * (~350 files) assembled, PUT as one bucket of a real `strata server`
 * process, then read back many times.
 *
 *   npm run build && node --import tsx bench/site-api.ts [--gets N] [--concurrency C] [--postgres]
 *
 * Prints one table: the PUT (first, and unchanged again), rendered-documents
 * (the first, which renders, then cached repeats: p50/p99 and throughput
 * sequentially and with C clients), raw documents, and the server's RSS.
 */
import { memoryMiB, quantile } from './lib/report.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleSite } from '../src/site/collect/index.js';
import { safeDumpAll } from '../src/site/api/pyyaml-dump.js';
import { startPostgres, type PostgresCluster } from '../src/core/testing/index.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TREASUREMAP = resolve(ROOT, '../shared/fixtures/treasuremap-v1.9');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const GETS = arg('--gets', 100);
const CONCURRENCY = arg('--concurrency', 4);
const POSTGRES = process.argv.includes('--postgres');


const rssMiB = (pid: number) => memoryMiB(pid).rss;

async function startStrata(dataDir: string, database?: string): Promise<{ url: string; proc: ChildProcess }> {
  const args = [join(ROOT, 'dist/cli/main.js'), '--json', 'server', '--listen', '127.0.0.1:0', '--data', dataDir, '--noauth', '--log-level', 'warn'];
  if (database) args.push('--database', database);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      try {
        ok(JSON.parse(out).url);
      } catch {
        /* wait for the whole JSON */
      }
    });
    proc.on('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
  return { url, proc };
}

async function timed(fn: () => Promise<Response>): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  const res = await fn();
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t0, bytes: body.byteLength, status: res.status };
}

const rows: (string | number)[][] = [];
function row(what: string, samples: { ms: number; bytes: number; status: number }[], wallMs?: number): void {
  for (const s of samples) if (s.status >= 300) throw new Error(`${what}: HTTP ${s.status}`);
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const tput = wallMs ? (samples.length / wallMs) * 1000 : samples.length / (ms.reduce((a, b) => a + b, 0) / 1000);
  rows.push([what, samples.length, quantile(ms, 0.5).toFixed(1), quantile(ms, 0.99).toFixed(1), tput.toFixed(1), (samples[0].bytes / 1024).toFixed(0)]);
}

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-api-'));
let pg: PostgresCluster | undefined;
let server: { url: string; proc: ChildProcess } | undefined;
try {
  const t0 = performance.now();
  const site = await assembleSite({ site: 'seaworthy', repository: TREASUREMAP });
  const body = safeDumpAll(site.documents);
  const assembleMs = performance.now() - t0;
  if (POSTGRES) pg = await startPostgres();
  server = await startStrata(join(dir, 'data'), pg?.url);
  const api = `${server.url}/deckhand/api/v1.0`;
  const rssIdle = rssMiB(server.proc.pid!);
  const put = () => fetch(`${api}/buckets/seaworthy/documents?render=true`, { method: 'PUT', headers: { 'content-type': 'application/x-yaml' }, body });

  row('PUT seaworthy (new revision, render check)', [await timed(put)]);
  row('PUT seaworthy again (no change)', [await timed(put)]);
  const rendered = () => fetch(`${api}/revisions/1/rendered-documents`);
  row('GET rendered-documents, first (renders)', [await timed(rendered)]);
  const seq: Awaited<ReturnType<typeof timed>>[] = [];
  for (let i = 0; i < GETS; i++) seq.push(await timed(rendered));
  row('GET rendered-documents, cached, 1 client', seq);
  const par: Awaited<ReturnType<typeof timed>>[] = [];
  const w0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = 0; i < Math.ceil(GETS / CONCURRENCY); i++) par.push(await timed(rendered));
    }),
  );
  row(`GET rendered-documents, cached, ${CONCURRENCY} clients`, par, performance.now() - w0);
  const filtered: Awaited<ReturnType<typeof timed>>[] = [];
  for (let i = 0; i < GETS; i++) filtered.push(await timed(() => fetch(`${api}/revisions/1/rendered-documents?schema=armada/Chart/v1`)));
  row('GET rendered-documents?schema=armada/Chart/v1', filtered);
  const raw: Awaited<ReturnType<typeof timed>>[] = [];
  for (let i = 0; i < GETS; i++) raw.push(await timed(() => fetch(`${api}/revisions/1/documents`)));
  row('GET documents (raw)', raw);
  const json: Awaited<ReturnType<typeof timed>>[] = [];
  for (let i = 0; i < GETS; i++) json.push(await timed(() => fetch(`${api}/revisions/1/rendered-documents`, { headers: { accept: 'application/json' } })));
  row('GET rendered-documents as JSON', json);
  const rssAfter = rssMiB(server.proc.pid!);

  console.log(`\nDeckhand-compatible API, seaworthy: ${site.documents.length} documents, ${(body.length / 1024).toFixed(0)} KiB of YAML ` +
    `(assembled in ${assembleMs.toFixed(0)} ms), store ${POSTGRES ? 'PostgreSQL' : 'SQLite'}, server a separate process`);
  const head = ['request', 'n', 'p50 ms', 'p99 ms', 'req/s', 'KiB'];
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  cells.forEach((r, k) => {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
  console.log(`server RSS: ${rssIdle.toFixed(0)} MiB idle, ${rssAfter.toFixed(0)} MiB after the run`);
} finally {
  if (server && server.proc.exitCode === null) {
    // Let the server close its connections before its database goes away.
    const exited = new Promise((r) => server!.proc.once('exit', r));
    server.proc.kill('SIGTERM');
    await exited;
  }
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
}
