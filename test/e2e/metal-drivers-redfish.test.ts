/**
 * The redfish hardware type's power, management, inspect and bios interfaces
 * against a real `strata bmc serve` process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBmc, type BmcProcess } from '../../src/metal/bmc/index.js';
import { createDriverRegistry, DriverError, isRetryable, type DriverNode } from '../../src/metal/drivers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-drv-redfish-'));
const pwFile = join(dir, 'password');
writeFileSync(pwFile, 'Redfish-pw1\n', { mode: 0o600 });
let bmc: BmcProcess;
let single: BmcProcess;
let tls: BmcProcess;
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const drivers = createDriverRegistry({ redfish: { pollIntervalMs: 50, requestTimeoutMs: 5000 } });

before(async () => {
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(ssl.status, 0, ssl.stderr);
  [bmc, single, tls] = await Promise.all([
    spawnBmc(['--systems', '2', '--username', 'admin', '--password-file', pwFile, '--cpus', '4', '--memory', '3072', '--disk-gb', '50', '--nics', '2']),
    spawnBmc(['--systems', '1']),
    spawnBmc(['--systems', '1', '--tls-cert', cert, '--tls-key', key]),
  ]);
});
after(async () => {
  await Promise.all([bmc?.stop(), single?.stop(), tls?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const node = (info: Record<string, unknown>, uuid = 'rf-1'): DriverNode => ({
  uuid,
  driver: 'redfish',
  driver_info: { redfish_address: bmc.url, redfish_system_id: '/redfish/v1/Systems/node-0', redfish_username: 'admin', redfish_password: 'Redfish-pw1', ...info },
});

test('power on, off, reboot and soft power off through ComputerSystem.Reset', async () => {
  for (const auth of ['basic', 'session', 'auto']) {
    const ctx = { node: node({ redfish_auth_type: auth }, `rf-${auth}`) };
    const d = drivers.compose(ctx.node);
    assert.equal(d.power.name, 'redfish');
    assert.equal(await d.power.getPowerState(ctx), 'power off');
    assert.equal(await d.power.setPowerState(ctx, 'power on'), 'power on');
    assert.equal(await d.power.getPowerState(ctx), 'power on');
    assert.equal(await d.power.reboot(ctx), 'power on');
    assert.equal(await d.power.setPowerState(ctx, 'soft power off', { timeoutMs: 5000 }), 'power off');
    // reboot of a node that is off powers it on
    assert.equal(await d.power.setPowerState(ctx, 'rebooting'), 'power on');
    assert.equal(await d.power.setPowerState(ctx, 'power off'), 'power off');
  }
  const sessions = (await (await fetch(`${bmc.url}/redfish/v1/SessionService/Sessions`, { headers: { Authorization: 'Basic ' + Buffer.from('admin:Redfish-pw1').toString('base64') } })).json()) as { 'Members@odata.count': number };
  // session and auto reuse their sessions across calls: one each, not one per call
  assert.equal(sessions['Members@odata.count'], 2);
});

test('boot device: set and read back with persistence, PATCH via ETag', async () => {
  const ctx = { node: node({}) };
  const d = drivers.compose(ctx.node);
  await d.management.setBootDevice(ctx, 'pxe', false);
  assert.deepEqual(await d.management.getBootDevice(ctx), { boot_device: 'pxe', persistent: false });
  await d.management.setBootDevice(ctx, 'disk', true);
  assert.deepEqual(await d.management.getBootDevice(ctx), { boot_device: 'disk', persistent: true });
  await d.management.setBootDevice(ctx, 'cdrom', true);
  assert.deepEqual(await d.management.getBootDevice(ctx), { boot_device: 'cdrom', persistent: true });
  await d.management.setBootMode!(ctx, 'uefi');
  assert.equal(await d.management.getBootMode!(ctx), 'uefi');
  await assert.rejects(d.management.setBootDevice(ctx, 'safe'), (e: unknown) => e instanceof DriverError && e.kind === 'invalid-parameter');
  // the override is consumed at the next boot when it was a one-time choice
  await d.management.setBootDevice(ctx, 'pxe', false);
  await d.power.setPowerState(ctx, 'power on');
  assert.deepEqual(await d.management.getBootDevice(ctx), { boot_device: null, persistent: null });
  await d.power.setPowerState(ctx, 'power off');
});

test('inspection reads System, Processors, Memory, EthernetInterfaces and Storage', async () => {
  const ctx = { node: node({}) };
  const out = await drivers.compose(ctx.node).inspect.inspectHardware(ctx);
  assert.equal(out.event, 'done');
  if (out.event !== 'done') return;
  assert.deepEqual(out.properties, { cpus: 4, memory_mb: 3072, local_gb: 49, cpu_arch: 'x86_64', capabilities: 'boot_mode:uefi' });
  assert.deepEqual(out.macs.sort(), [...bmc.systems[0].macs].sort());
  assert.equal(out.inventory.disks[0].size, 50 * 1024 ** 3);
  assert.equal(out.inventory.interfaces.length, 2);
  assert.equal(out.inventory.system_vendor?.manufacturer, 'Strata');
});

test('BIOS settings are read, staged and applied at the next boot', async () => {
  const ctx = { node: node({}, 'rf-bios') };
  const d = drivers.compose(ctx.node);
  assert.equal(d.bios.name, 'redfish');
  const before = await d.bios.cacheBiosSettings(ctx);
  assert.ok(before.some((s) => s.name === 'ProcTurboMode' && s.value === 'Enabled'));
  await d.bios.applyConfiguration(ctx, [{ name: 'ProcTurboMode', value: 'Disabled' }, { name: 'NumCores', value: '2' }]);
  await d.power.setPowerState(ctx, 'power on');
  const afterBoot = await d.bios.cacheBiosSettings(ctx);
  assert.ok(afterBoot.some((s) => s.name === 'ProcTurboMode' && s.value === 'Disabled'));
  assert.ok(afterBoot.some((s) => s.name === 'NumCores' && s.value === '2'));
  await assert.rejects(d.bios.applyConfiguration(ctx, [{ name: 'Nope', value: '1' }]), /no attribute Nope/);
  await d.power.setPowerState(ctx, 'power off');
});

test('the only system is found without redfish_system_id; with several, one must be named', async () => {
  const lone: DriverNode = { uuid: 'rf-lone', driver: 'redfish', driver_info: { redfish_address: single.url } };
  const d = drivers.compose(lone);
  assert.equal(await d.power.getPowerState({ node: lone }), 'power off');
  const ambiguous = node({ redfish_system_id: undefined });
  await assert.rejects(d.power.getPowerState({ node: ambiguous }), (e: unknown) => e instanceof DriverError && e.kind === 'invalid-parameter' && /manages 2 systems/.test(e.message));
});

test('bad credentials are a permanent auth error; a missing system a clear 404', async () => {
  for (const auth of ['basic', 'session']) {
    const ctx = { node: node({ redfish_password: 'wrong', redfish_auth_type: auth }) };
    await assert.rejects(drivers.compose(ctx.node).power.getPowerState(ctx), (e: unknown) => {
      assert.ok(e instanceof DriverError);
      assert.equal(e.kind, 'auth');
      assert.equal(e.retryable, false);
      assert.match(e.message, /401.*check redfish_username \/ redfish_password/);
      assert.ok(!e.message.includes('wrong'));
      return true;
    });
  }
  const ctx = { node: node({ redfish_system_id: '/redfish/v1/Systems/node-7' }) };
  await assert.rejects(drivers.compose(ctx.node).power.getPowerState(ctx), (e: unknown) => e instanceof DriverError && e.kind === 'bmc-error' && /Systems\/node-7: not found \(404/.test(e.message));
});

test('an unreachable address is a retryable error', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const ctx = { node: node({ redfish_address: `http://127.0.0.1:${port}` }) };
  await assert.rejects(drivers.compose(ctx.node).power.getPowerState(ctx), (e: unknown) => {
    assert.ok(isRetryable(e), String(e));
    assert.equal((e as DriverError).kind, 'unreachable');
    assert.match((e as Error).message, /ECONNREFUSED/);
    return true;
  });
  const v = await drivers.validate({ node: node({ redfish_address: 'ftp://x' }) });
  assert.equal(v.power.result, false);
  assert.match(v.power.reason!, /scheme ftp/);
});

test('HTTPS: redfish_verify_ca decides whether a self-signed BMC is trusted', async () => {
  assert.match(tls.url, /^https:/);
  const at = (verify: unknown): DriverNode => ({ uuid: `rf-tls-${String(verify)}`, driver: 'redfish', driver_info: { redfish_address: tls.url.replace('https://', ''), redfish_verify_ca: verify } });
  const check = async (verify: unknown) => {
    const n = at(verify);
    return drivers.compose(n).power.getPowerState({ node: n });
  };
  // no scheme: https is assumed, as Ironic does
  await assert.rejects(check(true), (e: unknown) => e instanceof DriverError && e.kind === 'bmc-error' && /TLS verification failed.*redfish_verify_ca/.test(e.message));
  assert.equal(await check(false), 'power off');
  assert.equal(await check('no'), 'power off');
  assert.equal(await check(cert), 'power off');
});
