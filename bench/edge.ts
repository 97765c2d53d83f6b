/**
 * What a fleet costs:
 *
 *   node --import tsx bench/edge.ts [--subclouds 1000] [--interval 5] [--cycles 4] [--idle-seconds 300] [--only audit|idle] [--warmup 30] [--json]
 *
 *  - audit: one system controller (`strata server --edge-role controller`,
 *    every module, its own process) auditing N simulated subclouds. The
 *    simulated subclouds are one small HTTP server in this process
 *    answering each subcloud's /edge/v1/audit at its own path (in sync,
 *    with an alarm summary), so only the controller's side is measured.
 *    Reported: the audit cycle time (first to last audit call of a cycle,
 *    median over the cycles), the controller's CPU time per cycle and what
 *    that is as a share of one core at the default 30 s period, and its RSS.
 *  - idle subcloud: one real `strata server`, every module, no work, for
 *    --idle-seconds (default 300): its CPU as a share of one core and its RSS.
 *
 * Targets (issue 14): a 1,000-subcloud audit within one 30 s period using
 * under half a core; an idle subcloud under 0.5 % of a core and 100 MiB RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { memoryMiB, quantile, table } from './lib/report.js';
import { identityDigest } from '../src/edge/dc/sync-digest.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const N = Number(opt('--subclouds', '1000'));
const INTERVAL = Number(opt('--interval', '5'));
const CYCLES = Number(opt('--cycles', '4'));
const IDLE_S = Number(opt('--idle-seconds', '300'));
const JSON_OUT = args.includes('--json');
const ONLY = opt('--only', '');
const WARMUP_S = Number(opt('--warmup', '30'));
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const log = (m: string) => process.stderr.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ on Linux

/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

async function server(extra: string[]): Promise<{ proc: ChildProcess; url: string; dir: string; token: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-edge-'));
  const proc = spawn(process.execPath, [CLI, '--json', 'server', '--listen', '127.0.0.1:0', '--data', dir, '--log-level', 'warn', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      try {
        resolve(JSON.parse(out).url);
      } catch {
        /* more to come */
      }
    });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { proc, url, dir, token: readFileSync(join(dir, 'admin-token'), 'utf8').trim() };
}

async function stop(s: { proc: ChildProcess; dir: string }): Promise<void> {
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await exited;
  rmSync(s.dir, { recursive: true, force: true });
}

