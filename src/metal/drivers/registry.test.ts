import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDriverRegistry, DriverError, isRetryable, type DriverNode, type DeployInterface } from './index.js';

const node = (over: Partial<DriverNode> = {}): DriverNode => ({ uuid: 'n-1', driver: 'fake-hardware', driver_info: {}, ...over });

test('defaults follow each hardware type\'s priority among registered implementations', () => {
  const reg = createDriverRegistry();
  const ipmi = reg.detail('ipmi');
  assert.equal(ipmi.defaults.power, 'ipmitool');
  assert.equal(ipmi.defaults.management, 'ipmitool');
  assert.equal(ipmi.defaults.console, 'no-console');
  assert.equal(ipmi.defaults.vendor, 'ipmitool');
  // no pxe/ipxe registered yet: fake is the only boot interface ipmi accepts here
  assert.equal(ipmi.defaults.boot, 'fake');
  assert.deepEqual(ipmi.enabled.management, ['ipmitool', 'noop']);
  const redfish = reg.detail('redfish');
  assert.equal(redfish.defaults.inspect, 'redfish');
  assert.equal(redfish.defaults.bios, 'redfish');
  assert.equal(redfish.defaults.raid, 'no-raid');
  const fake = reg.detail('fake-hardware');
  for (const kind of ['power', 'management', 'boot', 'deploy', 'inspect', 'raid', 'bios', 'console', 'rescue', 'storage', 'vendor'] as const) {
    assert.equal(fake.defaults[kind], 'fake', kind);
  }
  assert.equal(fake.defaults.network, 'noop');
});

test('the conductor registers boot and deploy implementations and they become defaults', () => {
  const reg = createDriverRegistry();
  const direct: DeployInterface = {
    kind: 'deploy', name: 'direct', properties: () => ({ deploy_kernel: { required: true, description: 'kernel' } }), validate: () => {},
    prepare: async () => {}, deploy: async () => 'wait', tearDown: async () => {}, cleanUp: async () => {}, takeOver: async () => {},
    prepareCleaning: async () => 'wait', tearDownCleaning: async () => {}, getCleanSteps: async () => [], executeCleanStep: async () => 'done',
  };
  reg.registerInterface(direct);
  assert.equal(reg.defaultInterface('ipmi', 'deploy'), 'direct');
  assert.equal(reg.compose({ driver: 'redfish' }).deploy, direct);
  assert.ok('deploy_kernel' in reg.properties('ipmi'));
  // fake-hardware keeps fake first but may choose any enabled implementation
  assert.equal(reg.compose({ driver: 'fake-hardware', interfaces: { deploy: 'direct' } }).deploy, direct);
});

test('driver properties and secrets come from the interfaces', () => {
  const reg = createDriverRegistry();
  const ipmi = reg.properties('ipmi');
  assert.match(ipmi.ipmi_address, /Required/);
  for (const k of ['ipmi_username', 'ipmi_password', 'ipmi_port', 'ipmi_cipher_suite', 'ipmi_priv_level']) assert.ok(k in ipmi, k);
  const redfish = reg.properties('redfish');
  for (const k of ['redfish_address', 'redfish_system_id', 'redfish_username', 'redfish_password', 'redfish_verify_ca', 'redfish_auth_type']) assert.ok(k in redfish, k);
  assert.deepEqual([...reg.secretKeys()].sort(), ['ipmi_hex_kg_key', 'ipmi_password', 'redfish_password']);
  assert.throws(() => reg.properties('nope'), /Could not find the following driver/);
});

test('interface choices are checked against the hardware type', () => {
  const reg = createDriverRegistry();
  assert.throws(() => reg.compose({ driver: 'ipmi', interfaces: { power: 'redfish' } }), (e: unknown) => e instanceof DriverError && e.kind === 'invalid-parameter' && /enabled: ipmitool/.test(e.message));
  assert.equal(reg.compose({ driver: 'redfish', interfaces: { management: 'noop' } }).management.name, 'noop');
  const limited = createDriverRegistry({ enabled: { management: ['noop'] } });
  assert.equal(limited.defaultInterface('ipmi', 'management'), 'noop');
});

test('validate reports every interface but vendor, with Ironic-style reasons', async () => {
  const reg = createDriverRegistry();
  const ok = await reg.validate({ node: node() });
  assert.equal(Object.keys(ok).length, 11);
  assert.ok(Object.values(ok).every((r) => r.result === true), JSON.stringify(ok));
  const bad = await reg.validate({ node: node({ driver: 'ipmi', driver_info: { ipmi_port: 'x' } }) });
  assert.equal(bad.power.result, false);
  assert.match(bad.power.reason!, /Missing the following driver_info properties on node n-1: ipmi_address/);
  assert.equal(bad.console.result, false);
  assert.match(bad.console.reason!, /Driver ipmi does not support console/);
  assert.equal(bad.network.result, true);
  const deployless = createDriverRegistry({ enabled: { deploy: [] } });
  const r = await deployless.validate({ node: node({ driver: 'ipmi', driver_info: { ipmi_address: '127.0.0.1' } }) });
  assert.equal(r.power.result, true);
  assert.match(r.deploy.reason!, /No deploy interface is enabled for hardware type ipmi \(it supports: direct/);
  await assert.rejects(deployless.compose({ driver: 'ipmi' }).deploy.deploy({ node: node() }), (e: unknown) => e instanceof DriverError && e.kind === 'unsupported');
});

test('fake power and boot device remember what was set, and inject faults on request', async () => {
  const reg = createDriverRegistry({ fake: { delays: { power: [1, 3] } } });
  const d = reg.compose(node());
  const ctx = { node: node({ power_state: 'power off' }) };
  assert.equal(await d.power.getPowerState(ctx), 'power off');
  assert.equal(await d.power.setPowerState(ctx, 'power on'), 'power on');
  assert.equal(await d.power.getPowerState(ctx), 'power on');
  assert.equal(await d.power.setPowerState(ctx, 'soft power off'), 'power off');
  await d.management.setBootDevice(ctx, 'disk', true);
  assert.deepEqual(await d.management.getBootDevice(ctx), { boot_device: 'disk', persistent: true });
  const faulty = { node: node({ uuid: 'n-2', driver_info: { fake_power_error: 'unreachable' } }) };
  await assert.rejects(d.power.getPowerState(faulty), (e: unknown) => isRetryable(e) && /injected unreachable/.test((e as Error).message));
  const auth = { node: node({ uuid: 'n-3', driver_info: { fake_power_error: 'auth' } }) };
  await assert.rejects(d.power.setPowerState(auth, 'power on'), (e: unknown) => e instanceof DriverError && e.kind === 'auth' && !e.retryable);
  assert.throws(() => d.power.validate({ node: node({ driver_info: { fake_power_error: 'sometimes' } }) }), /fake_power_error/);
  const insp = await d.inspect.inspectHardware({ node: node({ properties: { cpus: '4', memory_mb: 2048 } }) });
  assert.equal(insp.event, 'done');
  if (insp.event === 'done') assert.deepEqual(insp.properties, { cpus: 4, memory_mb: 2048, local_gb: 10, cpu_arch: 'x86_64' });
  assert.equal(await d.deploy.deploy(ctx), 'done');
  await d.bios.applyConfiguration(ctx, [{ name: 'ProcTurboMode', value: 'Disabled' }]);
  assert.deepEqual(await d.bios.cacheBiosSettings(ctx), [{ name: 'ProcTurboMode', value: 'Disabled' }]);
});
