/**
 * Reading a PCI function from sysfs (DIR/bus/pci/devices/ADDR): vendor,
 * device and class ids, NUMA node, bound kernel driver, IOMMU group and the
 * DRM nodes under it. Missing files read as undefined: real sysfs trees
 * differ between kernels.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface PciFunction {
  address: string;
  /** "0x10de" */
  vendor: string;
  device: string;
  /** "0x030200" */
  classId: string;
  numaNode?: number;
  /** the bound kernel driver (nvidia, vfio-pci, i915, dfl-pci), if any */
  driver?: string;
  iommuGroup?: string;
  /** DRM node names under the function (card0, renderD128) */
  drm: string[];
  path: string;
}

export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

export function pciDevicesDir(sysfsRoot: string): string {
  return join(sysfsRoot, 'bus', 'pci', 'devices');
}

export function readPciFunction(sysfsRoot: string, address: string): PciFunction | undefined {
  const path = join(pciDevicesDir(sysfsRoot), address);
  const vendor = readText(join(path, 'vendor'))?.toLowerCase();
  const device = readText(join(path, 'device'))?.toLowerCase();
  const classId = readText(join(path, 'class'))?.toLowerCase();
  if (!vendor || !device || !classId) return undefined;
  const numa = Number(readText(join(path, 'numa_node')));
  let drm: string[] = [];
  try {
    drm = readdirSync(join(path, 'drm')).filter((n) => /^(card|renderD)\d+$/.test(n));
  } catch {
    /* no DRM driver bound */
  }
  return {
    address,
    vendor,
    device,
    classId,
    numaNode: Number.isInteger(numa) && numa >= 0 ? numa : undefined,
    driver: linkName(join(path, 'driver')),
    iommuGroup: linkName(join(path, 'iommu_group')),
    drm,
    path,
  };
}

/** Every PCI function under the root, sorted by address. */
export function listPciFunctions(sysfsRoot: string): PciFunction[] {
  const dir = pciDevicesDir(sysfsRoot);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((a) => PCI_ADDRESS.test(a))
    .sort()
    .map((a) => readPciFunction(sysfsRoot, a))
    .filter((f): f is PciFunction => f !== undefined);
}

/** Accelerator classes: display controllers (0x03), co-processors (0x0b40), processing accelerators (0x12). */
export function isAcceleratorClass(classId: string): boolean {
  const c = classId.replace(/^0x/, '');
  return c.startsWith('03') || c.startsWith('0b40') || c.startsWith('12');
}

/** The /dev nodes through which a container-style sandbox reaches a function. */
export function functionNodes(fn: PciFunction, devRoot: string): string[] {
  if (fn.driver === 'vfio-pci' && fn.iommuGroup) return [join(devRoot, 'vfio', fn.iommuGroup)];
  return fn.drm.map((n) => join(devRoot, 'dri', n)).filter((p) => existsSync(p));
}
