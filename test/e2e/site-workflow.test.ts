/**
 * The site workflow end to end: a real `strata server` and a `strata bmc`
 * with three Redfish machines; Drydock documents describe them (credentials
 * from a Deckhand passphrase), a DeploymentStrategy of two groups (masters
 * critical), and an Armada manifest of two chart groups of Workloads that
 * run in `namespaces` sandboxes. Through the Shipyard API: a broken
 * document is refused naming it; deploy_site brings every node to active
 * through the conductor and every workload up; a changed workload is the
 * only thing the plan lists and update_site touches; redeploy_server
 * rebuilds one node; a node powered off at its BMC and a sandbox removed by
 * hand are reported as drift (and raise alarms) within one period; then a
 * SIGKILL in the middle of deploy_site, and the restarted server finishes it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBmc, type BmcProcess } from '../../src/metal/bmc/index.js';
import { dumpYamlStream } from '../../src/site/documents/index.js';
import { sampleSite, type SampleSiteOptions } from '../../src/site/workflow/testing.js';
import { api, startServer, strata, type StrataServer, until as poll } from '../helpers/strata.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-site-wf-'));
const pwFile = join(dir, 'bmc-password');
const PASSWORD = 'Bmc-s3cret-pw';
writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
const SY = '/shipyard/api/v1.0';
const ARGS = ['--site-drift-interval', '2', '--metal-power-sync-interval', '1', '--metal-force-power-state', 'false'];
let bmc: BmcProcess;
const servers: StrataServer[] = [];

before(async () => {
  bmc = await spawnBmc(['--systems', '6', '--username', 'admin', '--password-file', pwFile]);
});
after(async () => {
  for (const s of servers) await s.stop('SIGTERM').catch(() => {});
  await bmc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(s: StrataServer, method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; body: any; text: string }> {
  const res = await api(s, path, { method, headers: body === undefined ? {} : { 'content-type': type }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* YAML or text */
  }
  return { status: res.status, body: parsed, text };
}

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number) => poll(what, fn, timeoutMs, { every: 250 });

const site = (o: SampleSiteOptions = {}, offset = 0) =>
  dumpYamlStream(
    sampleSite({
      redfish: { url: bmc.url, username: 'admin', password: PASSWORD },
      macs: bmc.systems.slice(offset).map((x) => x.macs[0]),
      runtime: 'namespaces',
      ...o,
    }).map((d) => (offset && d.schema === 'drydock/BaremetalNode/v1' ? { ...d, data: { ...(d.data as object), oob: { system_id: `/redfish/v1/Systems/node-${Number(String(d.metadata.name).split('-')[1]) + offset}` } } } : d)),
  );

async function commit(s: StrataServer, yaml: string) {
  const put = await call(s, 'POST', `${SY}/configdocs/site?buffermode=replace`, yaml, 'application/x-yaml');
  assert.equal(put.status, 201, put.text);
  return call(s, 'POST', `${SY}/commitconfigdocs`);
}

async function runAction(s: StrataServer, name: string, parameters: Record<string, unknown> = {}, timeoutMs = 180_000) {
  const created = await call(s, 'POST', `${SY}/actions`, { name, parameters });
  assert.equal(created.status, 201, created.text);
  return waitAction(s, created.body.id, timeoutMs);
}

async function waitAction(s: StrataServer, id: string, timeoutMs = 180_000) {
  return until(
    `action ${id}`,
    async () => {
      const a = (await call(s, 'GET', `${SY}/actions/${id}`)).body;
      return a.action_lifecycle === 'Complete' || a.action_lifecycle === 'Failed' ? a : undefined;
    },
    timeoutMs,
  );
}

