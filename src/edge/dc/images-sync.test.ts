/**
 * The `images` endpoint type in process: a controller and two subclouds
 * with the accel module. The controller's bitstream images reach the
 * managed subcloud under the same uuid with the same bytes, never the
 * unmanaged one (out-of-sync, 280.002) until it is managed; a second sync
 * copies nothing; a copy deleted locally is found and restored; an image
 * deleted on the controller goes from the subclouds, and their own images
 * stay.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, fleetOf, until, type Site } from '../testing/index.js';
import { fmModule } from '../fm/index.js';
import { accelModule } from '../../accel/index.js';
import { edgeModule } from '../index.js';
import type { Auditor } from './auditor.js';

const fleet = fleetOf('images', [fmModule, accelModule, edgeModule], { accelDrivers: 'fake', accelDiscoveryInterval: '0' });
const site = fleet.site;

async function upload(s: Site, name: string, bytes: Buffer): Promise<string> {
  const made = await call(s, 'POST', '/image/v2/images', { name, bitstream_id: `bs-${name}`, vendor: '0x8086' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const put = await call(s, 'PUT', `/image/v2/images/${made.body.id}/file`, bytes, { type: 'application/octet-stream' });
  assert.equal(put.status, 204, JSON.stringify(put.body));
  return made.body.id as string;
}

describe('images sync (accel bitstreams)', () => {
  let ctl: Site;
  let a: Site;
  let b: Site;
  const bytes = Buffer.from('bitstream '.repeat(20_000));
  let id = '';
  const cycle = () => ctl.server.services.get<Auditor>('edge.auditor').cycle();
  const status = async (name: string) => ((await call(ctl, 'GET', `/dcmanager/v1.0/subclouds/${name}`)).body.endpoint_sync_status as any[]).find((e) => e.endpoint_type === 'images')?.sync_status;
  const images = async (s: Site) => ((await call(s, 'GET', '/image/v2/images')).body.images as any[]).map((i) => [i.id, i.name, i.status, i.checksum ?? i.os_hash_value ?? null]);
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
    for (const [name, s] of [['sca', a], ['scb', b]] as const) assert.equal((await call(ctl, 'POST', '/dcmanager/v1.0/subclouds', { name, endpoint: `http://127.0.0.1:${s.port}`, token: s.admin })).status, 200);
    assert.equal((await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/sca', { 'management-state': 'managed' })).status, 200);
    await settle();
  });

  after(async () => {
    await fleet.close();
  });

  test('an image on the controller reaches the managed subcloud, same uuid and bytes; not the unmanaged one', async () => {
    assert.equal(await status('sca'), 'in-sync');
    id = await upload(ctl, 'fpga-a', bytes);
    const local = await upload(a, 'local-only', Buffer.from('mine'));
    await settle();
    assert.equal(await status('sca'), 'in-sync');
    const copy = readFileSync(join(a.dir, 'accel-images', id));
    assert.equal(createHash('sha256').update(copy).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
    assert.equal((await call(a, 'GET', `/image/v2/images/${id}`)).body.status, 'active');
    assert.deepEqual((await images(a)).map((i) => i[1]).sort(), ['fpga-a', 'local-only']);
    assert.equal((await images(b)).length, 0, 'unmanaged: never written to');
    assert.equal(await status('scb'), 'out-of-sync');
    const alarms = ((await call(ctl, 'GET', '/fm/v1/alarms?alarm_id=280.002')).body.alarms as any[]).map((x) => x.entity_instance_id);
    assert.ok(alarms.includes('subcloud=scb.resource=images'));
    assert.ok(local);
  });

  test('idempotent; a copy deleted locally is restored; one deleted on the controller goes; local images stay', async () => {
    const synced = await ctl.server.tasks.tasks.list({ kind: 'edge.sync' });
    const copiedBefore = synced.filter((t) => (t.result as any)?.copied > 0).length;
    // A resumed sync task would call the same: nothing copied again.
    assert.equal((await call(a, 'PUT', '/edge/v1/sync/images', { keep: [id] })).body.held[id], createHash('sha256').update(bytes).digest('hex'));
    assert.equal((await call(a, 'DELETE', `/image/v2/images/${id}`)).status, 204);
    await settle();
    assert.equal((await call(a, 'GET', `/image/v2/images/${id}`)).status, 200, 'restored');
    assert.equal((await ctl.server.tasks.tasks.list({ kind: 'edge.sync' })).filter((t) => (t.result as any)?.copied > 0).length, copiedBefore + 1);
    assert.equal(await status('sca'), 'in-sync');

    assert.equal((await call(ctl, 'DELETE', `/image/v2/images/${id}`)).status, 204);
    await settle();
    assert.deepEqual((await images(a)).map((i) => i[1]), ['local-only']);
    assert.equal((await call(ctl, 'PATCH', '/dcmanager/v1.0/subclouds/scb', { 'management-state': 'managed' })).status, 200);
    await settle();
    assert.equal(await status('scb'), 'in-sync');
  });
});
