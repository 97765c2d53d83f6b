/**
 * The conductor's alarms through the real composition root (fm + metal, fake
 * hardware with injected BMC faults): 200.010 while the BMC does not answer,
 * 200.004 once power sync gives up and the node goes into maintenance, both
 * cleared when the BMC answers again; 200.011 while a node sits in
 * `deploy failed`, cleared when it is deployed again. And metal alone (no fm)
 * runs the same situations without error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverConfig, silentLogger } from '../../core/index.js';
import { until as poll } from '../../core/testing/index.js';
import { startServer, type RunningServer } from '../../server.js';
import { fmModule } from '../../edge/fm/index.js';
import { metal } from '../index.js';
import { hostEntity } from './alarms.js';

const options = { metalPowerSyncInterval: '0.1', metalPowerSyncMaxRetries: '1', metalPowerFailureRecoveryInterval: '0.1', metalCheckProvisionStateInterval: '0.1' };

async function boot(withFm: boolean, extra: Record<string, string> = {}, existing?: string) {
  const dir = existing ?? mkdtempSync(join(tmpdir(), 'strata-metal-alarms-'));
  const server = await startServer(serverConfig({ listen: '127.0.0.1:0', data: dir, logLevel: 'silent', options: { ...options, ...extra } }), { modules: withFm ? [fmModule, metal] : [metal], log: silentLogger() });
  const admin = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await server.app.inject({
      method: method as 'GET', url,
      headers: { authorization: `Bearer ${admin}`, 'x-openstack-ironic-api-version': '1.78', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  return { server, dir, call, close: async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000) => poll(what, fn, ms, { every: 50 });

test('hostEntity: the name when FM can carry it, else the UUID', () => {
  assert.equal(hostEntity({ uuid: 'u-1', name: 'node-3' }), 'host=node-3');
  assert.equal(hostEntity({ uuid: 'u-1', name: 'node.example' }), 'host=u-1');
  assert.equal(hostEntity({ uuid: 'u-1', name: null }), 'host=u-1');
});

describe('metal alarms with the fault manager', () => {
  let s: Awaited<ReturnType<typeof boot>>;
  before(async () => (s = await boot(true)));
  after(() => s.close());

  const alarms = async (id: string) => (await s.call('GET', `/fm/v1/alarms?alarm_id=${id}`)).body.alarms as any[];
  const state = async (uuid: string) => (await s.call('GET', `/baremetal/v1/nodes/${uuid}`)).body;

  test('BMC unreachable (200.010), then maintenance for power failure (200.004); both clear when the BMC answers', async () => {
    const node = (await s.call('POST', '/baremetal/v1/nodes', { driver: 'fake-hardware', name: 'node-3' })).body;
    assert.equal((await s.call('PUT', `/baremetal/v1/nodes/${node.uuid}/states/provision`, { target: 'manage' })).status, 202);
    await until('manageable', async () => (await state(node.uuid)).provision_state === 'manageable' && !(await state(node.uuid)).reservation);
    await s.call('PATCH', `/baremetal/v1/nodes/${node.uuid}`, [{ op: 'add', path: '/driver_info/fake_power_error', value: 'unreachable' }]);

    const bmc = await until('200.010', async () => (await alarms('200.010'))[0]);
    assert.equal(bmc.entity_instance_id, 'host=node-3');
    assert.match(bmc.reason_text, /node-3 access to board management module has failed: .*injected unreachable failure/);
    const power = await until('200.004', async () => (await alarms('200.004'))[0]);
    assert.equal(power.entity_instance_id, 'host=node-3');
    assert.equal(power.severity, 'critical');
    const n = await state(node.uuid);
    assert.equal(n.maintenance, true);
    assert.equal(n.fault, 'power failure');

    await s.call('PATCH', `/baremetal/v1/nodes/${node.uuid}`, [{ op: 'remove', path: '/driver_info/fake_power_error' }]);
    await until('both cleared', async () => (await alarms('200.004')).length === 0 && (await alarms('200.010')).length === 0);
    assert.equal((await state(node.uuid)).maintenance, false);
    const log = (await s.call('GET', '/fm/v1/event_log?entity_instance_id=host%3Dnode-3')).body.event_log.map((e: any) => `${e.event_log_id} ${e.state}`);
    assert.ok(log.includes('200.004 set') && log.includes('200.004 clear') && log.includes('200.010 set') && log.includes('200.010 clear'), log.join(', '));
  });

  test('a deploy cut short by a conductor restart fails (200.011) until the node deploys again', async () => {
    // The deploy's fake hardware is slow; the server stops mid-deploy and a new process on the same
    // store takes over: Ironic's rule fails a `deploying` node it cannot resume.
    const slow = await boot(true, { metalFakeDelay: '3000' });
    let node: any;
    try {
      node = (await slow.call('POST', '/baremetal/v1/nodes', { driver: 'fake-hardware', name: 'node-4', automated_clean: false })).body;
      await slow.call('PUT', `/baremetal/v1/nodes/${node.uuid}/states/provision`, { target: 'manage' });
      await until('manageable', async () => (await slow.call('GET', `/baremetal/v1/nodes/${node.uuid}`)).body.provision_state === 'manageable', 20_000);
      await slow.call('PUT', `/baremetal/v1/nodes/${node.uuid}/states/provision`, { target: 'provide' });
      await until('available', async () => (await slow.call('GET', `/baremetal/v1/nodes/${node.uuid}`)).body.provision_state === 'available', 20_000);
      await slow.call('PUT', `/baremetal/v1/nodes/${node.uuid}/states/provision`, { target: 'active' });
      await until('deploying', async () => (await slow.call('GET', `/baremetal/v1/nodes/${node.uuid}`)).body.provision_state === 'deploying');
    } finally {
      await slow.server.close();
    }
    const again = await boot(true, {}, slow.dir);
    try {
      const get = async () => (await again.call('GET', `/baremetal/v1/nodes/${node.uuid}`)).body;
      await until('deploy failed', async () => (await get()).provision_state === 'deploy failed');
      const list = async () => (await again.call('GET', '/fm/v1/alarms?alarm_id=200.011')).body.alarms as any[];
      const a = await until('200.011', async () => (await list()).find((x) => x.entity_instance_id === 'host=node-4'));
      assert.match(a.reason_text, /node-4 failed to deploy: The deploying state can't be resumed/);
      assert.equal(a.severity, 'major');
      assert.equal((await again.call('PUT', `/baremetal/v1/nodes/${node.uuid}/states/provision`, { target: 'active' })).status, 202);
      await until('active', async () => (await get()).provision_state === 'active');
      await until('200.011 cleared', async () => !(await list()).some((x) => x.entity_instance_id === 'host=node-4'));
    } finally {
      await again.close();
    }
  });
});

describe('metal without the fault manager', () => {
  test('the same BMC failure runs, with nothing to report to', async () => {
    const s = await boot(false);
    try {
      const node = (await s.call('POST', '/baremetal/v1/nodes', { driver: 'fake-hardware', name: 'lonely' })).body;
      await s.call('PUT', `/baremetal/v1/nodes/${node.uuid}/states/provision`, { target: 'manage' });
      await until('manageable', async () => (await s.call('GET', `/baremetal/v1/nodes/${node.uuid}`)).body.provision_state === 'manageable');
      await s.call('PATCH', `/baremetal/v1/nodes/${node.uuid}`, [{ op: 'add', path: '/driver_info/fake_power_error', value: 'unreachable' }]);
      await until('maintenance', async () => (await s.call('GET', `/baremetal/v1/nodes/${node.uuid}`)).body.maintenance === true);
      assert.equal((await s.call('GET', '/fm/v1/alarms')).status, 404, 'no fm API without the module');
    } finally {
      await s.close();
    }
  });
});