const IRONIC = { 'x-openstack-ironic-api-version': '1.78' };
async function nodes(s: StrataServer): Promise<any[]> {
  const res = await api(s, '/baremetal/v1/nodes?fields=name,provision_state,power_state,provision_updated_at,driver,driver_info', { headers: IRONIC });
  return ((await res.json()) as { nodes: any[] }).nodes.sort((a, b) => a.name.localeCompare(b.name));
}
async function sandboxes(s: StrataServer): Promise<any[]> {
  const b = (await call(s, 'GET', '/sandbox/api/v1/sandboxes?project=site')).body;
  return ((b.sandboxes ?? b) as any[]).filter((x) => x.spec?.labels?.['strata.site/release']);
}
const key = (x: any) => `${x.spec.labels['strata.site/release']}/${x.spec.labels['strata.site/replica']}`;

test('a 3-machine site: refusal, deploy_site, plan and update_site, redeploy_server, drift', { timeout: 420_000 }, async () => {
  const s = await startServer({ args: ARGS });
  servers.push(s);

  // A broken document is refused, naming it and the path; nothing is committed.
  const refused = await commit(s, site({ override: { 'core-1': { replicas: 'three' } } }));
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.body.status, 'Failure');
  const msg = refused.body.details.messageList[0];
  assert.deepEqual([msg.documents[0].schema, msg.documents[0].name, msg.path], ['strata/Workload/v1', 'core-1', 'data.replicas']);
  assert.equal((await call(s, 'POST', `${SY}/actions`, { name: 'deploy_site' })).status, 409, 'nothing committed to deploy');
  const cli = await strata(['site', 'commit'], { env: s.env });
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /strata\/Workload\/v1 core-1/);

  const ok = await commit(s, site());
  assert.equal(ok.status, 200, ok.text);

  const plan0 = (await call(s, 'GET', `${SY}/plan`)).body.plan;
  assert.deepEqual(plan0.nodes.map((n: any) => n.action), ['enroll', 'enroll', 'enroll']);

  const deployed = await runAction(s, 'deploy_site');
  assert.equal(deployed.action_lifecycle, 'Complete', JSON.stringify(deployed.steps));
  assert.ok(deployed.steps.every((x: any) => x.state === 'success'), JSON.stringify(deployed.steps));
  const masters = (await call(s, 'GET', `${SY}/actions/${deployed.id}/steps/deploy_nodes.masters`)).body;
  assert.equal(masters.state, 'success');
  assert.equal(masters.critical, true);
  const logs = (await call(s, 'GET', `${SY}/actions/${deployed.id}/steps/deploy_nodes.masters/logs`)).text;
  assert.match(logs, /node-0: active/);
  assert.ok(!logs.includes(PASSWORD) && !s.stderr().includes(PASSWORD), 'the BMC password is never logged');

  const ns = await nodes(s);
  assert.deepEqual(ns.map((n) => [n.name, n.provision_state, n.driver]), [['node-0', 'active', 'redfish'], ['node-1', 'active', 'redfish'], ['node-2', 'active', 'redfish']]);
  assert.equal(ns[0].driver_info.redfish_password, '******', 'sealed and masked by metal');
  const sb = await sandboxes(s);
  assert.deepEqual(sb.map(key).sort(), ['lab-app-0/0', 'lab-app-0/1', 'lab-core-0/0', 'lab-core-1/0']);
  assert.ok(sb.every((x) => x.state === 'running' && x.runtime === 'namespaces'));
  const cfg = await call(s, 'GET', `${SY}/configdocs/site?version=successful_site_action`);
  assert.equal(cfg.status, 200);
  assert.match(cfg.text, /schema: strata\/Workload\/v1/);

  // One changed workload: the plan lists exactly it; update_site touches only it.
  assert.equal((await commit(s, site({ override: { 'core-1': { env: { ROLE: 'core', INDEX: '1', VERSION: '2' } } } }))).status, 200);
  const plan = await strata(['--json', 'site', 'plan'], { env: s.env });
  assert.equal(plan.code, 0, plan.stderr);
  const changes = JSON.parse(plan.stdout).plan;
  assert.deepEqual(changes.nodes.filter((n: any) => n.action !== 'none'), []);
  assert.deepEqual(changes.workloads.filter((w: any) => w.action !== 'none').map((w: any) => [w.release, w.action]), [['lab-core-1', 'update']]);
  const before = new Map(sb.map((x) => [key(x), x.id]));
  const updated = await strata(['--json', 'site', 'update', '--wait', '--timeout', '120'], { env: s.env, timeoutMs: 150_000 });
  assert.equal(updated.code, 0, updated.stderr);
  assert.equal(JSON.parse(updated.stdout).action_lifecycle, 'Complete');
  const after1 = new Map((await sandboxes(s)).map((x) => [key(x), x.id]));
  for (const k of ['lab-core-0/0', 'lab-app-0/0', 'lab-app-0/1']) assert.equal(after1.get(k), before.get(k), `${k} not restarted`);
  assert.notEqual(after1.get('lab-core-1/0'), before.get('lab-core-1/0'));
  assert.deepEqual((await nodes(s)).map((n) => n.provision_updated_at), ns.map((n) => n.provision_updated_at), 'no node touched');

  // redeploy_server rebuilds one node only.
  const redeployed = await runAction(s, 'redeploy_server', { target_nodes: ['node-1'] });
  assert.equal(redeployed.action_lifecycle, 'Complete', JSON.stringify(redeployed.steps));
  const ns2 = await nodes(s);
  assert.notEqual(ns2[1].provision_updated_at, ns[1].provision_updated_at);
  assert.equal(ns2[0].provision_updated_at, ns[0].provision_updated_at);
  assert.equal(ns2[1].provision_state, 'active');

  // Drift: node-2 powered off at its BMC, node-0 rebuilt by hand through metal, a sandbox removed by hand.
  const rebuild = await api(s, '/baremetal/v1/nodes/node-0/states/provision', { method: 'PUT', headers: { ...IRONIC, 'content-type': 'application/json' }, body: JSON.stringify({ target: 'rebuild' }) });
  assert.equal(rebuild.status, 202, await rebuild.text());
  const basic = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64');
  const off = await fetch(`${bmc.url}/redfish/v1/Systems/node-2/Actions/ComputerSystem.Reset`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ ResetType: 'ForceOff' }) });
  assert.ok(off.ok, await off.text());
  const victim = [...(await sandboxes(s))].find((x) => key(x) === 'lab-core-0/0')!;
  assert.equal((await call(s, 'DELETE', `/sandbox/api/v1/sandboxes/${victim.id}?force=true`)).status, 204);
  const t0 = Date.now();
  const drift = await until(
    'drift of node-0, node-2 and lab-core-0',
    async () => {
      const r = (await call(s, 'GET', `${SY}/drift?cached=true`)).body;
      const items = r.drift.map((d: any) => `${d.kind} ${d.name} ${d.problem}`).sort();
      return ['node node-0 changed', 'node node-2 powered_off', 'workload lab-core-0/0 missing'].every((x) => items.includes(x)) ? items : undefined;
    },
    30_000,
  );
  assert.deepEqual(drift, ['node node-0 changed', 'node node-2 powered_off', 'workload lab-core-0/0 missing']);
  assert.ok(Date.now() - t0 < 2 * 2000 + 1000 + 3000, 'within a period (2 s) of metal noticing (1 s power sync)');
  const alarms = (await call(s, 'GET', '/fm/v1/alarms')).body;
  const ids = (alarms.alarms ?? alarms).filter((a: any) => a.alarm_id === '600.005').map((a: any) => a.entity_instance_id).sort();
  assert.deepEqual(ids, ['site=site.node=node-0', 'site=site.node=node-2', 'site=site.workload=lab-core-0-0']);
  const cliDrift = await strata(['site', 'drift'], { env: s.env });
  assert.equal(cliDrift.code, 3);
  assert.match(cliDrift.stdout, /node\s+node-2\s+powered_off/);

  // update_site puts the power and the sandbox back (the plan lists them); redeploying node-0
  // from the documents makes it the workflow's again; the alarms clear.
  const planned = (await call(s, 'GET', `${SY}/plan`)).body.plan;
  assert.deepEqual(planned.nodes.filter((n: any) => n.action !== 'none').map((n: any) => [n.name, n.action]), [['node-2', 'deploy']]);
  assert.deepEqual(planned.workloads.filter((w: any) => w.action !== 'none').map((w: any) => [w.release, w.action]), [['lab-core-0', 'create']]);
  const repaired = await runAction(s, 'update_site');
  assert.equal(repaired.action_lifecycle, 'Complete', JSON.stringify(repaired.steps));
  assert.equal((await runAction(s, 'redeploy_server', { target_nodes: ['node-0'] })).action_lifecycle, 'Complete');
  await until('drift cleared', async () => ((await call(s, 'GET', `${SY}/drift`)).body.drift.length === 0 ? true : undefined), 20_000);
  await until('alarms cleared', async () => {
    const a = (await call(s, 'GET', '/fm/v1/alarms')).body;
    return (a.alarms ?? a).some((x: any) => x.alarm_id === '600.005') ? undefined : true;
  }, 20_000);
});

