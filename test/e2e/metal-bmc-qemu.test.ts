/**
 * `strata bmc serve --qemu`: each system is a QEMU VM (TCG here). Power on
 * starts it with the boot order the override chose, inspection reads the
 * running VM over QMP, power off kills it by PID, and the VM outlives a BMC
 * restart when state is on disk.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirMachineStore, Machines, spawnBmc, stopMachinesIn, type BmcProcess } from '../../src/metal/bmc/index.js';
import { createDriverRegistry, type DriverNode } from '../../src/metal/drivers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-bmc-qemu-'));
const state = join(dir, 'state');
const args = ['--systems', '1', '--qemu', '--state', state, '--cpus', '2', '--memory', '256', '--disk-gb', '8', '--nics', '2'];
let bmc: BmcProcess;
const drivers = createDriverRegistry({ redfish: { pollIntervalMs: 100 } });

before(async () => {
  bmc = await spawnBmc(args);
});
after(async () => {
  await bmc?.stop();
  await stopMachinesIn(state);
  rmSync(dir, { recursive: true, force: true });
});

const node = (): DriverNode => ({ uuid: 'vm-1', driver: 'redfish', driver_info: { redfish_address: bmc.url, redfish_system_id: '/redfish/v1/Systems/node-0' } });
const record = async () => (await new DirMachineStore(state).get('node-0'))!;
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false; // gone, even between a check and the read
  }
};

test('a qcow2 disk is created per system', () => {
  assert.ok(existsSync(join(state, 'systems', 'node-0', 'disk0.qcow2')));
});

test('power on starts QEMU with the override\'s boot order, once', async () => {
  const ctx = { node: node() };
  const d = drivers.compose(ctx.node);
  await d.management.setBootDevice(ctx, 'pxe', false);
  assert.equal(await d.power.setPowerState(ctx, 'power on'), 'power on');
  const r = await record();
  assert.ok(r.runtime?.pid, 'no pid recorded');
  assert.ok(alive(r.runtime.pid));
  const argv = cmdline(r.runtime.pid);
  assert.ok(argv.some((a) => a.endsWith('qemu-system-x86_64')), argv.join(' '));
  assert.equal(argv[argv.indexOf('-boot') + 1], 'order=n');
  assert.equal(argv[argv.indexOf('-smp') + 1], '2');
  assert.equal(argv[argv.indexOf('-m') + 1], '256');
  for (const mac of bmc.systems[0].macs) assert.ok(argv.some((a) => a.includes(`mac=${mac}`)), `no NIC with ${mac}`);
  assert.equal(r.lastBootTarget, 'Pxe');
  // Once: consumed by this boot
  assert.deepEqual(await d.management.getBootDevice(ctx), { boot_device: null, persistent: null });
});

test('inspection reports the running VM\'s CPUs, memory, NICs and disk', async () => {
  const machines = new Machines(new DirMachineStore(state));
  const hw = await machines.hardware(await record());
  assert.equal(hw.source, 'vm');
  assert.equal(hw.cpus, 2);
  assert.equal(hw.memoryMiB, 256);
  assert.deepEqual(hw.disks.map((x) => x.sizeBytes), [8 * 1024 ** 3]);
  assert.deepEqual(hw.nics.map((n) => n.mac).sort(), [...bmc.systems[0].macs].sort());

  const ctx = { node: node() };
  const out = await drivers.compose(ctx.node).inspect.inspectHardware(ctx);
  assert.equal(out.event, 'done');
  if (out.event !== 'done') return;
  assert.deepEqual(out.properties, { cpus: 2, memory_mb: 256, local_gb: 7, cpu_arch: 'x86_64', capabilities: 'boot_mode:bios' });
  assert.deepEqual(out.macs.sort(), [...bmc.systems[0].macs].sort());
});

test('the VM outlives a BMC restart and the new BMC still owns it', async () => {
  const pid = (await record()).runtime!.pid;
  await bmc.stop();
  assert.ok(alive(pid), 'the VM died with the BMC');
  bmc = await spawnBmc(args);
  const ctx = { node: node() };
  assert.equal(await drivers.compose(ctx.node).power.getPowerState(ctx), 'power on');
  assert.equal((await record()).runtime?.pid, pid);
});

test('a restart applies a new boot device; power off kills the VM', async () => {
  const ctx = { node: node() };
  const d = drivers.compose(ctx.node);
  const first = (await record()).runtime!.pid;
  await d.management.setBootDevice(ctx, 'disk', true);
  assert.equal(await d.power.reboot(ctx), 'power on');
  const second = (await record()).runtime!.pid;
  assert.notEqual(second, first);
  assert.ok(!alive(first), 'the old VM is still running');
  assert.equal(cmdline(second)[cmdline(second).indexOf('-boot') + 1], 'order=c');
  // GracefulShutdown and Nmi go to QEMU over QMP; with no OS to honour ACPI the VM stays up
  for (const ResetType of ['GracefulShutdown', 'Nmi']) {
    const res = await fetch(`${bmc.url}/redfish/v1/Systems/node-0/Actions/ComputerSystem.Reset`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ResetType }) });
    assert.equal(res.status, 204, await res.text());
    assert.equal((await record()).lastAction?.type, ResetType);
  }
  assert.ok(alive(second));
  assert.equal(await d.power.setPowerState(ctx, 'power off'), 'power off');
  assert.ok(!alive(second), 'power off left the VM running');
  assert.equal((await record()).runtime, null);
});

test('a VM that exits on its own reads as powered off', async () => {
  const ctx = { node: node() };
  const d = drivers.compose(ctx.node);
  await d.power.setPowerState(ctx, 'power on');
  const pid = (await record()).runtime!.pid;
  process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await d.power.getPowerState(ctx), 'power off');
});

test('--qemu-netns runs the VM in a network namespace, attached to a tap device there (the PXE lab set-up)', async () => {
  const ns = `strata-bmc-${process.pid}`;
  const ip = (...a: string[]) => {
    const r = spawnSync('ip', a, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${a.join(' ')}: ${r.stderr}`);
  };
  const nsState = join(dir, 'ns-state');
  let lab: BmcProcess | undefined;
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap');
    ip('-n', ns, 'link', 'set', 'tap0', 'up');
    lab = await spawnBmc(['--systems', '1', '--qemu', '--state', nsState, '--memory', '128', '--qemu-netns', ns, '--qemu-netdev', 'tap,ifname=tap{index},script=no,downscript=no']);
    const n: DriverNode = { uuid: 'vm-ns', driver: 'redfish', driver_info: { redfish_address: lab.url, redfish_system_id: '/redfish/v1/Systems/node-0' } };
    const d = drivers.compose(n);
    await d.management.setBootDevice({ node: n }, 'pxe', true);
    assert.equal(await d.power.setPowerState({ node: n }, 'power on'), 'power on');
    const pid = (await new DirMachineStore(nsState).get('node-0'))!.runtime!.pid;
    assert.equal(readlinkSync(`/proc/${pid}/ns/net`), `net:[${statSync(`/var/run/netns/${ns}`).ino}]`);
    assert.ok(cmdline(pid).includes('tap,ifname=tap0,script=no,downscript=no,id=net0'));
    assert.equal(await d.power.setPowerState({ node: n }, 'power off'), 'power off');
    assert.ok(!alive(pid));
  } finally {
    await lab?.stop();
    await stopMachinesIn(nsState);
    spawnSync('ip', ['netns', 'del', ns]);
  }
});
