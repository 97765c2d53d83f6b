/**
 * A zero-impact software update of one subcloud, from release A (this
 * checkout) to release B (a second installation of the project side by
 * side: its own package.json and dist/, node_modules shared), driven by a
 * `release` sw-update-strategy from a system controller. The subcloud's
 * server A hands over: it stops listening, lets its running tasks finish,
 * stops, and starts B on the same data directory and address. A node
 * deploy in flight on fake hardware (slowed to seconds) completes; a
 * sandbox running a loop must never stop (see the second test).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO, startServer, strata, type StrataServer, until as poll } from '../helpers/strata.js';
import { freePort } from '../../src/core/testing/index.js';

let controller: StrataServer | undefined;
let sub: { proc: ChildProcess; dir: string; url: string; token: string } | undefined;
let releaseB = '';
let ticks = '';
let loop: ChildProcess | undefined;

async function cli(args: string[]): Promise<any> {
  const r = await strata(['--json', ...args], { env: controller!.env, timeoutMs: 240_000 });
  assert.equal(r.code, 0, `strata ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000) => poll(what, fn, ms, { tolerateErrors: true });

const ironic = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${sub!.url}/baremetal/v1${path}`, {
    method, headers: { authorization: `Bearer ${sub!.token}`, 'content-type': 'application/json', 'x-openstack-ironic-api-version': '1.78' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
};

const subPid = () => Number(JSON.parse(readFileSync(join(sub!.dir, 'endpoint.json'), 'utf8')).pid);

before(async () => {
  // Release B: the project installed a second time, beside this checkout.
  releaseB = mkdtempSync(join(tmpdir(), 'strata-release-b-'));
  cpSync(join(REPO, 'dist'), join(releaseB, 'dist'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(releaseB, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(releaseB, 'node_modules'));
  if (existsSync(join(REPO, '.cache'))) symlinkSync(join(REPO, '.cache'), join(releaseB, '.cache'));

  const dir = mkdtempSync(join(tmpdir(), 'strata-release-sc-'));
  const port = await freePort();
  const proc = spawn(process.execPath, [CLI, '--json', 'server', '--listen', `127.0.0.1:${port}`, '--data', dir, '--log-level', 'warn', '--sandbox-state', join(dir, 'sb'), '--metal-fake-delay', '2500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => ((out += d), out.includes('"url"') && resolve()));
    proc.on('exit', (code) => reject(new Error(`subcloud exited (${code}): ${err}`)));
  });
  sub = { proc, dir, url: `http://127.0.0.1:${port}`, token: readFileSync(join(dir, 'admin-token'), 'utf8').trim() };
  controller = await startServer({ args: ['--edge-role', 'controller', '--edge-audit-interval', '2', '--edge-step-timeout', '5'] });
  await cli(['subcloud', 'add', '--name', 'edge1', '--endpoint', sub.url, '--subcloud-token-file', join(dir, 'admin-token')]);
  await cli(['subcloud', 'manage', 'edge1']);
  await until('online', async () => (await cli(['subcloud', 'show', 'edge1']))['availability-status'] === 'online');

  // A sandbox running a loop that writes a tick every 200 ms to a host file.
  ticks = join(dir, 'ticks');
  loop = spawn(process.execPath, [CLI, 'sandbox', 'run', '--runtime', 'process', '--', 'sh', '-c', `while :; do date +%s%3N >> ${ticks}; sleep 0.2; done`], {
    env: { ...process.env, STRATA_URL: sub.url, STRATA_TOKEN: sub.token }, stdio: 'ignore',
  });
  await until('ticking', async () => existsSync(ticks) && readFileSync(ticks, 'utf8').split('\n').length > 3);
});

after(async () => {
  loop?.kill('SIGKILL');
  await controller?.stop();
  if (sub) {
    const pid = existsSync(join(sub.dir, 'endpoint.json')) ? subPid() : undefined;
    sub.proc.kill('SIGTERM');
    if (pid && pid !== sub.proc.pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await until('release B stopped', async () => !existsSync(`/proc/${pid}`), 15_000).catch(() => undefined);
    }
    rmSync(sub.dir, { recursive: true, force: true });
  }
  rmSync(releaseB, { recursive: true, force: true });
});

test('a release strategy hands the subcloud over from build A to build B; a node deploy in flight completes', async () => {
  const node = await ironic('POST', '/nodes', { driver: 'fake-hardware', name: 'n1' });
  for (const [verb, state] of [['manage', 'manageable'], ['provide', 'available']]) {
    await ironic('PUT', `/nodes/${node.uuid}/states/provision`, { target: verb });
    await until(state, async () => (await ironic('GET', `/nodes/${node.uuid}`)).provision_state === state);
  }
  const before = (await (await fetch(`${sub!.url}/edge/v1/audit`, { headers: { authorization: `Bearer ${sub!.token}` } })).json()) as any;
  assert.equal(before.release, REPO.replace(/\/+$/, ''));

  await cli(['strategy', 'create', '--type', 'release', '--release', releaseB]);
  await ironic('PUT', `/nodes/${node.uuid}/states/provision`, { target: 'active' });
  await until('deploying', async () => ['deploying', 'wait call-back'].includes((await ironic('GET', `/nodes/${node.uuid}`)).provision_state));
  const applied = await strata(['strategy', 'apply'], { env: controller!.env, timeoutMs: 240_000 });
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stderr, /edge1: complete: edge1 handed over from .* to /);

  const afterAudit = (await (await fetch(`${sub!.url}/edge/v1/audit`, { headers: { authorization: `Bearer ${sub!.token}` } })).json()) as any;
  assert.equal(afterAudit.release, releaseB, 'the subcloud answers from release B');
  assert.notEqual(subPid(), sub!.proc.pid, 'a new server process');
  const n = await until('active', async () => {
    const x = await ironic('GET', `/nodes/${node.uuid}`);
    return x.provision_state === 'active' || x.provision_state === 'deploy failed' ? x : undefined;
  });
  assert.equal(n.provision_state, 'active', `the deploy in flight completed (last error: ${n.last_error})`);
  await until('online on B', async () => (await cli(['subcloud', 'show', 'edge1']))['availability-status'] === 'online');
});

test('a release that does not start: the subcloud comes back on the release it ran', async () => {
  const broken = mkdtempSync(join(tmpdir(), 'strata-release-broken-'));
  try {
    mkdirSync(join(broken, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(broken, 'dist', 'cli', 'main.js'), 'process.exit(3);\n');
    cpSync(join(REPO, 'package.json'), join(broken, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(broken, 'node_modules'));
    const pid = subPid();
    const h = { authorization: `Bearer ${sub!.token}`, 'content-type': 'application/json' };
    const r = await fetch(`${sub!.url}/edge/v1/release`, { method: 'POST', headers: h, body: JSON.stringify({ release: broken }) });
    assert.equal(r.status, 202, await r.clone().text());
    const back = await until('answering again', async () => {
      if (subPid() === pid) return undefined;
      return (await (await fetch(`${sub!.url}/edge/v1/audit`, { headers: h })).json()) as any;
    });
    assert.equal(back.release, releaseB, 'still release B');
    assert.match(readFileSync(join(sub!.dir, 'handover.log'), 'utf8'), /did not start/);
    // Bad input is refused before anything stops.
    const bad = await fetch(`${sub!.url}/edge/v1/release`, { method: 'POST', headers: h, body: JSON.stringify({ release: '/nonexistent' }) });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /not an installed release/);
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});

test('a sandbox loop never stops across the update', async () => {
  await new Promise((r) => setTimeout(r, 3000));
  const times = readFileSync(ticks, 'utf8').trim().split('\n').map(Number);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(Date.now() - times.at(-1)! < 2000, 'still ticking after the update');
  assert.ok(Math.max(...gaps) < 3000, `the loop stopped for ${Math.max(...gaps)} ms`);
});
