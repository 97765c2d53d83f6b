/**
 * Host devices for a sandbox, checked before a runtime starts: each device
 * node must be a character or block device (its type and numbers go into
 * OCI's device list and cgroup rules), and each PCI function for a VM must
 * be bound to vfio-pci, else QEMU would fail later with a vaguer message.
 */
import { readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { SandboxError } from '../model/errors.js';

export interface DeviceNode {
  source: string;
  target: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
}

/** Linux's dev_t split (glibc's gnu_dev_major/minor), for the 64-bit value stat reports. */
export function splitDev(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return { major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0), minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00) };
}

export function deviceNodes(devices: readonly { source: string; target: string }[]): DeviceNode[] {
  return devices.map((d) => {
    let st;
    try {
      st = statSync(d.source);
    } catch (e) {
      throw new SandboxError('invalid_spec', `device ${d.source}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such device on this host' : (e as Error).message}`);
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new SandboxError('invalid_spec', `device ${d.source} is not a character or block device`);
    return { ...d, type: st.isCharacterDevice() ? 'c' : 'b', ...splitDev(st.rdev) };
  });
}

/** The PCI functions, each checked to be bound to vfio-pci (under sysfsRoot, /sys by default). */
export function vfioFunctions(addresses: readonly string[], sysfsRoot = '/sys'): string[] {
  for (const a of addresses) {
    let driver: string | undefined;
    try {
      driver = basename(readlinkSync(`${sysfsRoot}/bus/pci/devices/${a}/driver`));
    } catch {
      driver = undefined;
    }
    if (driver !== 'vfio-pci')
      throw new SandboxError(
        'invalid_spec',
        `PCI device ${a} is ${driver ? `bound to ${driver}` : 'bound to no driver'}, not vfio-pci: a VM can only be given a function bound to vfio-pci (echo vfio-pci > /sys/bus/pci/devices/${a}/driver_override, then rebind it)`,
      );
  }
  return [...addresses];
}

/** What a runtime can be given: device nodes (containers), NVIDIA nodes only (gVisor's nvproxy), PCI functions (VMs), or nothing. */
export type DeviceSupport = 'nodes' | 'nvidia-nodes' | 'pci' | 'none';

export function checkDeviceSupport(runtime: string, spec: { devices: readonly { source: string }[]; pciDevices: readonly string[] }, support: DeviceSupport): void {
  const fail = (why: string) => {
    throw new SandboxError('invalid_spec', `runtime ${runtime}: ${why}`);
  };
  if (support === 'none' && (spec.devices.length || spec.pciDevices.length)) fail('host processes cannot be given devices; use namespaces, runc, gvisor or vm');
  if (support !== 'pci' && spec.pciDevices.length) fail(`PCI passthrough (${spec.pciDevices[0]}) needs the vm runtime; containers take device nodes`);
  if (support === 'pci' && spec.devices.length) fail(`a VM takes PCI functions through VFIO, not device nodes (${spec.devices[0]!.source})`);
  const other = support === 'nvidia-nodes' && spec.devices.find((d) => !/^nvidia/.test(basename(d.source)));
  if (other) fail(`gVisor passes through NVIDIA GPUs only (nvproxy), not ${other.source}`);
}
