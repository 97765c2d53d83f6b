/**
 * What the sandbox service asks of an accelerator service (the accel
 * module provides one; without it a sandbox cannot ask for accelerators):
 * bind the named profiles or requests to a sandbox being created, and
 * release them when it goes. Kept here as an interface so sandbox depends
 * on no other module.
 */
import type { Principal } from '../../core/index.js';
import type { DeviceSpec } from '../model/spec.js';

export interface BoundDevice {
  /** host device nodes (for container runtimes) */
  deviceNodes: string[];
  /** the PCI function (for VMs, through VFIO) */
  pciAddress?: string;
  /** environment the workload sees (NVIDIA_VISIBLE_DEVICES, …) */
  env: Record<string, string>;
}

export interface DeviceBinder {
  bind(caller: Principal, sandboxId: string, accelerators: string[]): Promise<BoundDevice[]>;
  release(sandboxId: string): Promise<void>;
}

/** The devices and environment a runtime gets for what was bound: PCI functions for a VM, device nodes otherwise. */
export function devicesFor(bound: BoundDevice[], vm: boolean): { devices: DeviceSpec[]; env: Record<string, string> } {
  const devices: DeviceSpec[] = [];
  const env: Record<string, string> = {};
  for (const b of bound) {
    if (vm) {
      if (b.pciAddress) devices.push({ pci: b.pciAddress });
    } else {
      for (const n of b.deviceNodes) devices.push({ source: n });
    }
    for (const [k, v] of Object.entries(b.env)) env[k] = env[k] ? [...new Set([...env[k]!.split(','), v])].join(',') : v;
  }
  return { devices, env };
}
