/**
 * The ipmi hardware type's ipmitool power and management interfaces against
 * OpenIPMI's ipmi_sim on 127.0.0.1 (lanplus, cipher suite 3), whose chassis
 * hook drives an emulated machine in a state directory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMachines, startIpmiSim, type IpmiSim, type Machines } from '../../src/metal/bmc/index.js';
import { createDriverRegistry, DriverError, isRetryable, type DriverNode } from '../../src/metal/drivers/index.js';

const PASSWORD = 'Ipmi-Secret-77';
const dir = mkdtempSync(join(tmpdir(), 'strata-drv-ipmi-'));
const state = join(dir, 'state');
let sim: IpmiSim;
let machines: Machines;
const spawned: { argv: readonly string[]; cmdline?: string }[] = [];
const onSpawn = (argv: readonly string[], pid: number | undefined) => {
  let cmdline: string | undefined;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // already exited
  }
  spawned.push({ argv, cmdline });
};
// The hook runs this repository's TypeScript through tsx (about 0.4 s a call): give ipmi_sim time to answer.
const drivers = createDriverRegistry({ ipmi: { retries: 2, requestTimeoutS: 3, pollIntervalMs: 100, onSpawn } });
const impatient = createDriverRegistry({ ipmi: { retries: 1, requestTimeoutS: 1, onSpawn } });
before(async () => {
  ({ machines } = await openMachines({ systems: 1, stateDir: state }));
  sim = await startIpmiSim({ configDir: join(dir, 'ipmi'), stateDir: state, system: 'node-0', username: 'admin', password: PASSWORD });
});
after(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const node = (over: Record<string, unknown> = {}, props: Record<string, unknown> = {}): DriverNode => ({
  uuid: 'ipmi-1',
  driver: 'ipmi',
  driver_info: { ipmi_address: '127.0.0.1', ipmi_port: sim.port, ipmi_username: 'admin', ipmi_password: PASSWORD, ipmi_cipher_suite: 3, ...over },
  properties: props,
});

test('lan.conf holds the password with mode 0600', () => {
  const st = readFileSync(join(dir, 'ipmi', 'lan.conf'), 'utf8');
  assert.match(st, /user 2 true "admin" "Ipmi-Secret-77" admin/);
  assert.match(st, /chassis_control ".*chassis-hook\.sh 0x20"/);
  assert.equal(statSync(join(dir, 'ipmi', 'lan.conf')).mode & 0o777, 0o600);
});

test('power on, status and off reach the emulated machine', async () => {
  const ctx = { node: node() };
  const d = drivers.compose(ctx.node);
  assert.equal(d.power.name, 'ipmitool');
  assert.equal(await d.power.getPowerState(ctx), 'power off');
  assert.equal(await d.power.setPowerState(ctx, 'power on'), 'power on');
  assert.equal((await machines.get('node-0'))!.power, 'On');
  assert.equal(await d.power.getPowerState(ctx), 'power on');
  assert.equal(await d.power.reboot(ctx), 'power on');
  assert.equal(await d.power.setPowerState(ctx, 'power off'), 'power off');
  assert.equal((await machines.get('node-0'))!.power, 'Off');
});

test('boot device set and read back, in legacy and UEFI modes', async () => {
  const legacy = { node: node({}, { capabilities: 'boot_mode:bios' }) };
  const d = drivers.compose(legacy.node);
  await d.management.setBootDevice(legacy, 'pxe');
  assert.deepEqual(await d.management.getBootDevice(legacy), { boot_device: 'pxe', persistent: false });
  assert.equal((await machines.get('node-0'))!.boot.target, 'Pxe');
  await d.management.setBootDevice(legacy, 'cdrom', true);
  assert.equal((await d.management.getBootDevice(legacy)).boot_device, 'cdrom');
  // UEFI (Ironic's default boot mode) goes through the raw Set System Boot Options request
  const uefi = { node: node() };
  await d.management.setBootDevice(uefi, 'disk');
  assert.equal((await d.management.getBootDevice(uefi)).boot_device, 'disk');
  assert.equal((await machines.get('node-0'))!.boot.target, 'Hdd');
  await assert.rejects(d.management.setBootDevice(uefi, 'floppy' as never), (e: unknown) => e instanceof DriverError && e.kind === 'invalid-parameter');
});

test('a wrong password is a permanent auth error that does not echo the password', async () => {
  const ctx = { node: node({ ipmi_password: 'not-the-password' }) };
  await assert.rejects(drivers.compose(ctx.node).power.getPowerState(ctx), (e: unknown) => {
    assert.ok(e instanceof DriverError);
    assert.equal(e.kind, 'auth');
    assert.equal(e.retryable, false);
    assert.match(e.message, /RAKP 2 HMAC is invalid.*check ipmi_username \/ ipmi_password/);
    assert.ok(!e.message.includes('not-the-password'));
    return true;
  });
});

test('an empty password fails as auth too, without ipmitool waiting at a prompt', async () => {
  const ctx = { node: node({ ipmi_password: '' }) };
  await assert.rejects(drivers.compose(ctx.node).power.getPowerState(ctx), (e: unknown) => e instanceof DriverError && e.kind === 'auth');
});

test('an unreachable port is a retryable error', async () => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  const ctx = { node: node({ ipmi_port: port }) };
  await assert.rejects(impatient.compose(ctx.node).power.getPowerState(ctx), (e: unknown) => {
    assert.ok(isRetryable(e), String(e));
    assert.equal((e as DriverError).kind, 'unreachable');
    assert.match((e as Error).message, new RegExp(`BMC 127\\.0\\.0\\.1:${port}`));
    return true;
  });
});

test('no ipmitool command line ever carried the password', () => {
  assert.ok(spawned.length >= 10, `only ${spawned.length} ipmitool runs`);
  const seen = spawned.filter((s) => s.cmdline !== undefined);
  assert.ok(seen.length > 0, 'no /proc/<pid>/cmdline could be read');
  for (const s of spawned) {
    assert.ok(!s.argv.some((a) => a.includes(PASSWORD) || a.includes('not-the-password')), s.argv.join(' '));
    assert.ok(s.argv.includes('-E') || s.argv.includes('-f'));
    if (s.cmdline !== undefined) {
      assert.ok(!s.cmdline.includes(PASSWORD) && !s.cmdline.includes('not-the-password'));
      assert.ok(s.cmdline.startsWith('ipmitool\0') || s.cmdline.includes('ipmitool'), s.cmdline);
    }
  }
});
