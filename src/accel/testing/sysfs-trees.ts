/**
 * Fake sysfs trees that reproduce real hosts' layouts, for driver tests,
 * the e2e tests and the benchmark: PCI functions as the kernel lays them
 * out (vendor, device, class, numa_node, driver and iommu_group links, drm
 * nodes), a DFL FPGA region linked into its PCI function, and an
 * nvidia-smi stand-in that prints what a real one printed on such a host.
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeFunction {
  address: string;
  vendor: string;
  device: string;
  classId: string;
  numaNode?: number;
  driver?: string;
  iommuGroup?: number;
  drm?: string[];
}

export function addPciFunction(root: string, fn: FakeFunction): string {
  const real = join(root, 'devices', `pci${fn.address.slice(0, 7)}`, fn.address);
  mkdirSync(real, { recursive: true });
  writeFileSync(join(real, 'vendor'), `${fn.vendor}\n`);
  writeFileSync(join(real, 'device'), `${fn.device}\n`);
  writeFileSync(join(real, 'class'), `${fn.classId}\n`);
  writeFileSync(join(real, 'numa_node'), `${fn.numaNode ?? -1}\n`);
  if (fn.driver) {
    mkdirSync(join(root, 'bus', 'pci', 'drivers', fn.driver), { recursive: true });
    symlinkSync(join(root, 'bus', 'pci', 'drivers', fn.driver), join(real, 'driver'));
  }
  if (fn.iommuGroup !== undefined) {
    mkdirSync(join(root, 'kernel', 'iommu_groups', String(fn.iommuGroup)), { recursive: true });
    symlinkSync(join(root, 'kernel', 'iommu_groups', String(fn.iommuGroup)), join(real, 'iommu_group'));
  }
  for (const n of fn.drm ?? []) mkdirSync(join(real, 'drm', n), { recursive: true });
  mkdirSync(join(root, 'bus', 'pci', 'devices'), { recursive: true });
  symlinkSync(real, join(root, 'bus', 'pci', 'devices', fn.address));
  return real;
}

/** A host with one H100 (PCIe, 80 GB) and a host bridge that is no accelerator. */
export function h100Host(root: string): void {
  addPciFunction(root, { address: '0000:00:00.0', vendor: '0x8086', device: '0x09a2', classId: '0x060000' });
  addPciFunction(root, { address: '0000:3b:00.0', vendor: '0x10de', device: '0x2331', classId: '0x030200', numaNode: 0, driver: 'nvidia', iommuGroup: 17 });
}

/** A host with an A100 in MIG mode (two instances) and a second A100 without. */
export function a100MigHost(root: string): void {
  addPciFunction(root, { address: '0000:17:00.0', vendor: '0x10de', device: '0x20b0', classId: '0x030200', numaNode: 0, driver: 'nvidia' });
  addPciFunction(root, { address: '0000:b1:00.0', vendor: '0x10de', device: '0x20b0', classId: '0x030200', numaNode: 1, driver: 'nvidia' });
}

/** An Intel PAC Arria 10 GX on the DFL driver: region0 with dfl-fme.0 and one port. */
export function arria10Host(root: string): void {
  const fn = addPciFunction(root, { address: '0000:5e:00.0', vendor: '0x8086', device: '0x09c4', classId: '0x120000', numaNode: 0, driver: 'dfl-pci' });
  const region = join(fn, 'fpga_region', 'region0');
  mkdirSync(join(region, 'dfl-fme.0'), { recursive: true });
  writeFileSync(join(region, 'dfl-fme.0', 'bitstream_id'), '0x2300011001030f\n');
  writeFileSync(join(region, 'dfl-fme.0', 'bitstream_metadata'), '0x1802\n');
  writeFileSync(join(region, 'dfl-fme.0', 'ports_num'), '1\n');
  mkdirSync(join(region, 'dfl-port.0'), { recursive: true });
  writeFileSync(join(region, 'dfl-port.0', 'afu_id'), 'd8424dc4a4a3c413f89e433683f9040b\n');
  writeFileSync(join(region, 'dfl-port.0', 'id'), '0\n');
  mkdirSync(join(root, 'class', 'fpga_region'), { recursive: true });
  symlinkSync(region, join(root, 'class', 'fpga_region', 'region0'));
}

/** A GPU of another vendor (AMD MI210) that only the generic pci driver knows, with DRM nodes. */
export function amdHost(root: string): void {
  addPciFunction(root, { address: '0000:c1:00.0', vendor: '0x1002', device: '0x740f', classId: '0x038000', numaNode: 1, driver: 'amdgpu', drm: ['card1', 'renderD129'] });
}

export const H100_QUERY = '00000000:3B:00.0, GPU-6a3e6f9c-0f4b-7a1e-9b5e-1d2f3a4b5c6d, NVIDIA H100 PCIe, 81559, 1, 0, Disabled\n';
export const A100_QUERY =
  '00000000:17:00.0, GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f, NVIDIA A100-SXM4-40GB, 40960, 0, [N/A], Enabled\n' +
  '00000000:B1:00.0, GPU-0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e, NVIDIA A100-SXM4-40GB, 40960, 10240, 37, Disabled\n';
export const A100_LIST =
  'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f)\n' +
  '  MIG 3g.20gb     Device  0: (UUID: MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f)\n' +
  '  MIG 2g.10gb     Device  1: (UUID: MIG-8a7b6c5d-4e3f-5a1b-9c8d-7e6f5a4b3c2d)\n' +
  'GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e)\n';

/** An executable stand-in for nvidia-smi that prints the given query and -L outputs. */
export function fakeNvidiaSmi(dir: string, query: string, list = ''): string {
  const path = join(dir, 'nvidia-smi');
  writeFileSync(join(dir, 'query.txt'), query);
  writeFileSync(join(dir, 'list.txt'), list);
  writeFileSync(path, `#!/bin/sh\ncase "$1" in -L) cat "${join(dir, 'list.txt')}" ;; *) cat "${join(dir, 'query.txt')}" ;; esac\n`);
  chmodSync(path, 0o755);
  return path;
}
