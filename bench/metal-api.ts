/**
 * The bare-metal API side by side: the same REST workload against Strata
 * (`strata server --noauth`, SQLite) and against Debian's own Ironic 21.4
 * (`python3-ironic`: one process, SQLite, noauth, rpc_transport=none,
 * fake-hardware), started here, in one run, with the same client code.
 *
 *   npm run build && node --import tsx bench/metal-api.ts [--nodes 1000] [--drive 200] [--gets 10000] [--concurrency 8] [--only strata|metal-only|ironic]
 *     [--strata-node-options "--max-semi-space-size=1"]
 *
 * Workload: create N nodes; list them all (the default list and /detail,
 * following `next` links); drive D of them through manage → provide → active
 * with fake-hardware; G GETs of random nodes. Prints throughput, p50/p99
 * latency and RSS for each server and the ratios Strata / Ironic, then stops
 * each by PID. A third column runs the same composition root with only the
 * metal module, to show what the other modules of the all-in-one cost.
 */
import { memoryMiB, quantile } from './lib/report.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:http';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const NODES = arg('--nodes', 1000);
const DRIVE = Math.min(arg('--drive', 200), NODES);
const GETS = arg('--gets', 10_000);
const CONCURRENCY = arg('--concurrency', 8);
/** V8 flags for the Strata process (e.g. "--max-semi-space-size=1"), passed as NODE_OPTIONS. */
const nodeOptsIdx = process.argv.indexOf('--strata-node-options');
const STRATA_NODE_OPTIONS = nodeOptsIdx > 0 ? process.argv[nodeOptsIdx + 1] : undefined;
const onlyIdx = process.argv.indexOf('--only');
const ONLY = onlyIdx > 0 ? process.argv[onlyIdx + 1] : undefined;
const VERSION = '1.78';

// ---------------------------------------------------------------------------
// The HTTP driver: keep-alive connections, one per concurrent worker
// ---------------------------------------------------------------------------

interface Reply {
  status: number;
  body: any;
}

class Client {
  private readonly agent: Agent;
  constructor(readonly base: URL) {
    this.agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  }

  call(method: string, path: string, body?: unknown): Promise<Reply> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((ok, fail) => {
      const req = request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path: this.base.pathname.replace(/\/$/, '') + path,
          headers: {
            'x-openstack-ironic-api-version': VERSION,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* keep the text */
            }
            ok({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', fail);
      if (payload) req.write(payload);
      req.end();
    });
  }

  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const r = await this.call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `jobs` with `concurrency` workers; returns per-job latencies (ms) and the wall time. */
async function run(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = new Array(count);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const s = performance.now();
        await job(i);
        latencies[i] = performance.now() - s;
      }
    }),
  );
  return { latencies, wallMs: performance.now() - t0 };
}


const memory = memoryMiB;

// ---------------------------------------------------------------------------
// The two servers
// ---------------------------------------------------------------------------

