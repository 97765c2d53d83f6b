/**
 * The generic PCI driver: every accelerator-class PCI function in sysfs
 * (GPUs of any vendor, co-processors, processing accelerators) as one
 * device with one deployable. Attach: the function's VFIO group when it is
 * bound to vfio-pci, else its DRM nodes. Where a specific driver also
 * reports a function (NVIDIA GPUs, DFL FPGAs), discovery keeps that one.
 */
import { existsSync } from 'node:fs';
import type { DeviceType, DiscoveredDevice } from '../../model.js';
import type { AccelDriver, DriverEnv } from '../types.js';
import { functionNodes, isAcceleratorClass, listPciFunctions, pciDevicesDir, type PciFunction } from './sysfs.js';
import { pciName } from './pci-ids.js';

function deviceType(fn: PciFunction): DeviceType {
  if (fn.classId.startsWith('0x03')) return 'GPU';
  if (fn.classId.startsWith('0x1200') && (fn.vendor === '0x10ee' || fn.vendor === '0x1172')) return 'FPGA';
  return 'AICHIP';
}

const RESOURCE_CLASS: Record<DeviceType, string> = { GPU: 'PGPU', FPGA: 'FPGA', AICHIP: 'CUSTOM_AICHIP', QAT: 'CUSTOM_QAT', NIC: 'CUSTOM_NIC', SSD: 'CUSTOM_SSD' };

export function describeFunction(fn: PciFunction, devRoot: string, driverName: string): DiscoveredDevice {
  const type = deviceType(fn);
  const model = pciName(fn.vendor, fn.device) ?? `${fn.vendor}:${fn.device}`;
  const attributes: Record<string, string> = { vendor: fn.vendor, device: fn.device, class: fn.classId, pci_address: fn.address, model };
  if (fn.numaNode !== undefined) attributes.numa_node = String(fn.numaNode);
  if (fn.driver) attributes.kernel_driver = fn.driver;
  return {
    type,
    vendor: fn.vendor,
    model,
    address: fn.address,
    stdBoardInfo: { device_id: fn.device, class: fn.classId },
    vendorBoardInfo: fn.driver ? { kernel_driver: fn.driver } : {},
    driverName,
    deployables: [
      {
        name: fn.address,
        numAccelerators: 1,
        resourceClass: RESOURCE_CLASS[type],
        traits: [`CUSTOM_VENDOR_${fn.vendor.replace(/^0x/, '').toUpperCase()}`],
        attributes,
        attach: { type: 'PCI', pciAddress: fn.address, deviceNodes: functionNodes(fn, devRoot), env: {} },
      },
    ],
  };
}

export const pciDriver: AccelDriver = {
  name: 'pci',
  present: (env: DriverEnv) => existsSync(pciDevicesDir(env.sysfsRoot)),
  async discover(env) {
    return listPciFunctions(env.sysfsRoot)
      .filter((fn) => isAcceleratorClass(fn.classId))
      .map((fn) => describeFunction(fn, env.devRoot, 'pci'));
  },
};
