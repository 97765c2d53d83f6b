/**
 * The Shipyard API's edges against a real server: authentication and
 * roles, Shipyard's Status document for every error (bad buffer mode,
 * unknown version, unknown action, a control the action's state refuses,
 * unknown paths), configdocs versions and statuses, a dry-run action, the
 * validation of an action, site statuses and their filters.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpYamlStream } from '../../src/site/documents/index.js';
import { sampleSite } from '../../src/site/workflow/testing.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, strata, type StrataServer } from '../helpers/strata.js';

const SY = '/shipyard/api/v1.0';
let s: StrataServer;
before(async () => {
  s = await startServer({ args: ['--site-drift-interval', '0', '--metal-power-sync-interval', '0'] });
});
after(async () => s?.stop());

async function call(method: string, path: string, opts: { body?: string | object; type?: string; token?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? s.token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(s.url + path, { method, headers, body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* YAML */
  }
  return { status: res.status, body, text, type: res.headers.get('content-type') ?? '' };
}

const isStatus = (b: any, code: number) => {
  assert.equal(b.kind, 'Status');
  assert.equal(b.status, 'Failure');
  assert.match(b.code, new RegExp(`^${code} `));
  assert.ok(b.message.length > 0);
};

test('authentication by default; readers read, members act', async () => {
  assert.equal((await call('GET', `${SY}/health`, { token: null })).status, 204);
  const anon = await call('GET', `${SY}/actions`, { token: null });
  assert.equal(anon.status, 401);
  isStatus(anon.body, 401);
  const reader = (await call('POST', '/auth/v1/tokens', { body: { name: 'r', role: 'reader', project: 'lab' } })).body.token;
  assert.equal((await call('GET', `${SY}/actions`, { token: reader })).status, 200);
  const denied = await call('POST', `${SY}/actions`, { body: { name: 'deploy_site' }, token: reader });
  assert.equal(denied.status, 403);
  isStatus(denied.body, 403);
});

test('errors are Shipyard Status documents that say what and where', async () => {
  const yaml = dumpYamlStream(sampleSite());
  const bad = await call('POST', `${SY}/configdocs/site?buffermode=overwrite`, { body: yaml, type: 'application/x-yaml' });
  assert.equal(bad.status, 400);
  isStatus(bad.body, 400);
  assert.match(bad.body.message, /buffermode must be one of rejectoncontents, append, replace \(got overwrite\)/);
  const broken = await call('POST', `${SY}/configdocs/site`, { body: 'schema: [unclosed', type: 'application/x-yaml' });
  assert.equal(broken.status, 400);
  isStatus(broken.body, 400);
  assert.match(broken.body.message, /request body/);
  const none = await call('GET', `${SY}/configdocs/site?version=committed`);
  assert.equal(none.status, 404);
  isStatus(none.body, 404);
  const version = await call('GET', `${SY}/configdocs/site?version=newest`);
  assert.equal(version.status, 400);
  assert.match(version.body.message, /version must be one of buffer, committed, last_site_action, successful_site_action/);
  assert.equal((await call('POST', `${SY}/commitconfigdocs`)).status, 409, 'empty buffer');
  const unknown = await call('GET', `${SY}/nothing-here`);
  assert.equal(unknown.status, 404);
  isStatus(unknown.body, 404);
  assert.equal((await call('GET', `${SY}/actions/01NOSUCHACTION0000000000000`)).status, 404);
  const noName = await call('POST', `${SY}/actions`, { body: { name: 'deploy_everything' } });
  assert.equal(noName.status, 400);
  assert.match(noName.body.message, /action name must be one of deploy_site, update_site, update_software, redeploy_server, relabel_nodes, test_site/);
  const params = await call('POST', `${SY}/actions`, { body: { name: 'deploy_site', parameters: [1] } });
  assert.equal(params.status, 400);
});

