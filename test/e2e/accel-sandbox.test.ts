/**
 * Accelerators bound to real namespaces sandboxes (bubblewrap): a sandbox
 * bound to the fake FPGA and an H100 (from a fake sysfs tree, with
 * character devices made by mknod standing in for /dev/nvidia0 and the
 * FPGA's node) sees exactly those device nodes and NVIDIA_VISIBLE_DEVICES,
 * one not bound sees none; removing the sandbox releases them; and a server
 * SIGKILLed mid-bind leaves, after restart, every request Bound to a live
 * sandbox or released, and no device held by nobody.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, requireCommand, startServer, strata, type StrataServer } from '../helpers/strata.js';
import { fakeNvidiaSmi, h100Host, H100_QUERY } from '../../src/accel/testing/sysfs-trees.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-accel-sb-'));
const dataDir = join(dir, 'data');
const dev = join(dir, 'dev');
let server: StrataServer | undefined;
let args: string[];

const json = async (path: string, init: RequestInit = {}) => {
  const res = await api(server!, path, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

/** Runs a command in a fresh one-shot sandbox through the CLI. */
const run = (extra: string[], script: string) => strata(['sandbox', 'run', '--runtime', 'namespaces', ...extra, '--', 'sh', '-c', script], { env: server!.env, timeoutMs: 60_000 });

