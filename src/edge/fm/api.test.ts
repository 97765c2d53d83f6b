/**
 * The fault manager through its /fm/v1 API, in process (the real composition
 * root with the fm module, on SQLite and PostgreSQL): raise/clear through the
 * service other modules use, StarlingX's shapes, queries, summary,
 * suppression (hides from lists, never from the event log), the event log's
 * paging, delete, metrics, task alarms, errors in wsme's form, and roles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faults, serverConfig, silentLogger, FM_SERVICE, type FaultReporter } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { startServer, type RunningServer } from '../../server.js';
import { fmModule } from './index.js';
import { summarize } from './fault-manager.js';

let server: RunningServer;
let dir: string;
let admin: string;
let reader: string;
let fm: FaultReporter;

async function call(method: string, path: string, opts: { body?: unknown; token?: string | null } = {}) {
  const token = opts.token === undefined ? admin : opts.token;
  const res = await server.app.inject({
    method: method as 'GET',
    url: `/fm${path}`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    payload: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

const faultstring = (body: any) => JSON.parse(body.error_message).faultstring as string;

const stores = storesUnderTest();
after(() => stores.close());

test('summary status: critical beats major beats the rest', () => {
  assert.deepEqual(summarize([]), { critical: 0, major: 0, minor: 0, warnings: 0, status: 'OK' });
  assert.equal(summarize(['minor', 'warning']).status, 'OK');
  assert.equal(summarize(['major', 'minor']).status, 'degraded');
  assert.deepEqual(summarize(['critical', 'major', 'warning', 'warning']), { critical: 1, major: 1, minor: 0, warnings: 2, status: 'critical' });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the /fm/v1 API on ${kind}`, () => {
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'strata-fm-'));
      const database = kind === 'postgres' ? await stores.postgresUrl() : undefined;
      server = await startServer(serverConfig({ listen: '127.0.0.1:0', data: dir, database, logLevel: 'silent' }), { modules: [fmModule], log: silentLogger() });
      admin = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
      reader = (await server.app.inject({ method: 'POST', url: '/auth/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { role: 'reader', project: 'p1' } })).json().token;
      // What a module holds: core's reporter, finding the fm service by name.
      fm = faults(server.services);
    });
    after(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('raise shows the alarm with StarlingX fields; raising again changes nothing; clear removes it and both are logged', async () => {
      await fm.raise({ alarmId: '200.010', entityInstanceId: 'host=node-3' });
      await fm.raise({ alarmId: '200.010', entityInstanceId: 'host=node-3' });
      const { status, body } = await call('GET', '/v1/alarms');
      assert.equal(status, 200);
      assert.equal(body.alarms.length, 1);
      const a = body.alarms[0];
      assert.equal(a.alarm_id, '200.010');
      assert.equal(a.alarm_state, 'set');
      assert.equal(a.entity_type_id, 'host');
      assert.equal(a.entity_instance_id, 'host=node-3');
      assert.equal(a.severity, 'warning');
      assert.equal(a.reason_text, 'node-3 access to board management module has failed.');
      assert.equal(a.alarm_type, 'operational');
      assert.equal(a.probable_cause, 'communication-subsystem-failure');
      assert.match(a.proposed_repair_action, /BMC/);
      assert.equal(a.service_affecting, 'False');
      assert.equal(a.suppression, 'True');
      assert.equal(a.suppression_status, 'unsuppressed');
      assert.match(a.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00$/);
      assert.match(a.links[0].href, new RegExp(`/fm/v1/alarms/${a.uuid}$`));
      const one = await call('GET', `/v1/alarms/${a.uuid}`);
      assert.equal(one.body.uuid, a.uuid);

      await fm.raise({ alarmId: '200.010', entityInstanceId: 'host=node-3', severity: 'major', reasonText: 'node-3: BMC timed out' });
      const updated = (await call('GET', `/v1/alarms/${a.uuid}`)).body;
      assert.equal(updated.severity, 'major', 'a change of severity updates the same alarm');
      assert.equal(updated.reason_text, 'node-3: BMC timed out');

      await fm.clear('200.010', 'host=node-3');
      await fm.clear('200.010', 'host=node-3');
      assert.equal((await call('GET', '/v1/alarms')).body.alarms.length, 0);
      assert.equal((await call('GET', `/v1/alarms/${a.uuid}`)).status, 404);
      const log = (await call('GET', '/v1/event_log?q.field=entity_instance_id&q.op=eq&q.value=host%3Dnode-3')).body.event_log;
      assert.deepEqual(log.map((e: any) => e.state), ['clear', 'set', 'set'], 'newest first: the clear, the update, the first set; the repeat logged nothing');
      assert.equal(log[0].event_log_id, '200.010');
      assert.equal(log[0].event_log_type, 'operational');
    });

    test('queries, summary, and the reader role', async () => {
      await fm.raise({ alarmId: '280.001', entityInstanceId: 'subcloud=site-1' });
      await fm.raise({ alarmId: '200.011', entityInstanceId: 'host=node-1' });
      await fm.raise({ alarmId: '200.011', entityInstanceId: 'host=node-2', severity: 'minor' });
      const bySeverity = (await call('GET', '/v1/alarms?q.field=severity&q.op=eq&q.type=&q.value=critical', { token: reader })).body.alarms;
      assert.deepEqual(bySeverity.map((a: any) => a.entity_instance_id), ['subcloud=site-1']);
      assert.equal(bySeverity[0].reason_text, 'Subcloud site-1 is offline.');
      const byId = (await call('GET', '/v1/alarms?alarm_id=200.011')).body.alarms;
      assert.equal(byId.length, 2, 'a plain field=value works as well');
      const byType = (await call('GET', '/v1/alarms?q.field=alarm_type&q.value=communication')).body.alarms;
      assert.deepEqual(byType.map((a: any) => a.alarm_id), ['280.001']);
      assert.deepEqual((await call('GET', '/v1/alarms/summary', { token: reader })).body, { critical: 1, major: 1, minor: 1, warnings: 0, status: 'critical' });

      const metrics = await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${admin}` } });
      assert.match(metrics.body, /strata_fm_active_alarms\{severity="critical"\} 1/);
      assert.match(metrics.body, /strata_fm_active_alarms\{severity="minor"\} 1/);

      const denied = await call('DELETE', `/v1/alarms/${byId[0].uuid}`, { token: reader });
      assert.equal(denied.status, 403);
      for (const e of ['subcloud=site-1', 'host=node-1', 'host=node-2']) await fm.clear(e.startsWith('subcloud') ? '280.001' : '200.011', e);
      assert.equal((await call('GET', '/v1/alarms/summary')).body.status, 'OK');
    });

    test('suppression hides an alarm from lists and the summary, not from the event log; non-suppressible ids refuse', async () => {
      await fm.raise({ alarmId: '600.002', entityInstanceId: 'sandbox=sb-1' });
      const { event_suppression } = (await call('GET', '/v1/event_suppression')).body;
      const row = event_suppression.find((s: any) => s.alarm_id === '600.002');
      assert.equal(row.suppression_status, 'unsuppressed');
      assert.match(row.description, /Sandbox <entity> was lost/);
      const patched = await call('PATCH', `/v1/event_suppression/${row.uuid}`, { body: [{ op: 'replace', path: '/suppression_status', value: 'suppressed' }] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.suppression_status, 'suppressed');

      assert.equal((await call('GET', '/v1/alarms')).body.alarms.length, 0);
      assert.equal((await call('GET', '/v1/alarms/summary')).body.major, 0);
      const all = (await call('GET', '/v1/alarms?include_suppress=true')).body.alarms;
      assert.equal(all.length, 1);
      assert.equal(all[0].suppression_status, 'suppressed');
      assert.equal((await call('GET', '/v1/alarms/summary?include_suppress=True')).body.major, 1);
      // Raised while suppressed: still recorded.
      await fm.raise({ alarmId: '600.002', entityInstanceId: 'sandbox=sb-2' });
      const events = (await call('GET', '/v1/event_log?q.field=event_log_id&q.value=600.002')).body.event_log;
      assert.equal(events.length, 2);
      assert.equal(events[0].entity_instance_id, 'sandbox=sb-2');
      assert.equal(events[0].suppression_status, 'suppressed');

      const offline = event_suppression.find((s: any) => s.alarm_id === '280.001');
      const refused = await call('PATCH', `/v1/event_suppression/${offline.uuid}`, { body: [{ op: 'replace', path: '/suppression_status', value: 'suppressed' }] });
      assert.equal(refused.status, 400);
      assert.match(faultstring(refused.body), /280.001 cannot be suppressed/);

      await call('PATCH', `/v1/event_suppression/${row.uuid}`, { body: [{ op: 'replace', path: '/suppression_status', value: 'unsuppressed' }] });
      assert.equal((await call('GET', '/v1/alarms')).body.alarms.length, 2);
      // Delete (admins): gone, and logged as a clear.
      for (const a of (await call('GET', '/v1/alarms')).body.alarms) assert.equal((await call('DELETE', `/v1/alarms/${a.uuid}`)).status, 204);
      assert.equal((await call('GET', '/v1/alarms')).body.alarms.length, 0);
      assert.equal((await call('GET', '/v1/event_log?event_log_id=600.002&limit=1')).body.event_log[0].state, 'clear');
    });

    test('event log: logs, alarms-only, time range, paging with next', async () => {
      await fm.log({ alarmId: '200.011', entityInstanceId: 'host=node-9', reasonText: 'a customer log' });
      const logs = (await call('GET', '/v1/event_log?logs=true')).body.event_log;
      assert.ok(logs.length >= 1 && logs.every((e: any) => e.state === 'log'));
      const alarms = (await call('GET', '/v1/event_log?alarms=true')).body.event_log;
      assert.ok(alarms.length >= 1 && alarms.every((e: any) => e.state !== 'log'));
      const first = await call('GET', '/v1/event_log?limit=2');
      assert.equal(first.body.event_log.length, 2);
      assert.match(first.body.next, /marker=/);
      const next = new URL(first.body.next);
      const second = (await call('GET', `${next.pathname.replace(/^\/fm/, '')}${next.search}`)).body.event_log;
      assert.notEqual(second[0].uuid, first.body.event_log[1].uuid);
      const future = new Date(Date.now() + 3600_000).toISOString().slice(0, 19);
      assert.equal((await call('GET', `/v1/event_log?q.field=start&q.op=ge&q.value=${future}`)).body.event_log.length, 0);
      const one = (await call('GET', `/v1/event_log/${logs[0].uuid}`)).body;
      assert.equal(one.reason_text, 'a customer log');
    });

    test('a task failing past its retries raises 600.003; a later success of the same kind and subject clears it', async () => {
      server_tasks().register('fm.test', { run: async ({ task }) => { if ((task.payload as any).fail) throw new Error('boom'); return 'ok'; } });
      const t = await server_tasks().enqueue({ kind: 'fm.test', subject: 'thing-1', payload: { fail: true }, maxAttempts: 1 });
      await server_tasks().wait(t.id);
      await waitFor(async () => (await call('GET', '/v1/alarms?alarm_id=600.003')).body.alarms.length === 1);
      const a = (await call('GET', '/v1/alarms?alarm_id=600.003')).body.alarms[0];
      assert.equal(a.entity_instance_id, 'task=fm_test.subject=thing-1');
      assert.match(a.reason_text, /failed after 1 attempt\(s\): boom/);
      const ok = await server_tasks().enqueue({ kind: 'fm.test', subject: 'thing-1', payload: { fail: false } });
      await server_tasks().wait(ok.id);
      await waitFor(async () => (await call('GET', '/v1/alarms?alarm_id=600.003')).body.alarms.length === 0);
    });

    test('bad input gets a clear 4xx in wsme form, never a 500', async () => {
      const cases: [string, string, unknown, RegExp][] = [
        ['GET', '/v1/alarms?q.field=nope&q.value=1', undefined, /q.field nope is not supported/],
        ['GET', '/v1/alarms?q.field=severity&q.op=gt&q.value=1', undefined, /q.op gt is not supported/],
        ['GET', '/v1/alarms?q.field=severity', undefined, /in pairs/],
        ['GET', '/v1/alarms?include_suppress=maybe', undefined, /include_suppress must be true or false/],
        ['GET', '/v1/alarms/not-a-uuid', undefined, /uuid/],
        ['GET', '/v1/event_log?limit=0', undefined, /limit must be/],
        ['GET', '/v1/event_log?q.field=start&q.op=ge&q.value=yesterday', undefined, /ISO 8601/],
        ['PATCH', '/v1/event_suppression/00000000-0000-0000-0000-000000000000', [{ op: 'replace', path: '/suppression_status', value: 'suppressed' }], /could not be found/],
        ['PATCH', '/v1/event_suppression/00000000-0000-0000-0000-000000000000', [{ op: 'add', path: '/x', value: 1 }], /./],
        ['GET', '/v1/nothing', undefined, /could not be found/],
      ];
      for (const [method, path, body, reason] of cases) {
        const res = await call(method, path, { body });
        assert.ok(res.status >= 400 && res.status < 500, `${method} ${path}: ${res.status}`);
        assert.match(faultstring(res.body), reason, `${method} ${path}`);
      }
      assert.equal((await call('GET', '/v1/alarms', { token: null })).status, 401);
      await assert.rejects(() => server_fm().raise({ alarmId: '999.999', entityInstanceId: 'host=x' }), /not in the alarm catalog/);
      await assert.rejects(() => server_fm().raise({ alarmId: '200.010', entityInstanceId: 'host node' }), /entity_instance_id/);
      const root = await call('GET', '/', { token: null });
      assert.equal(root.body.default_version.id, 'v1');
    });
  });
}

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function server_fm(): FaultReporter {
  return server.services.get<FaultReporter>(FM_SERVICE);
}
function server_tasks() {
  return server.tasks;
}
