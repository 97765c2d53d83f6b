/**
 * A fleet in network namespaces: a system controller on the host and three
 * subclouds, each a separate `strata server` with its own store in its own
 * namespace, joined to the host by a veth (as the metal PXE test's lab
 * network). Added and managed with the CLI they go online and in-sync;
 * one subcloud's link is cut: within two audit periods it is offline with
 * alarm 280.001, while it alone deploys a node (fake hardware) and runs a
 * sandbox; the link returns: online, its changes visible, the alarm
 * cleared. A token made on the controller reaches every managed subcloud
 * and not the unmanaged one; a local change on that one is reported
 * out-of-sync (280.002) and repaired once it is managed.
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

const AUDIT_S = 2;
const PORT = 7444;

type Sub = Subcloud;

let controller: StrataServer | undefined;
const subs: Sub[] = [];
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000) => poll(what, fn, ms, { tolerateErrors: true });


/** Runs a small fetch script inside a namespace (the subcloud's own view, with the controller cut off). */
function inNetns(ns: string, script: string, env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DEPLOY = `
const { URL: u, TOKEN: t } = process.env;
const h = { authorization: 'Bearer ' + t, 'content-type': 'application/json', 'x-openstack-ironic-api-version': '1.78' };
const call = async (m, p, b) => { const r = await fetch(u + '/baremetal/v1' + p, { method: m, headers: h, body: b === undefined ? undefined : JSON.stringify(b) }); const x = await r.text(); if (!r.ok) throw new Error(m + ' ' + p + ': ' + r.status + ' ' + x); return x ? JSON.parse(x) : null; };
const wait = async (id, s) => { for (let i = 0; i < 600; i++) { const n = await call('GET', '/nodes/' + id); if (n.provision_state === s && !n.reservation) return; await new Promise((r) => setTimeout(r, 100)); } throw new Error('never ' + s); };
const n = await call('POST', '/nodes', { driver: 'fake-hardware', name: 'edge-node-1' });
for (const [verb, state] of [['manage', 'manageable'], ['provide', 'available'], ['active', 'active']]) { await call('PUT', '/nodes/' + n.uuid + '/states/provision', { target: verb }); await wait(n.uuid, state); }
console.log(n.uuid);
`;

async function cli(args: string[]): Promise<any> {
  const r = await strata(['--json', ...args], { env: controller!.env });
  assert.equal(r.code, 0, `strata ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}


const subcloud = async (name: string) => (await cli(['subcloud', 'show', name])) as Record<string, any>;
const whoami = async (s: Sub, token: string) => (await fetch(`${s.url}/auth/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })).status;

before(async () => {
  requireCommand('ip', 'iproute2');
  for (let i = 1; i <= 3; i++) {
    const lab = await createLabNetwork();
    subs.push(await startSubcloud(`subcloud${i}`, lab, mkdtempSync(join(tmpdir(), `strata-edge-sc${i}-`)), PORT));
  }
  controller = await startServer({ args: ['--edge-role', 'controller', '--edge-audit-interval', String(AUDIT_S)] });
});

