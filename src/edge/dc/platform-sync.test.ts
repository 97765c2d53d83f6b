/**
 * The `platform` endpoint type in process: a controller and two
 * subclouds, each a real composition root with its own store. The
 * controller's newest revision tagged `fleet` reaches the managed
 * subcloud's `fleet` bucket and never the unmanaged one's (out-of-sync,
 * 280.002); syncing again writes nothing; a local change on a managed
 * subcloud is found by the next audit and repaired; the unmanaged one is
 * repaired once managed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call as callSite, fleetOf, until, type CallOptions, type Site } from '../testing/index.js';
import { fmModule } from '../fm/index.js';
import { siteModule } from '../../site/index.js';
import { edgeModule } from '../index.js';
import type { Auditor } from './auditor.js';

const fleet = fleetOf('platform', [fmModule, siteModule, edgeModule]);
const site = fleet.site;
const call = (s: Site, method: string, url: string, body?: unknown, opts: CallOptions = {}) => callSite(s, method, url, body, { accept: 'application/json', ...opts });

const docs = (servers: string) => `---
schema: deckhand/LayeringPolicy/v1
metadata: {schema: metadata/Control/v1, name: layering-policy}
data: {layerOrder: [site]}
---
schema: example/Ntp/v1
metadata: {schema: metadata/Document/v1, name: ntp, storagePolicy: cleartext, layeringDefinition: {layer: site}}
data: {servers: [${servers}]}
`;

describe('platform sync (fleet-tagged site revisions)', () => {
  let ctl: Site;
  let a: Site;
  let b: Site;
  const cycle = () => ctl.server.services.get<Auditor>('edge.auditor').cycle();
  const platform = async (name: string) => ((await call(ctl, 'GET', `/dcmanager/v1.0/subclouds/${name}`)).body.endpoint_sync_status as any[]).find((e) => e.endpoint_type === 'platform')?.sync_status;
  const fleetNtp = async (s: Site) => {
    const revs = (await call(s, 'GET', '/deckhand/api/v1.0/revisions')).body.results as { id: number }[];
    if (revs.length === 0) return undefined;
    const latest = Math.max(...revs.map((r) => r.id));
    const list = (await call(s, 'GET', `/deckhand/api/v1.0/revisions/${latest}/documents?status.bucket=fleet&schema=example/Ntp/v1`)).body as any[];
    return list[0]?.data?.servers as string[] | undefined;
  };
  const revisionCount = async (s: Site) => ((await call(s, 'GET', '/deckhand/api/v1.0/revisions')).body.results as unknown[]).length;
  const syncAlarms = async () => ((await call(ctl, 'GET', '/fm/v1/alarms?alarm_id=280.002')).body.alarms as any[]).map((x) => x.entity_instance_id).sort();
  const settle = async () => {
    // Twice: the first may join a cycle a PATCH started before the last change.
    await cycle();
    await cycle();
    await until('syncs done', async () => ((await ctl.server.tasks.tasks.list({ kind: 'edge.sync', state: 'pending' })).length + (await ctl.server.tasks.tasks.list({ kind: 'edge.sync', state: 'running' })).length) === 0);
    await cycle();
  };

  before(async () => {
    ctl = await site('controller');
    a = await site('subcloud');
    b = await site('subcloud');
    for (const [name, s] of [['sca', a], ['scb', b]] as const) {
      assert.equal((await call(ctl, 'POST', '/dcmanager/v1.0/subclouds', { name, endpoint: `http://127.0.0.1:${s.port}`, token: s.admin })).status, 200);
    }
    assert.equal((await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/sca', { 'management-state': 'managed' })).status, 200);
    await settle();
  });

  after(async () => {
    await fleet.close();
  });

  test('no fleet revision: both in sync with nothing written', async () => {
    assert.equal(await platform('sca'), 'in-sync');
    assert.equal(await platform('scb'), 'in-sync');
    assert.equal(await revisionCount(a), 0);
  });

  test('a revision tagged fleet reaches the managed subcloud only; a second sync writes nothing', async () => {
    assert.equal((await call(ctl, 'PUT', '/deckhand/api/v1.0/buckets/global/documents', docs('10.0.0.1'), { type: 'application/x-yaml' })).status, 200);
    await settle();
    assert.equal(await platform('sca'), 'in-sync', 'untagged revisions are not the fleet\'s');
    assert.equal((await call(ctl, 'POST', '/deckhand/api/v1.0/revisions/1/tags/fleet')).status, 201);
    await settle();
    assert.deepEqual(await fleetNtp(a), ['10.0.0.1']);
    assert.equal(await platform('sca'), 'in-sync');
    assert.equal(await fleetNtp(b), undefined, 'the unmanaged subcloud is never written to');
    assert.equal(await platform('scb'), 'out-of-sync');
    assert.deepEqual(await syncAlarms(), ['subcloud=scb.resource=identity', 'subcloud=scb.resource=platform'], 'unmanaged: never synced at all');
    const before = await revisionCount(a);
    // The same documents once more (as a resumed task would send them): no new revision.
    const again = await fetch(`http://127.0.0.1:${a.port}/edge/v1/site/revision`, {
      method: 'PUT', headers: { authorization: `Bearer ${a.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ controller_revision: 1, mode: 'store', documents: (await call(ctl, 'GET', '/deckhand/api/v1.0/revisions/1/documents')).body.map((d: any) => ({ schema: d.schema, metadata: d.metadata, data: d.data })) }),
    });
    assert.equal(again.status, 200, await again.clone().text());
    assert.equal(((await again.json()) as any).created, false);
    assert.equal(await revisionCount(a), before);
  });

  test('local drift on a managed subcloud is found and repaired; the unmanaged one once managed', async () => {
    assert.equal((await call(a, 'PUT', '/deckhand/api/v1.0/buckets/fleet/documents', docs('192.0.2.66'), { type: 'application/x-yaml' })).status, 200);
    assert.deepEqual(await fleetNtp(a), ['192.0.2.66']);
    await settle();
    assert.deepEqual(await fleetNtp(a), ['10.0.0.1'], 'repaired by the sync');
    assert.equal(await platform('sca'), 'in-sync');
    const events = (await call(ctl, 'GET', '/fm/v1/event_log?alarms=true')).body.event_log as any[];
    assert.ok(events.some((e) => e.event_log_id === '280.002' && e.entity_instance_id === 'subcloud=sca.resource=platform' && e.state === 'set'), 'the drift was an alarm');
    assert.equal((await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/scb', { 'management-state': 'managed' })).status, 200);
    await settle();
    assert.deepEqual(await fleetNtp(b), ['10.0.0.1']);
    assert.equal(await platform('scb'), 'in-sync');
    assert.deepEqual(await syncAlarms(), []);
  });
});