test('SIGKILL mid deploy_site: the restarted server resumes the step and completes; pause and unpause', { timeout: 300_000 }, async () => {
  const data = mkdtempSync(join(tmpdir(), 'strata-site-wf-kill-'));
  const args = [...ARGS, '--metal-fake-delay', '4000-5000'];
  let s = await startServer({ dataDir: data, args });
  servers.push(s);
  assert.equal((await commit(s, site({}, 3))).status, 200);
  const created = (await call(s, 'POST', `${SY}/actions`, { name: 'deploy_site' })).body;
  assert.equal((await call(s, 'POST', `${SY}/actions/${created.id}/control/pause`)).status, 202);
  await new Promise((r) => setTimeout(r, 1000));
  const paused = (await call(s, 'GET', `${SY}/actions/${created.id}`)).body;
  assert.equal(paused.action_lifecycle, 'Paused');
  const startedWhilePaused = paused.steps.filter((x: any) => x.state !== null).length;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await call(s, 'GET', `${SY}/actions/${created.id}`)).body.steps.filter((x: any) => x.state !== null).length, startedWhilePaused, 'nothing new starts while paused');
  assert.equal((await call(s, 'POST', `${SY}/actions/${created.id}/control/pause`)).status, 409);
  const resumed = await strata(['site', 'action', 'resume', created.id], { env: s.env });
  assert.equal(resumed.code, 0, resumed.stderr);

  await until('deploy_nodes.masters running', async () => {
    const a = (await call(s, 'GET', `${SY}/actions/${created.id}`)).body;
    return a.steps.some((x: any) => x.id === 'deploy_nodes.masters' && x.state === 'running') ? true : undefined;
  }, 60_000);
  s.proc.kill('SIGKILL');
  await new Promise((r) => s.proc.once('exit', r));
  servers.pop();

  s = await startServer({ dataDir: data, args });
  servers.push(s);
  const done = await waitAction(s, created.id, 200_000);
  assert.equal(done.action_lifecycle, 'Complete', JSON.stringify(done.steps));
  const step = (await call(s, 'GET', `${SY}/actions/${created.id}/steps/deploy_nodes.masters`)).body;
  assert.ok(step.try_number >= 2, `the step ran again after the kill (try ${step.try_number})`);
  const log = (await call(s, 'GET', `${SY}/actions/${created.id}/steps/deploy_nodes.masters/logs`)).text;
  assert.match(log, /resumed: the server running this step stopped/);
  assert.deepEqual((await nodes(s)).map((n) => n.provision_state), ['active', 'active', 'active']);
  assert.equal((await sandboxes(s)).filter((x) => x.state === 'running').length, 4);
  assert.deepEqual((await call(s, 'GET', `${SY}/actions/${created.id}`)).body.command_audit.map((c: any) => c.command), ['invoke', 'pause', 'unpause']);
  const listed = await strata(['--json', 'site', 'action', 'list'], { env: s.env });
  assert.deepEqual(JSON.parse(listed.stdout).map((a: any) => [a.id, a.action_lifecycle]), [[created.id, 'Complete']]);
  const shown = await strata(['site', 'action', 'show', created.id], { env: s.env });
  assert.match(shown.stdout, /deploy_nodes\.masters\s+success/);
  const logs = await strata(['site', 'action', 'logs', created.id, 'deploy_nodes.masters'], { env: s.env });
  assert.match(logs.stdout, /resumed: the server running this step stopped/);
  const stopDone = await strata(['site', 'action', 'stop', created.id], { env: s.env });
  assert.equal(stopDone.code, 1);
  assert.match(stopDone.stderr, /is Complete: it cannot be stopped/);
});