after(async () => {
  await controller?.stop();
  for (const s of subs) {
    s.proc.kill('SIGTERM');
    await new Promise((r) => (s.proc.exitCode !== null ? r(null) : s.proc.once('exit', r)));
    await s.lab.destroy();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('three subclouds added and managed go online and in-sync', async () => {
  for (const s of subs) {
    const added = await cli(['subcloud', 'add', '--name', s.name, '--endpoint', s.url, '--subcloud-token-file', join(s.dir, 'admin-token'), '--location', 'lab']);
    assert.equal(added['management-state'], 'unmanaged');
    assert.equal(JSON.stringify(added).includes(s.token), false);
    await cli(['subcloud', 'manage', s.name]);
  }
  await until('all online and in-sync', async () => {
    const list = (await cli(['subcloud', 'list'])) as any[];
    return list.length === 3 && list.every((s) => s['availability-status'] === 'online' && s.sync_status === 'in-sync');
  });
  const human = await strata(['subcloud', 'list'], { env: controller!.env });
  assert.match(human.stdout, /subcloud1 +managed +online +complete +in-sync/);
  // The controller's admin token now works on every subcloud (identity sync).
  for (const s of subs) assert.equal(await whoami(s, controller!.token), 200);
});

test('a cut link: offline with 280.001 within two audit periods; the subcloud works alone; back online when the link returns', async () => {
  const s = subs[0]!;
  cutLink(s.lab);
  const cut = Date.now();
  try {
    const a = await until('280.001', async () => ((await cli(['alarm', 'list', '--query', 'alarm_id=280.001'])) as any[]).find((x) => x.entity_instance_id === 'subcloud=subcloud1'));
    const took = (Date.now() - cut) / 1000;
    assert.ok(took <= 2 * AUDIT_S + 2, `offline after ${took} s (two audit periods are ${2 * AUDIT_S} s, plus a call's deadline)`);
    assert.equal(a.severity, 'critical');
    assert.equal((await subcloud('subcloud1'))['availability-status'], 'offline');

    // Alone: a node deployed on fake hardware, and a sandbox run, through its own API inside its namespace.
    const env = { URL: s.url, TOKEN: s.token };
    const deploy = inNetns(s.lab.netns, DEPLOY, env);
    assert.equal(deploy.code, 0, deploy.stderr);
    const sandbox = spawnSync('ip', ['netns', 'exec', s.lab.netns, process.execPath, CLI, 'sandbox', 'run', '--runtime', 'process', '--', 'echo', 'alone'], {
      env: { ...process.env, STRATA_URL: s.url, STRATA_TOKEN: s.token }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(sandbox.status, 0, sandbox.stderr);
    assert.equal(sandbox.stdout, 'alone\n');
  } finally {
    restoreLink(s.lab);
  }
  await until('online again', async () => (await subcloud('subcloud1'))['availability-status'] === 'online');
  await until('280.001 cleared', async () => ((await cli(['alarm', 'list', '--query', 'alarm_id=280.001'])) as any[]).length === 0);
  // What it did alone is visible from outside, with the controller's (synced) token.
  const nodes = await (await fetch(`${s.url}/baremetal/v1/nodes`, { headers: { authorization: `Bearer ${controller!.token}`, 'x-openstack-ironic-api-version': '1.78' } })).json() as any;
  assert.deepEqual(nodes.nodes.map((n: any) => [n.name, n.provision_state]), [['edge-node-1', 'active']]);
  const events = (await cli(['event', 'list', '--query', 'entity_instance_id=subcloud=subcloud1'])) as any[];
  assert.deepEqual(events.filter((e) => e.event_log_id === '280.001').map((e) => e.state), ['clear', 'set']);
});

test('a token made on the controller reaches the managed subclouds only; local drift is reported and repaired once managed', async () => {
  await cli(['subcloud', 'unmanage', 'subcloud3']);
  const created = await cli(['token', 'create', '--role', 'reader', '--project', 'fleet', '--name', 'fleet-reader']);
  const token = created.token as string;
  assert.ok(token);
  await until('subcloud1 and 2 have it', async () => (await whoami(subs[0]!, token)) === 200 && (await whoami(subs[1]!, token)) === 200);
  // An audit or two later the unmanaged one still does not.
  await new Promise((r) => setTimeout(r, 2 * AUDIT_S * 1000));
  assert.equal(await whoami(subs[2]!, token), 401);
  await until('subcloud3 out-of-sync', async () => (await subcloud('subcloud3')).sync_status === 'out-of-sync');

  // A local change on subcloud3: the controller's admin token revoked there.
  const local = await (await fetch(`${subs[2]!.url}/auth/v1/tokens`, { headers: { authorization: `Bearer ${subs[2]!.token}` } })).json() as any;
  const own = await (await fetch(`${subs[2]!.url}/auth/v1/whoami`, { headers: { authorization: `Bearer ${subs[2]!.token}` } })).json() as any;
  const copy = local.tokens.find((t: any) => t.name === 'bootstrap admin' && t.id !== own.tokenId && !t.revoked);
  assert.ok(copy, 'the controller\'s admin token is there, synced');
  assert.equal((await fetch(`${subs[2]!.url}/auth/v1/tokens/${copy.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${subs[2]!.token}` } })).status, 200);
  assert.equal(await whoami(subs[2]!, controller!.token), 401);
  const drift = await until('280.002', async () => ((await cli(['alarm', 'list', '--query', 'alarm_id=280.002'])) as any[]).find((a) => a.entity_instance_id === 'subcloud=subcloud3.resource=identity'));
  assert.equal(drift.severity, 'major');

  await cli(['subcloud', 'manage', 'subcloud3']);
  await until('repaired', async () => (await subcloud('subcloud3')).sync_status === 'in-sync' && (await whoami(subs[2]!, controller!.token)) === 200);
  assert.equal(await whoami(subs[2]!, token), 200, 'and it has the new token');
  await until('280.002 cleared', async () => ((await cli(['alarm', 'list', '--query', 'alarm_id=280.002'])) as any[]).length === 0);
});
