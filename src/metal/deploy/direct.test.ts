import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriverRegistry, DriverError, type DriverContext, type DriverNode } from '../drivers/index.js';
import { createIpxeBoot, HttpBootStore } from '../boot/index.js';
import type { CommandResult } from '../agent/client.js';
import { createDirectDeploy, DIRECT_PHASE_KEY, imageInfo } from './direct.js';

const UUID = 'd3b1c2d4-0000-4000-8000-000000000005';
const SHA = 'a'.repeat(64);

/** A scripted agent client (unit test only; the e2e drives the real agent). */
function scriptedAgent() {
  const calls: { name: string; args: unknown[] }[] = [];
  let last: CommandResult | null = null;
  return {
    calls,
    set last(r: CommandResult | null) {
      last = r;
    },
    async executeDeployStep(...args: unknown[]) {
      calls.push({ name: 'execute_deploy_step', args });
      return (last = { command_name: 'execute_deploy_step', command_status: 'RUNNING', command_error: null, command_result: null });
    },
    async lastCommandStatus() {
      calls.push({ name: 'status', args: [] });
      return last;
    },
    async powerOff() {
      calls.push({ name: 'power_off', args: [] });
      return { command_name: 'power_off', command_status: 'SUCCEEDED', command_error: null, command_result: null };
    },
  };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'direct-deploy-'));
  const drivers = createDriverRegistry();
  const store = new HttpBootStore(dir);
  const driverFor = (n: DriverNode) => drivers.compose(n);
  const agent = scriptedAgent();
  drivers.registerInterface(createIpxeBoot({ store, driverFor, apiUrl: () => 'http://10.0.0.1:7070/baremetal' }));
  drivers.registerInterface(createDirectDeploy({ driverFor, apiUrl: () => 'http://10.0.0.1:7070/baremetal', agent }));
  const node: DriverNode = {
    uuid: UUID,
    driver: 'fake-hardware',
    interfaces: { boot: 'ipxe', deploy: 'direct' },
    driver_info: { deploy_kernel: 'http://h/dk', deploy_ramdisk: 'http://h/dr' },
    instance_info: { image_source: 'http://h/images/disk.img', image_os_hash_algo: 'sha256', image_os_hash_value: SHA, configdrive: 'H4sI' },
    driver_internal_info: { agent_url: 'http://10.0.0.9:9999', agent_secret_token: 'enc:v1:x' },
    provision_state: 'deploying',
  };
  const ctx: DriverContext = { node };
  return { store, agent, node, ctx, d: drivers.compose(node), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('image_info from instance_info: URL, hash (explicit or by length), raw only', () => {
  const n = (ii: Record<string, unknown>): DriverNode => ({ uuid: UUID, driver: 'fake-hardware', driver_info: {}, instance_info: ii });
  assert.deepEqual(imageInfo(n({ image_source: 'http://h/a/disk.img', image_checksum: 'B'.repeat(32) })), {
    id: 'disk.img',
    urls: ['http://h/a/disk.img'],
    os_hash_algo: 'md5',
    os_hash_value: 'b'.repeat(32),
    disk_format: 'raw',
    image_type: 'whole-disk-image',
  });
  const kind = (ii: Record<string, unknown>) => {
    try {
      imageInfo(n(ii));
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof DriverError);
      return `${e.kind}: ${e.message}`;
    }
  };
  assert.match(kind({}), /^missing-parameter: .*image_source/);
  assert.match(kind({ image_source: 'http://h/i' }), /^missing-parameter: .*image_os_hash_value/);
  assert.match(kind({ image_source: 'file:///etc/passwd', image_checksum: 'a'.repeat(32) }), /^invalid-parameter: .*image_source/);
  assert.match(kind({ image_source: 'http://h/i', image_os_hash_algo: 'crc32', image_os_hash_value: 'ab' }), /^invalid-parameter: .*image_os_hash_algo/);
  assert.match(kind({ image_source: 'http://h/i', image_os_hash_algo: 'sha256', image_os_hash_value: 'ab' }), /^invalid-parameter: .*not a sha256/);
  assert.match(kind({ image_source: 'http://h/i', image_checksum: 'abc' }), /^invalid-parameter: .*image_checksum/);
  assert.match(kind({ image_source: 'http://h/i', image_checksum: 'a'.repeat(64), image_disk_format: 'qcow2' }), /^invalid-parameter: .*raw whole-disk images only/);
});

