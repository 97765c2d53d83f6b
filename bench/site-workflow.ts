/**
 * What deploying a site costs, and what a no-change update costs:
 *
 *   npm run build && node --import tsx bench/site-workflow.ts [--nodes 50] [--workloads 100] [--runtime namespaces] [--json]
 *     [--server-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *
 * One real `strata server` (every module, SQLite). The site: N
 * fake-hardware BaremetalNodes in two deployment groups (one master, the
 * rest workers) and W Workloads, four fifths in a sequenced chart group and
 * one fifth in a tested one, one sandbox each, every one running `sleep`.
 * Measured: deploy_site wall time and the server's CPU time over it; then
 * update_site with nothing changed, which must change nothing (the plan is
 * empty, no node's provision_updated_at moves, no sandbox is replaced): its
 * wall time and CPU; and the plan alone. Prints a table; stops the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryMiB, table } from './lib/report.js';
import { dumpYamlStream } from '../src/site/documents/index.js';
import { sampleSite } from '../src/site/workflow/testing.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const NODES = Number(opt('--nodes', '50'));
const WORKLOADS = Number(opt('--workloads', '100'));
const RUNTIME = opt('--runtime', 'namespaces');
const JSON_OUT = args.includes('--json');
/** Node flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" */
const SERVER_NODE_ARGS = opt('--server-node-args', '').split(' ').filter(Boolean);
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const SY = '/shipyard/api/v1.0';
const log = (m: string) => process.stderr.write(`${m}\n`);

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function server(): Promise<{ proc: ChildProcess; url: string; dir: string; token: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-site-'));
  const proc = spawn(process.execPath, [...SERVER_NODE_ARGS, CLI, '--json', 'server', '--listen', '127.0.0.1:0', '--data', dir, '--log-level', 'warn', '--site-drift-interval', '0', '--metal-power-sync-interval', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    proc.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { proc, url, dir, token: readFileSync(join(dir, 'admin-token'), 'utf8').trim() };
}

async function main() {
  const s = await server();
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(s.url + path, { method, headers: { authorization: `Bearer ${s.token}`, 'x-openstack-ironic-api-version': '1.78', ...(body !== undefined ? { 'content-type': type } : {}) }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  const run = async (name: string) => {
    const a = await call('POST', `${SY}/actions`, { name });
    for (;;) {
      const now = await call('GET', `${SY}/actions/${a.id}`);
      if (now.action_lifecycle === 'Complete' || now.action_lifecycle === 'Failed') return now;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const state = async () => {
    const nodes = (await call('GET', '/baremetal/v1/nodes?limit=1000&fields=name,provision_updated_at')).nodes as { name: string; provision_updated_at: string }[];
    const sb = (await call('GET', '/sandbox/api/v1/sandboxes?project=site')).sandboxes as { id: string }[];
    return { nodes: nodes.map((n) => `${n.name}@${n.provision_updated_at}`).sort().join(), sandboxes: sb.map((x) => x.id).sort().join(), count: sb.length };
  };
  try {
    const core = Math.round((WORKLOADS * 4) / 5);
    const docs = sampleSite({ nodes: NODES, workloads: [core, WORKLOADS - core], appReplicas: 1, runtime: RUNTIME });
    await call('POST', `${SY}/configdocs/site`, dumpYamlStream(docs), 'application/x-yaml');
    await call('POST', `${SY}/commitconfigdocs`);
    log(`deploy_site: ${NODES} nodes, ${WORKLOADS} workloads (${RUNTIME})`);
    let cpu0 = cpuSeconds(s.proc.pid!);
    let t0 = performance.now();
    const deployed = await run('deploy_site');
    const deployWall = (performance.now() - t0) / 1000;
    const deployCpu = cpuSeconds(s.proc.pid!) - cpu0;
    if (deployed.action_lifecycle !== 'Complete') throw new Error(`deploy_site ${deployed.action_lifecycle}: ${JSON.stringify(deployed.steps)}`);
    const before = await state();
    if (before.count !== WORKLOADS) throw new Error(`${before.count} sandboxes, expected ${WORKLOADS}`);
    const rss = memoryMiB(s.proc.pid!).rss;

    // past the workflow's reuse of one sandbox listing (2 s), so the plan and the update list afresh
    await new Promise((r) => setTimeout(r, 2500));
    t0 = performance.now();
    const plan = await call('GET', `${SY}/plan`);
    const planWall = (performance.now() - t0) / 1000;
    const changes = [...plan.plan.nodes, ...plan.plan.workloads].filter((x: { action: string }) => x.action !== 'none').length;

    await new Promise((r) => setTimeout(r, 2500));
    cpu0 = cpuSeconds(s.proc.pid!);
    t0 = performance.now();
    const updated = await run('update_site');
    const updateWall = (performance.now() - t0) / 1000;
    const updateCpu = cpuSeconds(s.proc.pid!) - cpu0;
    const after = await state();
    const untouched = after.nodes === before.nodes && after.sandboxes === before.sandboxes;
    if (updated.action_lifecycle !== 'Complete' || !untouched || changes !== 0) throw new Error(`no-change update_site changed something (plan: ${changes} changes, untouched: ${untouched})`);

    const rows: (string | number)[][] = [
      ['deploy_site', NODES, WORKLOADS, deployWall.toFixed(1), deployCpu.toFixed(1), ((deployCpu / deployWall) * 100).toFixed(0) + '%'],
      ['plan (no change)', NODES, WORKLOADS, planWall.toFixed(2), '-', '-'],
      ['update_site (no change)', NODES, WORKLOADS, updateWall.toFixed(2), updateCpu.toFixed(2), ((updateCpu / updateWall) * 100).toFixed(0) + '%'],
    ];
    if (JSON_OUT) process.stdout.write(JSON.stringify({ nodes: NODES, workloads: WORKLOADS, runtime: RUNTIME, deployWall, deployCpu, planWall, updateWall, updateCpu, rssMiB: rss }) + '\n');
    else {
      process.stdout.write(table(['what', 'nodes', 'workloads', 'wall s', 'server cpu s', 'of a core'], rows) + '\n');
      process.stdout.write(`server RSS after deploy: ${rss} MiB; no-change update_site changed nothing (plan empty, nodes and sandboxes untouched)\n`);
    }
  } finally {
    s.proc.kill('SIGTERM');
    await new Promise((r) => s.proc.once('exit', r));
    rmSync(s.dir, { recursive: true, force: true });
  }
}

await main();