async function auditBench() {
  const ctl = await server(['--edge-role', 'controller', '--edge-audit-interval', String(INTERVAL)]);
  // The simulated subclouds answer in sync: the controller's identity digest, read from its store.
  const db = new Database(join(ctl.dir, 'strata.db'), { readonly: true });
  const digest = identityDigest((db.prepare('select * from tokens').all() as any[]).map((r) => ({ ...r, created_at: Number(r.created_at) })));
  db.close();
  const body = JSON.stringify({ version: 'sim', role: 'subcloud', alarms: { critical: 0, major: 0, minor: 1, warnings: 0, status: 'OK' }, digests: { identity: digest } });
  // Cycles are told apart by the quiet between them: audits of one cycle come back to back.
  const GAP_MS = Math.min(1000, (INTERVAL * 1000) / 3);
  const cycles: { first: number; last: number; n: number }[] = [];
  const sim = createServer((req, res) => {
    if (!/^\/sc\/\d+\/edge\/v1\/audit$/.test(req.url ?? '')) return void res.writeHead(404).end();
    const now = performance.now();
    const cur = cycles.at(-1);
    if (!cur || now - cur.last > GAP_MS) cycles.push({ first: now, last: now, n: 1 });
    else {
      cur.last = now;
      cur.n++;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  sim.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => sim.listen(0, '127.0.0.1', r));
  const port = (sim.address() as { port: number }).port;
  log(`adding ${N} simulated subclouds…`);
  const h = { authorization: `Bearer ${ctl.token}`, 'content-type': 'application/json' };
  for (let i = 0; i < N; i++) {
    const r = await fetch(`${ctl.url}/dcmanager/v1.0/subclouds`, { method: 'POST', headers: h, body: JSON.stringify({ name: `sim${i}`, endpoint: `http://127.0.0.1:${port}/sc/${i}`, token: 'simulated' }) });
    if (!r.ok) throw new Error(`add sim${i}: ${r.status} ${await r.text()}`);
  }
  // Adding triggers audits; measuring starts with the first quiet full cycle after it (connections open, rows written).
  await sleep(GAP_MS * 2);
  const full = () => cycles.filter((c) => c.n === N && performance.now() - c.last > GAP_MS);
  while (full().length < 1) await sleep(100);
  const skip = cycles.length;
  const cpu0 = cpuSeconds(ctl.proc.pid!);
  const t0 = performance.now();
  log(`measuring ${CYCLES} audit cycles at a ${INTERVAL} s period…`);
  while (cycles.slice(skip).filter((c) => performance.now() - c.last > GAP_MS).length < CYCLES) await sleep(100);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(ctl.proc.pid!) - cpu0;
  const measured = cycles.slice(skip, skip + CYCLES);
  if (measured.some((c) => c.n !== N)) log(`warning: cycles audited ${measured.map((c) => c.n).join(', ')} subclouds (expected ${N} each)`);
  const times = measured.map((c) => (c.last - c.first) / 1000);
  const mem = memoryMiB(ctl.proc.pid!);
  const summary = await (await fetch(`${ctl.url}/dcmanager/v1.0/subclouds`, { headers: h })).json() as { subclouds: { 'availability-status': string }[] };
  const online = summary.subclouds.filter((s) => s['availability-status'] === 'online').length;
  sim.close();
  await stop(ctl);
  const perCycle = cpu / (wall / INTERVAL);
  return { subclouds: N, online, cycleMedianS: quantile(times, 0.5), cycleMaxS: Math.max(...times), cpuPerCycleS: perCycle, coreShareAt30s: perCycle / 30, rssMiB: mem.rss, peakMiB: mem.peak };
}

async function idleBench() {
  const s = await server([]);
  log(`one idle subcloud (every module) for ${IDLE_S} s…`);
  // Start-up is not idling: migrations, first periodic runs, and V8 collecting start-up's garbage some 20-30 s in.
  await sleep(WARMUP_S * 1000);
  const cpu0 = cpuSeconds(s.proc.pid!);
  const t0 = performance.now();
  await sleep(IDLE_S * 1000);
  const cpu = cpuSeconds(s.proc.pid!) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  const mem = memoryMiB(s.proc.pid!);
  await stop(s);
  return { seconds: wall, cpuPercentOfCore: (100 * cpu) / wall, rssMiB: mem.rss, peakMiB: mem.peak };
}

const audit = ONLY === 'idle' ? undefined : await auditBench();
const idle = ONLY === 'audit' ? undefined : await idleBench();
if (JSON_OUT) {
  process.stdout.write(JSON.stringify({ audit, idle }, null, 2) + '\n');
} else {
  const f = (x: number, d = 2) => x.toFixed(d);
  process.stdout.write(
    table(
      ['measure', 'value', 'target'],
      [
        ...(audit
          ? [
              [`audit cycle, ${audit.subclouds} subclouds (median)`, `${f(audit.cycleMedianS)} s`, '< 30 s'],
              ['audit cycle (slowest)', `${f(audit.cycleMaxS)} s`, ''],
              ['subclouds online', `${audit.online}/${audit.subclouds}`, 'all'],
              ['controller CPU per cycle', `${f(audit.cpuPerCycleS)} s`, ''],
              ['controller CPU at a 30 s period', `${f(100 * audit.coreShareAt30s, 1)} % of a core`, '< 50 %'],
              ['controller RSS (peak)', `${f(audit.rssMiB, 0)} MiB (${f(audit.peakMiB, 0)})`, ''],
            ]
          : []),
        ...(idle
          ? [
              [`idle subcloud CPU (${f(idle.seconds, 0)} s)`, `${f(idle.cpuPercentOfCore, 3)} % of a core`, '< 0.5 %'],
              ['idle subcloud RSS (peak)', `${f(idle.rssMiB, 0)} MiB (${f(idle.peakMiB, 0)})`, '< 100 MiB'],
            ]
          : []),
      ],
    ) + '\n',
  );
}