test('deploy boots the agent, has it write the image, waits while it runs, then boots the disk', async () => {
  const s = setup();
  try {
    const dii = s.node.driver_internal_info!;
    await s.d.deploy.prepare(s.ctx);
    assert.equal(dii.agent_secret_token, undefined, 'a fresh agent session');
    dii.agent_url = 'http://10.0.0.9:9999';

    assert.equal(await s.d.deploy.deploy(s.ctx), 'wait');
    assert.equal(dii[DIRECT_PHASE_KEY], 'booting');
    assert.match(s.store.read(UUID)!, /^kernel http:\/\/h\/dk .*ipa-api-url=http:\/\/10\.0\.0\.1:7070\/baremetal BOOTIF=\$\{mac\}/m);
    assert.equal(await s.d.power.getPowerState(s.ctx), 'power on');
    assert.deepEqual(await s.d.management.getBootDevice(s.ctx), { boot_device: 'pxe', persistent: false });

    assert.equal(await s.d.deploy.deploy(s.ctx), 'wait', 'write_image runs');
    const [step, target] = s.agent.calls.find((c) => c.name === 'execute_deploy_step')!.args as [Record<string, any>, Record<string, any>];
    assert.equal(step.step, 'write_image');
    assert.deepEqual(step.args.image_info.urls, ['http://h/images/disk.img']);
    assert.equal(step.args.image_info.os_hash_value, SHA);
    assert.equal(target.uuid, UUID);
    assert.equal(dii[DIRECT_PHASE_KEY], 'writing');

    assert.equal(await s.d.deploy.deploy(s.ctx), 'wait', 'still running');
    s.agent.last = { command_name: 'execute_deploy_step', command_status: 'SUCCEEDED', command_error: null, command_result: { deploy_result: { root_device: '/dev/vda' } } };
    assert.equal(await s.d.deploy.deploy(s.ctx), 'done');
    assert.ok(s.agent.calls.some((c) => c.name === 'power_off'), 'the agent was asked to shut down');
    assert.equal(s.store.read(UUID), null, 'no network boot left');
    assert.deepEqual(await s.d.management.getBootDevice(s.ctx), { boot_device: 'disk', persistent: true });
    assert.equal(await s.d.power.getPowerState(s.ctx), 'power on');
    assert.equal(dii[DIRECT_PHASE_KEY], undefined);
    assert.equal(dii.agent_url, undefined);
    assert.equal(dii.is_whole_disk_image, true);
  } finally {
    s.done();
  }
});

test('a failed write fails the deploy step with the agent\'s reason', async () => {
  const s = setup();
  try {
    s.node.driver_internal_info![DIRECT_PHASE_KEY] = 'writing';
    s.agent.last = { command_name: 'execute_deploy_step', command_status: 'FAILED', command_error: { type: 'ImageChecksumError', details: 'the image sha256 is 00, expected aa' }, command_result: null };
    await assert.rejects(async () => s.d.deploy.deploy(s.ctx), /deploy\.write_image failed on node .*: the image sha256 is 00, expected aa/);
    s.agent.last = null;
    await assert.rejects(async () => s.d.deploy.deploy(s.ctx), /no record of write_image/);
    await s.d.deploy.tearDown(s.ctx);
    assert.equal(s.node.driver_internal_info![DIRECT_PHASE_KEY], undefined);
  } finally {
    s.done();
  }
});