interface Target {
  name: string;
  pid: number;
  client: Client;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

function stopper(proc: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(proc.pid!, 'SIGTERM');
      const t = setTimeout(() => proc.pid && process.kill(proc.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

async function waitUp(client: Client, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${log()}`);
    try {
      if ((await client.call('GET', '/v1')).status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not answer within 60 s: ${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `metal-only`: `strata server --modules metal`, the bare-metal service
 * alone (what a conductor host runs), to separate what it costs from what
 * the all-in-one process's other modules cost.
 */
async function startStrata(variant: 'all-in-one' | 'metal-only'): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-metal-'));
  const argv = [join(ROOT, 'dist/cli/main.js'), '--json', 'server', '--listen', '127.0.0.1:0', '--data', dir, '--noauth', '--log-level', 'warn'];
  if (variant === 'metal-only') argv.push('--modules', 'metal');
  const proc = spawn(process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: STRATA_NODE_OPTIONS ? { ...process.env, NODE_OPTIONS: STRATA_NODE_OPTIONS } : process.env,
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
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
    proc.on('exit', (code) => fail(new Error(`strata server exited ${code}: ${err}`)));
  });
  const client = new Client(new URL(`${url}/baremetal`));
  await waitUp(client, proc, () => err);
  return { name: variant === 'all-in-one' ? 'Strata' : 'Strata metal-only', pid: proc.pid!, client, stop: stopper(proc, dir) };
}

const PY = '/usr/bin/python3';

async function startIronic(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'ironic-bench-'));
  const port = await freePort();
  for (const d of ['log', 'locks', 'home']) mkdirSync(join(dir, d));
  const conf = join(dir, 'ironic.conf');
  writeFileSync(
    conf,
    [
      '[DEFAULT]',
      'auth_strategy = noauth',
      'rpc_transport = none',
      'host = bench-conductor',
      'enabled_hardware_types = fake-hardware',
      'enabled_bios_interfaces = fake,no-bios',
      'enabled_boot_interfaces = fake',
      'enabled_console_interfaces = fake,no-console',
      'enabled_deploy_interfaces = fake',
      'enabled_inspect_interfaces = fake,no-inspect',
      'enabled_management_interfaces = fake',
      'enabled_network_interfaces = noop',
      'enabled_power_interfaces = fake',
      'enabled_raid_interfaces = fake,no-raid',
      'enabled_rescue_interfaces = fake,no-rescue',
      'enabled_storage_interfaces = fake,noop',
      'enabled_vendor_interfaces = fake,no-vendor',
      'default_network_interface = noop',
      `log_dir = ${join(dir, 'log')}`,
      '[api]',
      'host_ip = 127.0.0.1',
      `port = ${port}`,
      '[database]',
      `connection = sqlite:///${join(dir, 'ironic.db')}`,
      '[oslo_concurrency]',
      `lock_path = ${join(dir, 'locks')}`,
      '',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), LANG: 'C.UTF-8' };
  const entry = (mod: string) => `import sys; from ironic.cmd.${mod} import main; sys.exit(main())`;
  const sync = spawnSync(PY, ['-c', entry('dbsync'), '--config-file', conf, 'create_schema'], { env, encoding: 'utf8' });
  if (sync.status !== 0) throw new Error(`ironic-dbsync failed (is python3-ironic installed?): ${sync.stderr}`);
  const proc = spawn(PY, ['-c', entry('singleprocess'), '--config-file', conf], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  proc.stdout!.resume();
  const client = new Client(new URL(`http://127.0.0.1:${port}/`));
  await waitUp(client, proc, () => err);
  return { name: 'Ironic', pid: proc.pid!, client, stop: stopper(proc, dir) };
}

// ---------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------

interface Phase {
  name: string;
  unit: string;
  /** Operations per second. */
  rate: number;
  p50?: number;
  p99?: number;
  /** The server's RSS right after the phase, MiB. */
  rss?: number;
}

async function listAll(c: Client, path: string): Promise<{ items: number; requests: number }> {
  let url: string | undefined = path;
  let items = 0;
  let requests = 0;
  while (url) {
    const body = await c.ok('GET', url);
    requests++;
    items += body.nodes.length;
    url = body.next ? new URL(body.next).pathname.replace(c.base.pathname.replace(/\/$/, ''), '') + new URL(body.next).search : undefined;
  }
  return { items, requests };
}

async function waitAll(c: Client, uuids: string[], state: string): Promise<void> {
  const want = new Set(uuids);
  const deadline = Date.now() + 600_000;
  for (;;) {
    let done = 0;
    let url: string | undefined = `/v1/nodes?fields=uuid,provision_state,last_error&limit=1000`;
    while (url) {
      const body = await c.ok('GET', url);
      for (const n of body.nodes) {
        if (!want.has(n.uuid)) continue;
        if (n.provision_state === state) done++;
        else if (n.provision_state?.endsWith(' failed')) throw new Error(`node ${n.uuid} failed: ${n.last_error}`);
      }
      url = body.next ? new URL(body.next).pathname.replace(c.base.pathname.replace(/\/$/, ''), '') + new URL(body.next).search : undefined;
    }
    if (done === want.size) return;
    if (Date.now() > deadline) throw new Error(`${state}: only ${done} of ${want.size} nodes got there`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function workload(t: Target): Promise<{ phases: Phase[]; idle: number; rss: number; peak: number }> {
  const c = t.client;
  const phases: Phase[] = [];
  process.stderr.write(`${t.name}: creating ${NODES} nodes…\n`);
  const idle = memory(t.pid).rss;
  const uuids: string[] = new Array(NODES);
  const create = await run(NODES, CONCURRENCY, async (i) => {
    uuids[i] = (await c.ok('POST', '/v1/nodes', { driver: 'fake-hardware', name: `bench-${i}`, properties: { cpus: 4, memory_mb: 8192, local_gb: 100, cpu_arch: 'x86_64' } })).uuid;
  });
  phases.push({ name: `create ${NODES} nodes`, unit: 'nodes/s', rate: (NODES * 1000) / create.wallMs, p50: quantile(create.latencies, 0.5), p99: quantile(create.latencies, 0.99), rss: memory(t.pid).rss });

  process.stderr.write(`${t.name}: listing…\n`);
  for (const [label, path] of [
    ['list all (default fields)', '/v1/nodes'],
    ['list all (detail)', '/v1/nodes/detail'],
  ] as const) {
    const reps = 10;
    const lat: number[] = [];
    let items = 0;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const s = performance.now();
      items = (await listAll(c, path)).items;
      lat.push(performance.now() - s);
    }
    if (items !== NODES) throw new Error(`${t.name}: ${label} returned ${items} nodes`);
    phases.push({ name: `${label}, ${NODES} nodes`, unit: 'lists/s', rate: (reps * 1000) / (performance.now() - t0), p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), rss: memory(t.pid).rss });
  }

  process.stderr.write(`${t.name}: driving ${DRIVE} nodes to active…\n`);
  const driven = uuids.slice(0, DRIVE);
  const t0 = performance.now();
  const reqLat: number[] = [];
  for (const [target, state] of [
    ['manage', 'manageable'],
    ['provide', 'available'],
    ['active', 'active'],
  ] as const) {
    const r = await run(DRIVE, CONCURRENCY, async (i) => {
      await c.ok('PUT', `/v1/nodes/${driven[i]}/states/provision`, { target });
    });
    reqLat.push(...r.latencies);
    await waitAll(c, driven, state);
  }
  phases.push({ name: `${DRIVE} nodes manage → provide → active`, unit: 'nodes/s', rate: (DRIVE * 1000) / (performance.now() - t0), p50: quantile(reqLat, 0.5), p99: quantile(reqLat, 0.99), rss: memory(t.pid).rss });

  process.stderr.write(`${t.name}: ${GETS} GETs…\n`);
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
  const gets = await run(GETS, CONCURRENCY, async () => {
    await c.ok('GET', `/v1/nodes/${uuids[Math.floor(rnd() * NODES)]}`);
  });
  phases.push({ name: `${GETS} GET /v1/nodes/{uuid}`, unit: 'req/s', rate: (GETS * 1000) / gets.wallMs, p50: quantile(gets.latencies, 0.5), p99: quantile(gets.latencies, 0.99), rss: memory(t.pid).rss });
  const mem = memory(t.pid);
  return { phases, idle, ...mem };
}

// ---------------------------------------------------------------------------

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

async function main(): Promise<void> {
  const results: { target: string; phases: Phase[]; idle: number; rss: number; peak: number }[] = [];
  const starters: [string, () => Promise<Target>][] = [
    ['strata', () => startStrata('all-in-one')],
    ['metal-only', () => startStrata('metal-only')],
    ['ironic', startIronic],
  ];
  for (const [key, start] of starters) {
    if (ONLY && key !== ONLY) continue;
    const t = await start();
    try {
      results.push({ target: t.name, ...(await workload(t)) });
    } finally {
      t.client.close();
      await t.stop();
    }
  }
  const by = (name: string) => results.find((r) => r.target === name);
  const [s, m, i] = [by('Strata'), by('Strata metal-only'), by('Ironic')];
  const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined ? `${(a / b).toFixed(1)}×` : '-');
  console.log(`\nbare-metal API: Strata vs Debian's Ironic 21.4 (fake-hardware, SQLite, noauth, ${CONCURRENCY} concurrent clients)`);
  console.log(`Strata: \`node dist/cli/main.js server --noauth\` (every module); metal-only: \`strata server --modules metal\`${STRATA_NODE_OPTIONS ? `; NODE_OPTIONS=${STRATA_NODE_OPTIONS}` : ''}\n`);
  const head = ['phase', 'unit', 'Strata', 'metal-only', 'Ironic', 'Strata/Ironic', 'Strata p50/p99 ms', 'Ironic p50/p99 ms'];
  const rows: string[][] = [];
  const names = (s ?? m ?? i)!.phases.map((p) => p.name);
  for (const name of names) {
    const a = s?.phases.find((p) => p.name === name);
    const b = m?.phases.find((p) => p.name === name);
    const c = i?.phases.find((p) => p.name === name);
    rows.push([
      name,
      (a ?? b ?? c)!.unit,
      fmt(a?.rate),
      fmt(b?.rate),
      fmt(c?.rate),
      ratio(a?.rate, c?.rate),
      a ? `${fmt(a.p50)} / ${fmt(a.p99)}` : '-',
      c ? `${fmt(c.p50)} / ${fmt(c.p99)}` : '-',
    ]);
  }
  rows.push(['RSS before the workload', 'MiB', fmt(s?.idle), fmt(m?.idle), fmt(i?.idle), ratio(s?.idle, i?.idle), '', '']);
  rows.push(['RSS after the workload', 'MiB', fmt(s?.rss), fmt(m?.rss), fmt(i?.rss), ratio(s?.rss, i?.rss), '', '']);
  rows.push(['peak RSS (VmHWM)', 'MiB', fmt(s?.peak), fmt(m?.peak), fmt(i?.peak), ratio(s?.peak, i?.peak), '', '']);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  console.log(head.map((h, k) => pad(h, widths[k], k >= 2)).join('  '));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(r.map((c, k) => pad(c, widths[k], k >= 2)).join('  '));
  console.log(`\nRSS after each phase, MiB: ${results.map((r) => `${r.target}: ${r.phases.map((p) => fmt(p.rss, 0)).join(' → ')}`).join('; ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