before(async () => {
  requireCommand('bwrap', 'bubblewrap');
  mkdirSync(dev);
  // character devices with /dev/null's numbers: real nodes a sandbox can open
  for (const n of ['fake-fpga0', 'nvidia0', 'nvidiactl']) {
    const r = spawnSync('mknod', [join(dev, n), 'c', '1', '3']);
    if (r.status !== 0) throw new Error(`mknod ${n} failed (tests run as root): ${r.stderr}`);
  }
  const sys = join(dir, 'sys');
  h100Host(sys);
  args = ['--modules', 'sandbox,accel', '--accel-drivers', 'fake,nvidia', '--accel-sysfs-root', sys, '--accel-dev-root', dev, '--accel-nvidia-smi', fakeNvidiaSmi(dir, H100_QUERY), '--accel-discovery-interval', '0'];
  server = await startServer({ dataDir, args });
  for (const [name, groups] of [
    ['fpga', [{ 'resources:FPGA': '1' }]],
    ['h100', [{ 'resources:PGPU': '1', 'attr:memory': '>=40Gi', 'attr:model': 'in(NVIDIA H100 PCIe, NVIDIA H200)' }]],
    ['a100', [{ 'resources:PGPU': '1', 'attr:model': 'in(NVIDIA A100-SXM4-40GB)' }]],
  ] as const) {
    const r = await json('/accelerator/v2/device_profiles', { method: 'POST', body: JSON.stringify([{ name, groups }]) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
});

after(async () => {
  await server?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** How many sandbox supervisors run with state under `dir` (from /proc, by their argv). */
function supervisorsUnder(dir: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('supervisor/supervisor.js')) && argv.some((a) => a.startsWith(dir))) n++;
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}

const GPU = 'GPU-6a3e6f9c-0f4b-7a1e-9b5e-1d2f3a4b5c6d';

test('a bound sandbox sees exactly its devices and the matching env; an unbound one sees none', async () => {
  const bound = await run(['--accelerator', 'fpga', '--accelerator', 'h100'], 'ls /dev; echo "NV=$NVIDIA_VISIBLE_DEVICES CUDA=$CUDA_VISIBLE_DEVICES"; head -c0 /dev/nvidia0 && echo opened');
  assert.equal(bound.code, 0, bound.stderr);
  const names = bound.stdout.split('\n');
  assert.ok(names.includes('fake-fpga0') && names.includes('nvidia0') && names.includes('nvidiactl'), bound.stdout);
  assert.ok(!names.includes('nvidia-uvm'), 'a node the host does not have is not invented');
  assert.match(bound.stdout, new RegExp(`NV=${GPU} CUDA=${GPU}`));
  assert.match(bound.stdout, /opened/);
  const plain = await run([], 'ls /dev; echo "NV=$NVIDIA_VISIBLE_DEVICES"');
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(!/fake-fpga0|nvidia/.test(plain.stdout.replace('NV=', '')), plain.stdout);
  // the one-shot sandboxes are gone, and so are the requests made for them
  assert.deepEqual((await json('/accelerator/v2/accelerator_requests')).body.arqs, []);
  const deps = (await json('/accelerator/v2/deployables')).body.deployables;
  assert.ok(deps.every((d: any) => d.used === 0), JSON.stringify(deps.map((d: any) => [d.name, d.used])));
});

test('a profile nothing fits is refused with why, and nothing is left held', async () => {
  const r = await run(['--accelerator', 'a100'], 'true');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no deployable fits PGPU: .*does not satisfy model in \(NVIDIA A100-SXM4-40GB\)/);
  assert.deepEqual((await json('/accelerator/v2/accelerator_requests')).body.arqs, []);
});

test('removing a long-lived sandbox unbinds its requests; a request of the caller can be named by uuid and survives it, Unbound', async () => {
  const made = await json('/accelerator/v2/accelerator_requests', { method: 'POST', body: JSON.stringify({ device_profile_name: 'fpga' }) });
  const arq = made.body.arqs[0].uuid;
  const sb = await json('/sandbox/api/v1/sandboxes', { method: 'POST', body: JSON.stringify({ runtime: 'namespaces', accelerators: [arq, 'h100'] }) });
  assert.equal(sb.status, 201, JSON.stringify(sb.body));
  const mine = (await json(`/accelerator/v2/accelerator_requests?instance=${sb.body.id}`)).body.arqs;
  assert.deepEqual(mine.map((a: any) => a.state).sort(), ['Bound', 'Bound']);
  assert.equal((await json(`/sandbox/api/v1/sandboxes/${sb.body.id}`, { method: 'DELETE' })).status, 204);
  const left = (await json('/accelerator/v2/accelerator_requests')).body.arqs;
  assert.deepEqual(left.map((a: any) => [a.uuid, a.state, a.instance_uuid]), [[arq, 'Unbound', null]]);
  await json(`/accelerator/v2/accelerator_requests?arqs=${arq}`, { method: 'DELETE' });
});

test('SIGKILL of the server mid-bind: after restart every request is Bound to a live sandbox or released; no device is held by nobody', { timeout: 180_000 }, async () => {
  for (const delay of [0, 40, 120, 300]) {
    const creating = api(server!, '/sandbox/api/v1/sandboxes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runtime: 'namespaces', accelerators: ['fpga', 'h100'] }) }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, delay));
    await server!.stop('SIGKILL', true);
    await creating;
    server = await startServer({ dataDir, args });
    const arqs = (await json('/accelerator/v2/accelerator_requests')).body.arqs;
    const sandboxes = (await json('/sandbox/api/v1/sandboxes')).body.sandboxes ?? [];
    const live = new Set(sandboxes.filter((s: any) => s.state === 'running').map((s: any) => s.id));
    for (const a of arqs) assert.ok(a.state === 'Unbound' || (a.state === 'Bound' && live.has(a.instance_uuid)), `after a kill at ${delay} ms: ${JSON.stringify(a)}`);
    // A sandbox whose server died while creating it is lost, and its supervisor, if it came up, stopped.
    assert.equal(supervisorsUnder(dataDir), live.size, `after a kill at ${delay} ms: a supervisor per running sandbox, no more`);
    const deps = (await json('/accelerator/v2/deployables')).body.deployables;
    const holding = arqs.filter((a: any) => a.state === 'Bound').length;
    assert.equal(deps.reduce((n: number, d: any) => n + d.used, 0), holding, `after a kill at ${delay} ms the deployables' use matches the bound requests`);
  }
});
