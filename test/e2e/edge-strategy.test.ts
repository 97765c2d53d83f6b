/**
 * Orchestrated updates across a fleet in network namespaces: a system
 * controller on the host and three subclouds, each a separate `strata
 * server` with its own store in its own namespace, joined by a veth (as
 * edge-fleet.test.ts). A site revision tagged `fleet` is applied by
 * sw-update-strategies:
 *  - parallel, max-parallel 2, with the controller SIGKILLed while two
 *    steps are in flight (their subclouds paused with SIGSTOP so the steps
 *    cannot finish first): restarted on the same store it takes the steps
 *    over and the strategy completes, never more than two at once;
 *  - serial, stop-on-failure, one subcloud's link cut: its step fails, the
 *    strategy fails, the other two subclouds are untouched;
 *  - abort while a step is in flight: that step finishes, no more start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, requireCommand, startServer, strata, until as poll, type StrataServer } from '../helpers/strata.js';
import { cutLink, restoreLink, startSubcloud, type Subcloud } from '../helpers/edge.js';
import { createLabNetwork } from '../../src/metal/boot/index.js';

const PORT = 7445;
const CONTROLLER_ARGS = ['--edge-role', 'controller', '--edge-audit-interval', '2', '--edge-step-timeout', '3'];

type Sub = Subcloud;

let controller: StrataServer | undefined;
let controllerDir = '';
const subs: Sub[] = [];
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 90_000) => poll(what, fn, ms, { tolerateErrors: true });


async function cli(args: string[], ok = true): Promise<any> {
  const r = await strata(['--json', ...args], { env: controller!.env, timeoutMs: 180_000 });
  if (ok) assert.equal(r.code, 0, `strata ${args.join(' ')}: ${r.stderr}`);
  return ok ? (r.stdout.trim() ? JSON.parse(r.stdout) : undefined) : r;
}


const steps = async () => ((await cli(['strategy', 'show'])).steps as any[]).map((s) => [s.cloud, s.state]);
const pause = (s: Sub) => process.kill(s.proc.pid!, 'SIGSTOP');
const resume = (s: Sub) => process.kill(s.proc.pid!, 'SIGCONT');

/** The controller revisions each subcloud has applied (its `fleet-applied` tags), read through its own API. */
async function applied(s: Sub): Promise<number[]> {
  const res = await fetch(`${s.url}/deckhand/api/v1.0/revisions?tag=fleet-applied`, { headers: { authorization: `Bearer ${s.token}`, accept: 'application/json' } });
  const list = (await res.json()) as { results: { id: number }[] };
  const out: number[] = [];
  for (const r of list.results) {
    const tag = await (await fetch(`${s.url}/deckhand/api/v1.0/revisions/${r.id}/tags/fleet-applied`, { headers: { authorization: `Bearer ${s.token}`, accept: 'application/json' } })).json() as any;
    out.push(Number(tag['fleet-applied'].controller_revision));
  }
  return out;
}

/** A new revision on the controller, tagged for the fleet; its id. */
async function fleetRevision(value: string): Promise<number> {
  const body = `---
schema: deckhand/LayeringPolicy/v1
metadata: {schema: metadata/Control/v1, name: layering-policy}
data: {layerOrder: [site]}
---
schema: example/Ntp/v1
metadata: {schema: metadata/Document/v1, name: ntp, storagePolicy: cleartext, layeringDefinition: {layer: site}}
data: {servers: [${value}]}
`;
  const h = { authorization: `Bearer ${controller!.token}`, 'content-type': 'application/x-yaml', accept: 'application/json' };
  const put = await fetch(`${controller!.url}/deckhand/api/v1.0/buckets/fleet-site/documents`, { method: 'PUT', headers: h, body });
  assert.equal(put.status, 200, await put.clone().text());
  const revs = (await (await fetch(`${controller!.url}/deckhand/api/v1.0/revisions`, { headers: h })).json()) as { results: { id: number }[] };
  const id = Math.max(...revs.results.map((r) => r.id));
  assert.equal((await fetch(`${controller!.url}/deckhand/api/v1.0/revisions/${id}/tags/fleet`, { method: 'POST', headers: h })).status, 201);
  return id;
}

before(async () => {
  requireCommand('ip', 'iproute2');
  for (let i = 1; i <= 3; i++) {
    const lab = await createLabNetwork();
    subs.push(await startSubcloud(`subcloud${i}`, lab, mkdtempSync(join(tmpdir(), `strata-strategy-sc${i}-`)), PORT));
  }
  controllerDir = mkdtempSync(join(tmpdir(), 'strata-strategy-ctl-'));
  controller = await startServer({ dataDir: controllerDir, args: CONTROLLER_ARGS });
  for (const s of subs) {
    await cli(['subcloud', 'add', '--name', s.name, '--endpoint', s.url, '--subcloud-token-file', join(s.dir, 'admin-token')]);
    await cli(['subcloud', 'manage', s.name]);
  }
  await until('all online', async () => ((await cli(['subcloud', 'list'])) as any[]).every((s) => s['availability-status'] === 'online'));
});

