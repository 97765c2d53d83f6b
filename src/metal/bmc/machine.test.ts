import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyReset, bootAgain, macFor, MachineInputError, newMachine, patchBoot, qemuBootOrder, stageBios, stopped, uuidFrom, type MachineRecord } from './machine.js';
import { qemuCommand } from './qemu.js';
import { SessionManager } from './sessions.js';

const base = (over: Partial<MachineRecord> = {}): MachineRecord => ({ ...newMachine({ id: 'node-0', uuid: uuidFrom('t/node-0'), cpus: 2, memoryMiB: 512, diskGiB: 8, nics: 2 }), ...over });

test('MACs and UUIDs are stable and well formed', () => {
  assert.equal(macFor('u', 0), macFor('u', 0));
  assert.notEqual(macFor('u', 0), macFor('u', 1));
  assert.match(macFor('u', 3), /^52:54:00(:[0-9a-f]{2}){3}$/);
  assert.match(uuidFrom('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(uuidFrom('x'), uuidFrom('x'));
});

test('resets move power and say what the machine behind must do', () => {
  const off = base();
  const on = applyReset(off, 'On', 'immediate');
  assert.equal(on.record.power, 'On');
  assert.deepEqual(on.effects, [{ do: 'start', bootTarget: 'None', bootMode: 'Legacy' }]);
  assert.deepEqual(applyReset(on.record, 'On', 'immediate').effects, []);
  assert.deepEqual(applyReset(off, 'ForceOff', 'immediate').effects, []);
  assert.deepEqual(applyReset(off, 'ForceRestart', 'immediate'), { record: off, effects: [] });
  assert.equal(applyReset(off, 'PowerCycle', 'immediate').record.power, 'On');
  const restart = applyReset(on.record, 'ForceRestart', 'async');
  assert.deepEqual(restart.effects.map((e) => e.do), ['stop', 'start']);
  // graceful: immediate without a VM, asynchronous with one
  assert.equal(applyReset(on.record, 'GracefulShutdown', 'immediate').record.power, 'Off');
  const acpi = applyReset(on.record, 'GracefulShutdown', 'async');
  assert.equal(acpi.record.power, 'On');
  assert.deepEqual(acpi.effects, [{ do: 'acpi-shutdown' }]);
  assert.deepEqual(applyReset(on.record, 'PushPowerButton', 'async').effects, [{ do: 'acpi-shutdown' }]);
  assert.equal(applyReset(off, 'PushPowerButton', 'async').record.power, 'On');
  assert.deepEqual(applyReset(on.record, 'Nmi', 'async').effects, [{ do: 'nmi' }]);
  assert.deepEqual(applyReset(on.record, 'GracefulRestart', 'async').effects.map((e) => e.do), ['acpi-restart']);
  assert.ok(applyReset(on.record, 'On', 'immediate').record.version === on.record.version);
});

test('a Once override is consumed at boot, a Continuous one is kept; BIOS settings apply at boot', () => {
  let r = patchBoot(base(), { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' }, ['Legacy']);
  r = stageBios(r, { ProcTurboMode: 'Disabled' });
  assert.equal(r.bios.current.ProcTurboMode, 'Enabled');
  const s = applyReset(r, 'On', 'immediate');
  assert.deepEqual(s.effects, [{ do: 'start', bootTarget: 'Pxe', bootMode: 'Legacy' }]);
  assert.deepEqual(s.record.boot, { target: 'None', enabled: 'Disabled', mode: 'Legacy' });
  assert.equal(s.record.lastBootTarget, 'Pxe');
  assert.equal(s.record.bios.current.ProcTurboMode, 'Disabled');
  assert.equal(s.record.bios.pending, null);

  const c = patchBoot(base(), { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' }, ['Legacy']);
  const s2 = applyReset(c, 'On', 'immediate');
  assert.equal(s2.record.boot.target, 'Hdd');
  const again = bootAgain(stopped(s2.record));
  assert.deepEqual(again.effects, [{ do: 'start', bootTarget: 'Hdd', bootMode: 'Legacy' }]);
});

test('bad boot and BIOS patches name the property', () => {
  assert.throws(() => patchBoot(base(), { BootSourceOverrideTarget: 'Floppy' }, ['Legacy']), (e: unknown) => e instanceof MachineInputError && e.property === 'Boot/BootSourceOverrideTarget' && e.messageId === 'PropertyValueNotInList');
  assert.throws(() => patchBoot(base(), { BootSourceOverrideMode: 'UEFI' }, ['Legacy']), /not in the list of acceptable values \(Legacy\)/);
  assert.throws(() => patchBoot(base(), { BootSourceOverrideEnabled: 3 }, ['Legacy']), (e: unknown) => e instanceof MachineInputError && e.messageId === 'PropertyValueTypeError');
  assert.throws(() => stageBios(base(), { Nope: 1 }), (e: unknown) => e instanceof MachineInputError && e.messageId === 'PropertyUnknown');
  assert.throws(() => stageBios(base(), { NumCores: 'two' }), (e: unknown) => e instanceof MachineInputError && e.messageId === 'PropertyValueTypeError');
});

test('the QEMU command carries the boot order, sizes, disks, NICs and the netns wrapper', () => {
  assert.equal(qemuBootOrder('Pxe'), 'n');
  assert.equal(qemuBootOrder('None'), 'cn');
  const r = newMachine({ id: 'node-3', uuid: uuidFrom('q'), cpus: 2, memoryMiB: 256, diskGiB: 8, nics: 2, qemu: { binary: 'qemu-system-x86_64', accel: 'tcg', netdev: 'tap,ifname=tap-{id}-{index},script=no,downscript=no' } });
  const { file, args, bootOrder } = qemuCommand(r, '/var/lib/bmc/node-3', 'Pxe', 'Legacy');
  assert.equal(file, 'qemu-system-x86_64');
  assert.equal(bootOrder, 'n');
  assert.equal(args[args.indexOf('-boot') + 1], 'order=n');
  assert.equal(args[args.indexOf('-accel') + 1], 'tcg,tb-size=64');
  assert.equal(args[args.indexOf('-uuid') + 1], r.uuid);
  assert.ok(args.includes('tap,ifname=tap-node-3-1,script=no,downscript=no,id=net1'));
  assert.ok(args.includes(`virtio-net-pci,netdev=net0,id=nic0,mac=${r.hardware.nics[0].mac}`));
  assert.ok(args.includes('file=/var/lib/bmc/node-3/disk0.qcow2,if=none,id=disk0,format=qcow2'));
  assert.throws(() => qemuCommand(r, '/d', 'Hdd', 'UEFI'), /UEFI boot needs OVMF/);
  const ns = qemuCommand({ ...r, qemu: { ...r.qemu!, netns: 'pxe-lab' } }, '/d', 'BiosSetup', 'Legacy');
  assert.deepEqual([ns.file, ...ns.args.slice(0, 4)], ['ip', 'netns', 'exec', 'pxe-lab', 'qemu-system-x86_64']);
  assert.ok(ns.args.includes('order=cn,menu=on'));
});

test('sessions expire after SessionTimeout without use; basic auth is checked', () => {
  let now = 0;
  const s = new SessionManager({ username: 'admin', password: 'pw' }, 60, () => now);
  const sess = s.create('admin');
  now = 59_000;
  assert.equal(s.byToken(sess.token)?.id, sess.id);
  now = 59_000 + 60_001;
  assert.equal(s.byToken(sess.token), undefined);
  assert.equal(s.checkBasic('Basic ' + Buffer.from('admin:pw').toString('base64')), 'admin');
  assert.equal(s.checkBasic('Basic ' + Buffer.from('admin:px').toString('base64')), undefined);
  assert.equal(s.checkBasic('Bearer x'), undefined);
  assert.equal(new SessionManager(undefined).open, true);
});