test('configdocs versions, statuses, a dry run, an action validation, site statuses', async () => {
  // the CLI: documents from files into the buffer
  const dir = mkdtempSync(join(tmpdir(), 'strata-wf-cli-'));
  const docs = sampleSite();
  writeFileSync(join(dir, 'machines.yaml'), dumpYamlStream(docs.filter((d) => !d.schema.startsWith('armada/') && d.schema !== 'strata/Workload/v1')));
  writeFileSync(join(dir, 'software.yaml'), dumpYamlStream(docs.filter((d) => d.schema.startsWith('armada/') || d.schema === 'strata/Workload/v1')));
  const put = await strata(['site', 'configdocs', 'put', 'site', join(dir, 'machines.yaml'), join(dir, 'software.yaml'), '--buffer-mode', 'replace'], { env: s.env });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(put.code, 0, put.stderr);
  assert.match(put.stdout, /collection site added to the buffer/);
  const missing = await strata(['site', 'configdocs', 'put', 'site', '/nonexistent.yaml'], { env: s.env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent.yaml: ENOENT/);
  const cliStatus = await strata(['site', 'configdocs', 'status'], { env: s.env });
  assert.match(cliStatus.stdout, /site\s+0\s+\d+\s+created/);
  const cliDry = await strata(['site', 'commit', '--dryrun'], { env: s.env });
  assert.equal(cliDry.code, 0, cliDry.stderr);
  const status = (await call('GET', `${SY}/configdocs`)).body;
  assert.deepEqual(status.map((c: any) => [c.collection_name, c.new_version, c.new_status]), [['site', 'buffer', 'created']]);
  const buffer = await call('GET', `${SY}/configdocs/site?version=buffer`);
  assert.match(buffer.type, /application\/x-yaml/);
  assert.match(buffer.text, /schema: drydock\/BaremetalNode\/v1/);
  const dry = await call('POST', `${SY}/commitconfigdocs?dryrun=true`);
  assert.equal(dry.status, 200);
  assert.match(dry.body.message, /dryrun: nothing committed/);
  assert.equal((await call('GET', `${SY}/configdocs/site?version=committed`)).status, 404);
  assert.equal((await call('POST', `${SY}/commitconfigdocs`)).status, 200);
  const rendered = await call('GET', `${SY}/renderedconfigdocs?version=committed`);
  assert.equal(rendered.status, 200);
  assert.match(rendered.text, /release_prefix: lab/);

  const plan = await call('POST', `${SY}/actions?dryrun=true`, { body: { name: 'deploy_site' } });
  assert.equal(plan.status, 200);
  assert.equal(plan.body.dryrun, true);
  assert.deepEqual(plan.body.plan.nodes.map((n: any) => n.action), ['enroll', 'enroll', 'enroll']);
  assert.match(plan.body.table, /node\s+node-0\s+enroll\s+not enrolled/);
  assert.deepEqual((await call('GET', `${SY}/actions`)).body, [], 'a dry run creates no action');

  const a = await call('POST', `${SY}/actions`, { body: { name: 'deploy_site' } });
  assert.equal(a.status, 201);
  assert.equal(a.body.id.length, 26, 'a ULID');
  const v = await call('GET', `${SY}/actions/${a.body.id}/validationdetails/site-design`);
  assert.equal(v.body.status, 'Success');
  assert.equal((await call('GET', `${SY}/actions/${a.body.id}/validations/other`)).status, 404);
  const deadline = Date.now() + 60_000;
  while ((await call('GET', `${SY}/actions/${a.body.id}`)).body.action_lifecycle !== 'Complete') {
    assert.ok(Date.now() < deadline, 'deploy_site of fake nodes completes');
    await new Promise((r) => setTimeout(r, 250));
  }
  const refused = await call('POST', `${SY}/actions/${a.body.id}/control/pause`);
  assert.equal(refused.status, 409);
  assert.match(refused.body.message, /is Complete: it cannot be paused/);
  assert.equal((await call('POST', `${SY}/actions/${a.body.id}/control/rewind`)).status, 400);

  const statuses = (await call('GET', `${SY}/site_statuses`)).body;
  assert.deepEqual(statuses['nodes-provision-status'].map((n: any) => n.status), ['active', 'active', 'active']);
  assert.deepEqual(statuses['machines-power-state'].map((n: any) => n.power_state), ['On', 'On', 'On']);
  assert.deepEqual(Object.keys((await call('GET', `${SY}/site_statuses?filters=machines-power-state`)).body), ['machines-power-state']);
  assert.equal((await call('GET', `${SY}/site_statuses?filters=everything`)).status, 400);
  const tags = (await call('GET', `/deckhand/api/v1.0/revisions/${a.body.committed_rev_id}/tags`, { })).text;
  assert.match(tags, /committed/);
  assert.match(tags, /site-action-success/);
});
