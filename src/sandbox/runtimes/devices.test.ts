import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bwrapArgs } from './namespaces/bwrap-args.js';
import { ociConfig } from './oci/oci-spec.js';
import { kernelCmdline, qemuArgs } from '../vm/qemu-args.js';
import { checkDeviceSupport, deviceNodes, splitDev, vfioFunctions } from './devices.js';
import { validateSpec } from '../model/spec.js';
import { devicesFor } from '../service/device-binder.js';

test('device nodes: bwrap binds each under the private /dev; OCI lists them with cgroup allow rules', () => {
  const a = bwrapArgs({ root: '/r', agentBinary: '/a', hostname: 'h', mounts: [], shareNetwork: false, devices: [{ source: '/dev/nvidia0', target: '/dev/nvidia0' }] });
  const i = a.indexOf('--dev-bind');
  assert.deepEqual(a.slice(i, i + 3), ['--dev-bind', '/dev/nvidia0', '/dev/nvidia0']);
  assert.ok(i > a.indexOf('--dev'), 'after the private /dev is made');
  const c = ociConfig({ root: '/r', agentBinary: '/a', agentArgs: [], hostname: 'h', mounts: [], agentCapabilities: [], network: 'new', devices: [{ target: '/dev/nvidia0', type: 'c', major: 195, minor: 0 }] }) as any;
  assert.deepEqual(c.linux.devices, [{ path: '/dev/nvidia0', type: 'c', major: 195, minor: 0, fileMode: 0o666, uid: 0, gid: 0 }]);
  assert.deepEqual(c.linux.resources.devices, [{ allow: true, type: 'c', major: 195, minor: 0, access: 'rwm' }]);
  assert.deepEqual(deviceNodes([{ source: '/dev/null', target: '/dev/x' }]), [{ source: '/dev/null', target: '/dev/x', type: 'c', major: 1, minor: 3 }]);
  assert.throws(() => deviceNodes([{ source: '/etc/hostname', target: '/dev/h' }]), /not a character or block device/);
  assert.throws(() => deviceNodes([{ source: '/dev/nope-0', target: '/dev/n' }]), /no such device on this host/);
  assert.deepEqual(splitDev(195 * 256 + 3), { major: 195, minor: 3 });
  assert.deepEqual(splitDev(0x1000_0000_0000 + 0x5670_0000 + 0x23400 + 0x89), { major: 0x1234, minor: 0x56789 }, 'the wide form (major over 12 bits, minor over 8)');
});

test('VFIO: the microvm gets a PCIe bus and one vfio-pci device per function; a function not on vfio-pci is refused saying so', () => {
  const plan = { accel: 'tcg' as const, memoryMiB: 256, cpus: 1, kernel: '/k', initrd: '/i', cmdline: [], shares: [], agentSocket: '/s', consoleLog: '/c' };
  const argv = qemuArgs({ ...plan, vfio: ['0000:3b:00.0'] });
  assert.equal(argv[argv.indexOf('-M') + 1], 'microvm,isa-serial=on,rtc=on,pcie=on');
  assert.deepEqual(argv.slice(argv.indexOf('vfio-pci,host=0000:3b:00.0') - 1, argv.indexOf('vfio-pci,host=0000:3b:00.0') + 1), ['-device', 'vfio-pci,host=0000:3b:00.0']);
  assert.doesNotMatch(kernelCmdline({ ...plan, vfio: ['0000:3b:00.0'] }), /pci=off/);
  assert.match(kernelCmdline(plan), /pci=off/);
  const sys = mkdtempSync(join(tmpdir(), 'vfio-'));
  try {
    for (const [a, drv] of [['0000:3b:00.0', 'vfio-pci'], ['0000:3c:00.0', 'nvidia']]) {
      mkdirSync(join(sys, 'bus/pci/drivers', drv!), { recursive: true });
      mkdirSync(join(sys, 'bus/pci/devices', a!), { recursive: true });
      symlinkSync(join(sys, 'bus/pci/drivers', drv!), join(sys, 'bus/pci/devices', a!, 'driver'));
    }
    writeFileSync(join(sys, 'x'), '');
    assert.deepEqual(vfioFunctions(['0000:3b:00.0'], sys), ['0000:3b:00.0']);
    assert.throws(() => vfioFunctions(['0000:3c:00.0'], sys), /PCI device 0000:3c:00.0 is bound to nvidia, not vfio-pci/);
    assert.throws(() => vfioFunctions(['0000:3d:00.0'], sys), /bound to no driver/);
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});

test('which runtime takes which devices, and the spec checks them', () => {
  const spec = validateSpec({ devices: [{ source: '/dev/nvidia0' }, { source: '/dev/dfl-port.0', target: '/dev/fpga' }, { pci: '0000:3b:00.0' }] });
  assert.deepEqual(spec.devices, [{ source: '/dev/nvidia0', target: '/dev/nvidia0' }, { source: '/dev/dfl-port.0', target: '/dev/fpga' }]);
  assert.deepEqual(spec.pciDevices, ['0000:3b:00.0']);
  assert.throws(() => validateSpec({ devices: [{ source: 'nvidia0' }] }), /devices\[0\].source: source must be an absolute host path/);
  assert.throws(() => validateSpec({ devices: [{ source: '/dev/x', target: '/etc/x' }] }), /must be under \/dev/);
  assert.throws(() => validateSpec({ devices: [{ pci: '3b:00.0' }] }), /PCI address/);
  const nodes = validateSpec({ devices: [{ source: '/dev/dfl-port.0' }] });
  const gpu = validateSpec({ devices: [{ source: '/dev/nvidia0' }] });
  const pci = validateSpec({ devices: [{ pci: '0000:3b:00.0' }] });
  assert.throws(() => checkDeviceSupport('process', nodes, 'none'), /host processes cannot be given devices/);
  assert.throws(() => checkDeviceSupport('gvisor', nodes, 'nvidia-nodes'), /NVIDIA GPUs only/);
  checkDeviceSupport('gvisor', gpu, 'nvidia-nodes');
  assert.throws(() => checkDeviceSupport('vm', nodes, 'pci'), /PCI functions through VFIO, not device nodes/);
  assert.throws(() => checkDeviceSupport('runc', pci, 'nodes'), /needs the vm runtime/);
  checkDeviceSupport('vm', pci, 'pci');
});

test('bound accelerators become device nodes for containers, PCI functions for VMs, and one env', () => {
  const bound = [
    { deviceNodes: ['/dev/nvidia0', '/dev/nvidiactl'], pciAddress: '0000:3b:00.0', env: { NVIDIA_VISIBLE_DEVICES: 'GPU-a' } },
    { deviceNodes: ['/dev/nvidia1', '/dev/nvidiactl'], pciAddress: '0000:3c:00.0', env: { NVIDIA_VISIBLE_DEVICES: 'GPU-b' } },
  ];
  const c = devicesFor(bound, false);
  assert.deepEqual(c.env, { NVIDIA_VISIBLE_DEVICES: 'GPU-a,GPU-b' });
  assert.equal(validateSpec({ devices: c.devices }).devices.length, 3, 'the shared control node once');
  assert.deepEqual(devicesFor(bound, true).devices, [{ pci: '0000:3b:00.0' }, { pci: '0000:3c:00.0' }]);
});
