/**
 * sw-update-strategy in process: a controller and three subclouds, each a
 * real composition root with its own store on loopback. A site revision
 * tagged `fleet` on the controller is applied on every managed subcloud,
 * in parallel up to max-parallel-subclouds; dcmanager's shapes; one
 * strategy at a time; bad input; stop-on-failure with a subcloud that is
 * gone (its step failed, the rest untouched). The multi-process version
 * with a SIGKILLed controller and an abort is test/e2e/edge-strategy.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, fleetOf, until, type Site } from '../testing/index.js';
import { fmModule } from '../fm/index.js';
import { siteModule } from '../../site/index.js';
import { edgeModule } from '../index.js';
import type { Auditor } from './auditor.js';

const fleet = fleetOf('strategy', [fmModule, siteModule, edgeModule]);
const site = fleet.site;

const DOCS = `---
schema: deckhand/LayeringPolicy/v1
metadata:
  schema: metadata/Control/v1
  name: layering-policy
data:
  layerOrder: [site]
---
schema: example/Fleet/v1
metadata:
  schema: metadata/Document/v1
  name: ntp
  storagePolicy: cleartext
  layeringDefinition: {layer: site}
data:
  servers: [10.0.0.1]
`;

describe('sw-update-strategy (site revision)', () => {
  let ctl: Site;
  const subs: Site[] = [];
  const S = '/dcmanager/v1.0/sw-update-strategy';
  const fleetRevisions = async (s: Site) => {
    const list = (await call(s, 'GET', '/deckhand/api/v1.0/revisions', undefined)).body as string;
    return list;
  };
  const appliedOn = async (s: Site) => {
    const r = await s.server.app.inject({ method: 'GET', url: '/deckhand/api/v1.0/revisions?tag=fleet-applied', headers: { authorization: `Bearer ${s.admin}`, accept: 'application/json' } });
    return r.json() as { count: number; results: { id: number; buckets: string[] }[] };
  };

  before(async () => {
    ctl = await site('controller');
    for (let i = 0; i < 3; i++) subs.push(await site('subcloud'));
    for (const [i, s] of subs.entries()) {
      assert.equal((await call(ctl, 'POST', '/dcmanager/v1.0/subclouds', { name: `sc${i + 1}`, endpoint: `http://127.0.0.1:${s.port}`, token: s.admin })).status, 200);
      assert.equal((await call(ctl, 'PATCH', `/dcmanager/v1.0/subclouds/sc${i + 1}`, { 'management-state': 'managed' })).status, 200);
    }
    await until('online', async () => {
      await ctl.server.services.get<Auditor>('edge.auditor').cycle();
      const list = (await call(ctl, 'GET', '/dcmanager/v1.0/subclouds')).body.subclouds as any[];
      return list.every((s) => s['availability-status'] === 'online');
    });
  });

  after(async () => {
    await fleet.close();
  });

  test('bad input and nothing to apply are clear errors', async () => {
    assert.equal((await call(ctl, 'GET', S)).status, 404);
    const noRev = await call(ctl, 'POST', S, { type: 'site-revision' });
    assert.equal(noRev.status, 400);
    assert.match(noRev.body.error_message, /no site revision is tagged ..fleet../);
    const badType = await call(ctl, 'POST', S, { type: 'patch' });
    assert.equal(badType.status, 400);
    assert.match(badType.body.error_message, /type must be one of site-revision, release/);
    assert.equal((await call(ctl, 'POST', S, { type: 'site-revision', 'max-parallel-subclouds': 0 })).status, 400);
    assert.equal((await call(ctl, 'POST', `${S}/actions`, { action: 'apply' })).status, 404);
  });

  test('parallel, max 2: every subcloud gets the fleet revision; shapes as dcmanager', async () => {
    const put = await call(ctl, 'PUT', '/deckhand/api/v1.0/buckets/global/documents', DOCS, { type: 'application/x-yaml' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const untagged = await call(ctl, 'POST', S, { type: 'site-revision', 'extra-args': { revision: 1 } });
    assert.match(untagged.body.error_message, /not tagged ..fleet../);
    assert.equal((await call(ctl, 'POST', '/deckhand/api/v1.0/revisions/1/tags/fleet', undefined)).status, 201);

    const created = await call(ctl, 'POST', S, { type: 'site-revision', 'subcloud-apply-type': 'parallel', 'max-parallel-subclouds': 2, 'stop-on-failure': 'true' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(
      Object.keys(created.body).sort(),
      ['created-at', 'extra-args', 'id', 'max-parallel-subclouds', 'state', 'stop-on-failure', 'subcloud-apply-type', 'subcloud_group', 'type', 'updated-at'],
    );
    assert.equal(created.body.state, 'initial');
    assert.deepEqual(created.body['extra-args'], { revision: 1 });
    assert.equal((await call(ctl, 'POST', S, { type: 'site-revision' })).status, 409, 'one strategy at a time');
    const steps = (await call(ctl, 'GET', `${S}/steps`)).body['strategy-steps'] as any[];
    assert.deepEqual(steps.map((s) => [s.cloud, s.stage, s.state]), [['sc1', 1, 'initial'], ['sc2', 1, 'initial'], ['sc3', 2, 'initial']]);

    const applied = await call(ctl, 'POST', `${S}/actions`, { action: 'apply' });
    assert.equal(applied.body.state, 'applying');
    // Never more than two at once.
    let most = 0;
    await until('complete', async () => {
      const st = ((await call(ctl, 'GET', `${S}/steps`)).body['strategy-steps'] as any[]).filter((s) => s.state === 'applying').length;
      most = Math.max(most, st);
      return (await call(ctl, 'GET', S)).body.state === 'complete';
    });
    assert.ok(most <= 2, `${most} steps ran at once`);
    const done = (await call(ctl, 'GET', `${S}/steps/sc3`)).body;
    assert.equal(done.state, 'complete');
    assert.match(done.details, /revision 1 applied as revision 1 of sc3/);
    assert.ok(done['started-at'] && done['finished-at']);
    for (const s of subs) {
      const a = await appliedOn(s);
      assert.equal(a.count, 1);
      assert.deepEqual(a.results[0]!.buckets, ['fleet']);
    }
    assert.ok(await fleetRevisions(subs[0]!));
    assert.equal((await call(ctl, 'POST', `${S}/actions`, { action: 'abort' })).status, 400, 'a complete strategy cannot be aborted');
    assert.equal((await call(ctl, 'DELETE', S)).body.state, 'deleting');
    assert.equal((await call(ctl, 'GET', S)).status, 404);
  });

  test('serial, stop-on-failure: the unreachable subcloud fails, the others are untouched', async () => {
    // A new fleet revision, and sc1 gone (its server stopped) after the strategy was made.
    const docs2 = DOCS.replace('10.0.0.1', '10.0.0.2');
    assert.equal((await call(ctl, 'PUT', '/deckhand/api/v1.0/buckets/global/documents', docs2, { type: 'application/x-yaml' })).status, 200);
    assert.equal((await call(ctl, 'POST', '/deckhand/api/v1.0/revisions/2/tags/fleet', undefined)).status, 201);
    const created = await call(ctl, 'POST', S, { type: 'site-revision', 'subcloud-apply-type': 'serial', 'stop-on-failure': true });
    assert.deepEqual(created.body['extra-args'], { revision: 2 });
    await subs[0]!.server.close();
    await call(ctl, 'POST', `${S}/actions`, { action: 'apply' });
    await until('failed', async () => (await call(ctl, 'GET', S)).body.state === 'failed', 30_000);
    const steps = (await call(ctl, 'GET', `${S}/steps`)).body['strategy-steps'] as any[];
    assert.deepEqual(steps.map((s) => [s.cloud, s.state]), [['sc1', 'failed'], ['sc2', 'aborted'], ['sc3', 'aborted']]);
    assert.match(steps[0].details, /ECONNREFUSED|gave up/);
    assert.match(steps[1].details, /stop-on-failure/);
    for (const s of subs.slice(1)) assert.equal((await appliedOn(s)).count, 1, 'still only the first revision');
  });

  test('release: bad extra-args refused; a subcloud that cannot hand over fails its step at once', async () => {
    await call(ctl, 'DELETE', S);
    const rel = await call(ctl, 'POST', S, { type: 'release', 'extra-args': { release: 'relative/dir' } });
    assert.equal(rel.status, 400);
    assert.match(rel.body.error_message, /absolute directory/);
    assert.equal((await call(ctl, 'POST', S, { type: 'release' })).status, 400);
    // In process there is no `strata server` to hand over: the subcloud refuses (409), no retries.
    const created = await call(ctl, 'POST', S, { type: 'release', cloud_name: 'sc2', 'extra-args': { release: '/opt/strata/releases/b' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await call(ctl, 'POST', `${S}/actions`, { action: 'apply' });
    await until('failed', async () => (await call(ctl, 'GET', S)).body.state === 'failed');
    const step = (await call(ctl, 'GET', `${S}/steps/sc2`)).body;
    assert.equal(step.state, 'failed');
    assert.match(step.details, /409 this server cannot hand over/);
  });
});