after(async () => {
  for (const s of subs) resume(s);
  await controller?.stop();
  for (const s of subs) {
    s.proc.kill('SIGTERM');
    await new Promise((r) => (s.proc.exitCode !== null ? r(null) : s.proc.once('exit', r)));
    await s.lab.destroy();
    rmSync(s.dir, { recursive: true, force: true });
  }
  rmSync(controllerDir, { recursive: true, force: true });
});

test('parallel, max-parallel 2: the controller SIGKILLed mid-strategy resumes it on restart', async () => {
  const rev = await fleetRevision('10.0.0.1');
  const created = await cli(['strategy', 'create', '--type', 'site-revision', '--subcloud-apply-type', 'parallel', '--max-parallel-subclouds', '2']);
  assert.equal(created.state, 'initial');
  assert.deepEqual(created['extra-args'], { revision: rev });
  // subcloud1 and 2 paused: their steps are in flight and cannot finish before the kill.
  pause(subs[0]!);
  pause(subs[1]!);
  try {
    assert.equal((await cli(['strategy', 'apply', '--no-wait'])).state, 'applying');
    assert.deepEqual(await steps(), [['subcloud1', 'applying'], ['subcloud2', 'applying'], ['subcloud3', 'initial']]);
    await new Promise((r) => setTimeout(r, 500));
    await controller!.stop('SIGKILL', true);
  } finally {
    resume(subs[0]!);
    resume(subs[1]!);
  }
  controller = await startServer({ dataDir: controllerDir, args: CONTROLLER_ARGS });
  // Never more than two steps applying at once, across the restart too.
  let most = 0;
  await until('complete after the restart', async () => {
    const sts = await steps();
    most = Math.max(most, sts.filter(([, st]) => st === 'applying').length);
    return (await cli(['strategy', 'show'])).state === 'complete';
  }, 120_000);
  assert.ok(most <= 2, `${most} steps applied at once`);
  const shown = await cli(['strategy', 'show']);
  assert.deepEqual(shown.steps.map((s: any) => s.state), ['complete', 'complete', 'complete']);
  // The two in flight were taken over by the restarted controller (a second attempt of their task).
  for (const s of shown.steps.slice(0, 2)) assert.match(s.details, /attempt [2-9]/, `${s.cloud}: ${s.details}`);
  for (const s of subs) assert.deepEqual(await applied(s), [rev], s.name);
  await cli(['strategy', 'delete']);
});

test('serial, stop-on-failure: a subcloud that cannot be reached fails its step; the others are untouched', async () => {
  const rev = await fleetRevision('10.0.0.2');
  await cli(['strategy', 'create', '--type', 'site-revision', '--subcloud-apply-type', 'serial', '--stop-on-failure', 'true']);
  const s1 = subs[0]!;
  cutLink(s1.lab);
  try {
    const r = await cli(['strategy', 'apply'], false);
    assert.notEqual(r.code, 0, 'apply exits non-zero when the strategy fails');
    assert.match(r.stderr, /subcloud1: applying/, 'progress on stderr');
    assert.match(r.stderr, /the strategy ended failed/);
  } finally {
    restoreLink(s1.lab);
  }
  assert.deepEqual(await steps(), [['subcloud1', 'failed'], ['subcloud2', 'aborted'], ['subcloud3', 'aborted']]);
  const shown = await cli(['strategy', 'show']);
  assert.equal(shown.state, 'failed');
  assert.match(shown.steps[0].details, /subcloud1|edge\/v1|no answer|gave up|E[A-Z]+/);
  assert.match(shown.steps[1].details, /stop-on-failure/);
  for (const s of subs.slice(1)) assert.equal((await applied(s)).includes(rev), false, `${s.name} untouched`);
  await cli(['strategy', 'delete']);
});

test('abort during apply: the step in progress finishes, no more start', async () => {
  await until('subcloud1 online again', async () => ((await cli(['subcloud', 'show', 'subcloud1'])) as any)['availability-status'] === 'online');
  const rev = await fleetRevision('10.0.0.3');
  await cli(['strategy', 'create', '--type', 'site-revision', '--subcloud-apply-type', 'serial']);
  pause(subs[0]!);
  try {
    await cli(['strategy', 'apply', '--no-wait']);
    assert.deepEqual((await steps())[0], ['subcloud1', 'applying']);
    const aborting = await cli(['strategy', 'abort']);
    assert.equal(aborting.state, 'aborting', 'waits for the step in progress');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await cli(['strategy', 'show'])).state, 'aborting');
  } finally {
    resume(subs[0]!);
  }
  await until('aborted', async () => (await cli(['strategy', 'show'])).state === 'aborted');
  assert.deepEqual(await steps(), [['subcloud1', 'complete'], ['subcloud2', 'aborted'], ['subcloud3', 'aborted']]);
  assert.equal((await applied(subs[0]!)).includes(rev), true, 'the step in progress finished');
  for (const s of subs.slice(1)) assert.equal((await applied(s)).includes(rev), false, `${s.name} never started`);
  const del = await cli(['strategy', 'delete']);
  assert.equal(del.state, 'deleting');
});