test('a non-critical group below its success criteria is reported and the action goes on; a failing critical group fails it', { timeout: 240_000 }, async () => {
  const s = await startServer({ args: [...ARGS, '--site-drift-interval', '0'] });
  servers.push(s);
  // Machines the BMC does not have: their nodes never verify.
  const missing = (names: string[]) =>
    dumpYamlStream(
      sampleSite({ redfish: { url: bmc.url, username: 'admin', password: PASSWORD }, runtime: 'namespaces' }).map((d) =>
        d.schema === 'drydock/BaremetalNode/v1' ? { ...d, data: { ...(d.data as object), oob: { system_id: names.includes(String(d.metadata.name)) ? `/redfish/v1/Systems/missing-${d.metadata.name}` : `/redfish/v1/Systems/${d.metadata.name}` } } } : d,
      ),
    );
  assert.equal((await commit(s, missing(['node-1', 'node-2']))).status, 200);
  const a = await runAction(s, 'deploy_site');
  assert.equal(a.action_lifecycle, 'Complete', JSON.stringify(a.steps));
  const workers = (await call(s, 'GET', `${SY}/actions/${a.id}/steps/deploy_nodes.workers`)).body;
  assert.equal(workers.state, 'failed');
  assert.equal(workers.critical, false);
  assert.match(workers.message, /0 of 2 node\(s\) active; success criteria not met: 0% of nodes succeeded, below 50%/);
  const log = (await call(s, 'GET', `${SY}/actions/${a.id}/steps/deploy_nodes.workers/logs`)).text;
  assert.match(log, /node-1: cannot be managed: /);
  assert.equal(a.steps.find((x: any) => x.id === 'armada_build.apps').state, 'success', 'software went on');

  // node-0 (masters, critical) on a machine that does not exist either: the action fails there.
  const maint = await api(s, '/baremetal/v1/nodes/node-0/maintenance', { method: 'PUT', headers: { ...IRONIC, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'moving' }) });
  assert.equal(maint.status, 202, await maint.text());
  const del = await api(s, '/baremetal/v1/nodes/node-0', { method: 'DELETE', headers: IRONIC });
  assert.equal(del.status, 204, await del.text());
  assert.equal((await commit(s, missing(['node-0', 'node-1', 'node-2']))).status, 200);
  const b = await runAction(s, 'update_site');
  assert.equal(b.action_lifecycle, 'Failed', JSON.stringify(b.steps));
  const st = Object.fromEntries(b.steps.map((x: any) => [x.id, x.state]));
  assert.equal(st['deploy_nodes.masters'], 'failed');
  assert.equal(st['deploy_nodes.workers'], 'upstream_failed');
  assert.equal(st['armada_build.core'], 'upstream_failed');
});
