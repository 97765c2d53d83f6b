/**
 * A system controller and three subclouds, each a real composition root
 * with its own store, on loopback (the multi-process, network-namespace
 * version is test/e2e/edge-fleet.test.ts): dcmanager's API and shapes, add
 * with a sealed token, manage/unmanage, audits driving online/offline with
 * 280.001 after two missed audits, identity sync to managed subclouds only,
 * drift found (280.002) and repaired once managed, groups, alarm summary,
 * and bad input.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, fleetOf, until, type Site } from '../testing/index.js';
import { fmModule } from '../fm/index.js';
import { edgeModule } from '../index.js';
import { auditStep, type AuditedState } from './audit-step.js';
import type { Auditor } from './auditor.js';

const fleet = fleetOf('edge', [fmModule, edgeModule]);
const site = fleet.site;

const base: AuditedState = { name: 'sc', availability: 'online', management: 'managed', missedAudits: 0, endpointSync: { identity: 'in-sync' }, softwareVersion: '1', alarmSummary: null, lastError: null };

describe('audit step (pure)', () => {
  test('one missed audit changes nothing visible; the second makes it offline and raises 280.001; an answer clears it', () => {
    const one = auditStep(base, { ok: false, error: 'timeout' }, { identity: 'd' });
    assert.equal(one.next.availability, 'online');
    assert.deepEqual(one.alarms, []);
    const two = auditStep(one.next, { ok: false, error: 'timeout' }, { identity: 'd' });
    assert.equal(two.next.availability, 'offline');
    assert.deepEqual(two.alarms.map((a) => `${a.op} ${a.alarmId} ${a.entityInstanceId}`), ['raise 280.001 subcloud=sc']);
    assert.equal(two.next.endpointSync.identity, 'unknown');
    const three = auditStep(two.next, { ok: false, error: 'timeout' }, { identity: 'd' });
    assert.deepEqual(three.alarms, [], 'raised once');
    const back = auditStep(three.next, { ok: true, version: '1', alarms: null, digests: { identity: 'd' } }, { identity: 'd' });
    assert.equal(back.next.availability, 'online');
    assert.deepEqual(back.alarms.map((a) => `${a.op} ${a.alarmId}`), ['clear 280.001', 'clear 280.002']);
  });

  test('drift: out of sync raises 280.002 once; managed subclouds get a sync, unmanaged ones never', () => {
    const managed = auditStep(base, { ok: true, version: '1', alarms: null, digests: { identity: 'x' } }, { identity: 'd' });
    assert.deepEqual(managed.sync, ['identity']);
    assert.deepEqual(managed.alarms.map((a) => `${a.op} ${a.alarmId} ${a.entityInstanceId}`), ['raise 280.002 subcloud=sc.resource=identity']);
    const again = auditStep(managed.next, { ok: true, version: '1', alarms: null, digests: { identity: 'x' } }, { identity: 'd' });
    assert.deepEqual(again.alarms, []);
    assert.deepEqual(again.sync, ['identity'], 'still asks (the task id dedupes)');
    const unmanaged = auditStep({ ...base, management: 'unmanaged' }, { ok: true, version: '1', alarms: null, digests: { identity: 'x' } }, { identity: 'd' });
    assert.deepEqual(unmanaged.sync, []);
    assert.equal(unmanaged.next.endpointSync.identity, 'out-of-sync');
  });
});

describe('a controller and three subclouds', () => {
  let ctl: Site;
  const subs: Site[] = [];
  const auditor = () => ctl.server.services.get<Auditor>('edge.auditor');
  const sc = async (name: string) => (await call(ctl, 'GET', `/dcmanager/v1.0/subclouds/${name}`)).body;
  const alarms = async (id: string) => (await call(ctl, 'GET', `/fm/v1/alarms?alarm_id=${id}`)).body.alarms as any[];
  const settle = async () => {
    // Twice: the first may join a cycle a PATCH started before the last change.
    await auditor().cycle();
    await auditor().cycle();
    // Let the sync tasks the cycle queued run, then audit again to see their effect.
    await until('syncs done', async () => (await ctl.server.store.db.selectFrom('tasks').select('id').where('kind', '=', 'edge.sync').where('state', 'in', ['pending', 'running']).execute()).length === 0);
    await auditor().cycle();
  };

  before(async () => {
    ctl = await site('controller');
    for (let i = 0; i < 3; i++) subs.push(await site('subcloud'));
  });
  after(async () => {
    await fleet.close();
  });

  test('add (token sealed, never shown), list, show; a plain server has no dcmanager API', async () => {
    for (const [i, s] of subs.entries()) {
      const r = await call(ctl, 'POST', '/dcmanager/v1.0/subclouds', { name: `subcloud${i + 1}`, endpoint: `http://127.0.0.1:${s.port}`, token: s.admin, description: `site ${i + 1}`, location: 'YOW' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body['management-state'], 'unmanaged');
      assert.equal(r.body['deploy-status'], 'complete');
      assert.equal(JSON.stringify(r.body).includes(s.admin), false, 'the token is never shown');
    }
    const raw = await ctl.server.store.db.selectFrom('edge_subclouds').select('token_sealed').execute();
    assert.ok(raw.every((r: any, i: number) => !r.token_sealed.includes(subs[i]!.admin)), 'sealed at rest');
    const list = (await call(ctl, 'GET', '/dcmanager/v1.0/subclouds')).body.subclouds;
    assert.deepEqual(list.map((s: any) => s.name), ['subcloud1', 'subcloud2', 'subcloud3']);
    assert.equal((await call(subs[0]!, 'GET', '/dcmanager/v1.0/subclouds')).status, 404);
    const dup = await call(ctl, 'POST', '/dcmanager/v1.0/subclouds', { name: 'subcloud1', endpoint: 'http://127.0.0.1:1', token: 'x' });
    assert.equal(dup.status, 409);
  });

  test('managed, they go online and in-sync: the controller\'s tokens work on every subcloud', async () => {
    for (const n of ['subcloud1', 'subcloud2', 'subcloud3']) {
      const r = await call(ctl, 'PATCH', `/dcmanager/v1.0/subclouds/${n}`, { 'management-state': 'managed' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body['management-state'], 'managed');
    }
    await settle();
    for (const n of ['subcloud1', 'subcloud2', 'subcloud3']) {
      const s = await sc(n);
      assert.equal(s['availability-status'], 'online', n);
      assert.equal(s.sync_status, 'in-sync', n);
      assert.deepEqual(s.endpoint_sync_status, [{ sync_status: 'in-sync', endpoint_type: 'identity' }]);
      assert.ok(s['software-version']);
    }
    for (const s of subs) assert.equal((await call(s, 'GET', '/auth/v1/whoami', undefined, { token: ctl.admin })).status, 200, "the controller's admin token works there");
    const summary = (await call(ctl, 'GET', '/dcmanager/v1.0/alarms')).body.alarm_summary;
    assert.deepEqual(summary.map((a: any) => [a.region_name, a.cloud_status, a.critical_alarms]), [['subcloud1', 'OK', 0], ['subcloud2', 'OK', 0], ['subcloud3', 'OK', 0]]);
  });

  test('a subcloud that stops answering is offline after two missed audits (280.001), and online again when it returns', async () => {
    await subs[1]!.server.close();
    await auditor().cycle();
    assert.equal((await sc('subcloud2'))['availability-status'], 'online', 'one missed audit is not enough');
    await auditor().cycle();
    const s = await sc('subcloud2');
    assert.equal(s['availability-status'], 'offline');
    assert.equal(s.sync_status, 'unknown');
    assert.match(s.error_description, /ECONNREFUSED/);
    const a = (await alarms('280.001'))[0];
    assert.equal(a.entity_instance_id, 'subcloud=subcloud2');
    assert.equal(a.severity, 'critical');
    assert.equal((await call(ctl, 'GET', '/dcmanager/v1.0/alarms')).body.alarm_summary[1].cloud_status, 'disabled');

    // Alone, the subcloud keeps working: its own store and tokens (a new local token, say).
    subs[1] = await site('subcloud', subs[1]);
    const local = await call(subs[1]!, 'POST', '/auth/v1/tokens', { role: 'member', project: 'local' });
    assert.equal(local.status, 201);
    await settle();
    assert.equal((await sc('subcloud2'))['availability-status'], 'online');
    assert.equal((await sc('subcloud2')).sync_status, 'in-sync', 'its local tokens are its own');
    assert.equal((await alarms('280.001')).length, 0);
  });

  test('tokens changed on the controller reach managed subclouds only; local drift is reported (280.002) and repaired once managed', async () => {
    assert.equal((await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/subcloud3', { 'management-state': 'unmanaged' })).status, 200);
    const created = await call(ctl, 'POST', '/auth/v1/tokens', { role: 'reader', project: 'fleet', name: 'fleet reader' });
    assert.equal(created.status, 201);
    await settle();
    for (const i of [0, 1]) assert.equal((await call(subs[i]!, 'GET', '/auth/v1/whoami', undefined, { token: created.body.token })).status, 200, `subcloud${i + 1} got the new token`);
    assert.equal((await call(subs[2]!, 'GET', '/auth/v1/whoami', undefined, { token: created.body.token })).status, 401, 'the unmanaged one did not');
    assert.equal((await sc('subcloud3')).sync_status, 'out-of-sync');
    const drift = (await alarms('280.002')).map((a) => a.entity_instance_id);
    assert.deepEqual(drift, ['subcloud=subcloud3.resource=identity']);

    // Someone revokes a synced token on subcloud1 itself: the next audit finds it and, managed, repairs it.
    const synced = (await call(subs[0]!, 'GET', '/auth/v1/tokens')).body.tokens.find((t: any) => t.name === 'fleet reader');
    assert.equal((await call(subs[0]!, 'DELETE', `/auth/v1/tokens/${synced.id}`)).status, 200);
    assert.equal((await call(subs[0]!, 'GET', '/auth/v1/whoami', undefined, { token: created.body.token })).status, 401);
    await settle();
    assert.equal((await sc('subcloud1')).sync_status, 'in-sync');
    assert.equal((await call(subs[0]!, 'GET', '/auth/v1/whoami', undefined, { token: created.body.token })).status, 200, 'repaired');
    const log = (await call(ctl, 'GET', '/fm/v1/event_log?entity_instance_id=subcloud%3Dsubcloud1.resource%3Didentity')).body.event_log.map((e: any) => e.state);
    assert.deepEqual(log.slice(0, 2), ['clear', 'set'], 'the drift was alarmed, then cleared');

    assert.equal((await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/subcloud3', { 'management-state': 'managed' })).status, 200);
    await settle();
    assert.equal((await sc('subcloud3')).sync_status, 'in-sync');
    assert.equal((await call(subs[2]!, 'GET', '/auth/v1/whoami', undefined, { token: created.body.token })).status, 200);
    assert.equal((await alarms('280.002')).length, 0);
  });

  test('subcloud groups: Default exists, create, move, list members, update, delete rules', async () => {
    const groups = (await call(ctl, 'GET', '/dcmanager/v1.0/subcloud-groups')).body.subcloud_groups;
    assert.deepEqual(groups.map((g: any) => [g.id, g.name, g.update_apply_type, g.max_parallel_subclouds]), [[1, 'Default', 'parallel', 2]]);
    const g = (await call(ctl, 'POST', '/dcmanager/v1.0/subcloud-groups', { name: 'east', update_apply_type: 'serial', max_parallel_subclouds: 1 })).body;
    assert.equal(g.name, 'east');
    assert.equal((await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/subcloud1', { group_id: g.id })).body.group_id, g.id);
    assert.deepEqual((await call(ctl, 'GET', `/dcmanager/v1.0/subcloud-groups/east/subclouds`)).body.subclouds.map((s: any) => s.name), ['subcloud1']);
    assert.equal((await call(ctl, 'PATCH', `/dcmanager/v1.0/subcloud-groups/${g.id}`, { max_parallel_subclouds: 5 })).body.max_parallel_subclouds, 5);
    assert.equal((await call(ctl, 'DELETE', `/dcmanager/v1.0/subcloud-groups/${g.id}`)).status, 400, 'not while it has members');
    assert.equal((await call(ctl, 'DELETE', '/dcmanager/v1.0/subcloud-groups/1')).status, 400);
    await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/subcloud1', { group_id: 1 });
    assert.equal((await call(ctl, 'DELETE', `/dcmanager/v1.0/subcloud-groups/${g.id}`)).status, 204);
  });

  test('bad input gets a clear 4xx, never a 500; delete needs unmanaged', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/dcmanager/v1.0/subclouds', { name: 'x', endpoint: 'ftp://h', token: 't' }, 400, /http\(s\) URL/],
      ['POST', '/dcmanager/v1.0/subclouds', { name: 'x', endpoint: 'not a url', token: 't' }, 400, /endpoint must be/],
      ['POST', '/dcmanager/v1.0/subclouds', { name: '9lives', endpoint: 'http://h:1', token: 't' }, 400, /name must start with a letter/],
      ['POST', '/dcmanager/v1.0/subclouds', { name: 'x', endpoint: 'http://h:1', token: 't', group_id: 99 }, 404, /Subcloud Group not found/],
      ['POST', '/dcmanager/v1.0/subclouds', { name: 'x', endpoint: 'http://h:1' }, 400, /token/],
      ['PATCH', '/dcmanager/v1.0/subclouds/subcloud1', { 'management-state': 'managed' }, 400, /already managed/],
      ['PATCH', '/dcmanager/v1.0/subclouds/subcloud1', { 'management-state': 'sort-of' }, 400, /./],
      ['PATCH', '/dcmanager/v1.0/subclouds/nope', { description: 'x' }, 404, /Subcloud not found/],
      ['DELETE', '/dcmanager/v1.0/subclouds/subcloud1', undefined, 400, /unmanage it first/],
      ['POST', '/dcmanager/v1.0/subcloud-groups', { name: 'g', update_apply_type: 'sideways' }, 400, /./],
    ];
    for (const [method, url, body, status, reason] of cases) {
      const r = await call(ctl, method, url, body);
      assert.equal(r.status, status, `${method} ${url} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(JSON.parse(r.body.error_message).faultstring, reason);
    }
    await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/subcloud3', { 'management-state': 'unmanaged' });
    assert.equal((await call(ctl, 'DELETE', '/dcmanager/v1.0/subclouds/subcloud3')).status, 204);
    assert.equal((await call(ctl, 'GET', '/dcmanager/v1.0/subclouds/subcloud3')).status, 404);
  });
});
