import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriverRegistry, DriverError, type DriverContext, type DriverNode } from '../drivers/index.js';
import { createIpxeBoot, HttpBootStore } from '../boot/index.js';
import { BOOTED_KEY, createRamdiskDeploy } from './ramdisk.js';

const UUID = 'a3b1c2d4-0000-4000-8000-000000000001';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ramdisk-deploy-'));
  const drivers = createDriverRegistry();
  const store = new HttpBootStore(dir);
  const driverFor = (n: DriverNode) => drivers.compose(n);
  drivers.registerInterface(createIpxeBoot({ store, driverFor, apiUrl: () => 'http://10.0.0.1:7070/baremetal' }));
  drivers.registerInterface(createRamdiskDeploy({ driverFor }));
  const node: DriverNode = {
    uuid: UUID,
    driver: 'fake-hardware',
    interfaces: { boot: 'ipxe', deploy: 'ramdisk' },
    driver_info: { deploy_kernel: 'http://h/dk', deploy_ramdisk: 'http://h/dr' },
    instance_info: { kernel: 'http://h/ik', ramdisk: 'http://h/ir', ramdisk_kernel_arguments: 'rd.debug' },
    driver_internal_info: { agent_secret_token: 'enc:v1:old', agent_url: 'http://10.0.0.9:9999', agent_version: '1.0.0' },
    provision_state: 'deploying',
  };
  const ctx: DriverContext = { node };
  return { dir, drivers, store, node, ctx, d: drivers.compose(node), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('validate: a ramdisk-capable boot interface and instance_info kernel and ramdisk', async () => {
  const s = setup();
  try {
    await s.d.deploy.validate(s.ctx);
    const noKernel = { ...s.node, instance_info: { ramdisk: 'http://h/ir' } };
    await assert.rejects(async () => s.drivers.compose(noKernel).deploy.validate({ node: noKernel }), (e: unknown) => e instanceof DriverError && e.kind === 'missing-parameter' && /instance_info.*kernel/.test(e.message));
    const noDeployKernel = { ...s.node, driver_info: { deploy_ramdisk: 'http://h/dr' } };
    await assert.rejects(async () => s.drivers.compose(noDeployKernel).deploy.validate({ node: noDeployKernel }), /deploy_kernel/);
    // The fake boot interface can boot ramdisks; a missing boot interface cannot.
    const fakeBoot = { ...s.node, interfaces: { boot: 'fake', deploy: 'ramdisk' } };
    await s.drivers.compose(fakeBoot).deploy.validate({ node: fakeBoot });
  } finally {
    s.done();
  }
});

test('deploy: power off, instance boot prepared (network, persistent), power on, wait; the call after the heartbeat completes it', async () => {
  const s = setup();
  try {
    await s.d.power.setPowerState(s.ctx, 'power on');
    await s.d.deploy.prepare(s.ctx);
    assert.equal(await s.d.power.getPowerState(s.ctx), 'power off');
    assert.equal(s.node.driver_internal_info!.agent_secret_token, undefined, 'a new deployment starts a new agent session');
    assert.equal(s.node.driver_internal_info!.agent_url, undefined);
    assert.equal(s.node.driver_internal_info!.agent_version, '1.0.0');

    assert.equal(await s.d.deploy.deploy(s.ctx), 'wait');
    assert.equal(await s.d.power.getPowerState(s.ctx), 'power on');
    assert.deepEqual(await s.d.management.getBootDevice(s.ctx), { boot_device: 'pxe', persistent: true });
    const script = s.store.read(UUID)!;
    assert.match(script, /^kernel http:\/\/h\/ik nofb nomodeset vga=normal console=tty0 console=ttyS0,115200n8 rd\.debug ipa-api-url=http:\/\/10\.0\.0\.1:7070\/baremetal root=\/dev\/ram0 initrd=ramdisk \|\| goto retry$/m);
    assert.match(script, /^initrd --name ramdisk http:\/\/h\/ir/m);
    assert.equal(s.node.driver_internal_info![BOOTED_KEY], true);

    s.node.provision_state = 'wait call-back';
    assert.equal(await s.d.deploy.heartbeat!(s.ctx, { callbackUrl: 'http://10.0.0.9:9999' }), 'resume');
    s.node.provision_state = 'deploying';
    s.node.driver_internal_info!.agent_secret_token = 'enc:v1:new';
    assert.equal(await s.d.deploy.deploy(s.ctx), 'done');
    assert.equal(s.node.driver_internal_info![BOOTED_KEY], undefined);
    assert.equal(s.node.driver_internal_info!.agent_secret_token, undefined, 'the session ends with the deployment');

    for (const state of ['active', 'deploying', 'clean wait'] as const) {
      s.node.provision_state = state;
      assert.equal(await s.d.deploy.heartbeat!(s.ctx, { callbackUrl: 'http://x' }), null, state);
    }
  } finally {
    s.done();
  }
});

test('a retried deployment boots again instead of trusting a stale marker', async () => {
  const s = setup();
  try {
    s.node.driver_internal_info![BOOTED_KEY] = true;
    await s.d.deploy.prepare(s.ctx);
    assert.equal(await s.d.deploy.deploy(s.ctx), 'wait');
  } finally {
    s.done();
  }
});

test('tear down powers off and removes the instance boot; cleaning has no steps and boots nothing', async () => {
  const s = setup();
  try {
    await s.d.deploy.deploy(s.ctx);
    s.node.provision_state = 'deleting';
    await s.d.deploy.tearDown(s.ctx);
    assert.equal(await s.d.power.getPowerState(s.ctx), 'power off');
    assert.equal(s.store.read(UUID), null);
    assert.equal(s.node.driver_internal_info![BOOTED_KEY], undefined);
    assert.equal(await s.d.deploy.prepareCleaning(s.ctx), 'done');
    assert.deepEqual(await s.d.deploy.getCleanSteps(s.ctx), []);
    await assert.rejects(async () => s.d.deploy.executeCleanStep(s.ctx, { interface: 'deploy', step: 'erase_devices', priority: 10 }), /no clean step/);
    // Takeover of an active node re-creates its boot configuration.
    s.node.provision_state = 'active';
    await s.d.deploy.takeOver(s.ctx);
    assert.match(s.store.read(UUID)!, /root=\/dev\/ram0/);
  } finally {
    s.done();
  }
});
