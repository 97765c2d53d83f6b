/**
 * NVIDIA GPUs: found in sysfs by vendor 0x10de and a display class; named,
 * sized and split into MIG instances by nvidia-smi where it is installed
 * (without it each GPU is still reported, with what sysfs knows). A whole
 * GPU is a PGPU deployable; with MIG on, each instance is a VGPU child
 * deployable and the GPU itself holds none. Attach: /dev/nvidiaN plus the
 * control nodes, and NVIDIA_VISIBLE_DEVICES / CUDA_VISIBLE_DEVICES with the
 * UUID, as the NVIDIA container toolkit sets them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../core/host/index.js';
import type { DiscoveredDeployable, DiscoveredDevice } from '../../model.js';
import type { AccelDriver, DriverEnv } from '../types.js';
import { listPciFunctions, pciDevicesDir, readText, type PciFunction } from '../pci/sysfs.js';
import { pciName } from '../pci/pci-ids.js';
import { addMigInstances, migMemory, parseQueryCsv, QUERY_FIELDS, type SmiGpu } from './smi.js';

const CONTROL_NODES = ['nvidiactl', 'nvidia-uvm', 'nvidia-uvm-tools'];

export function nvidiaFunctions(sysfsRoot: string): PciFunction[] {
  return listPciFunctions(sysfsRoot).filter((f) => f.vendor === '0x10de' && f.classId.startsWith('0x03'));
}

/** nvidia-smi's view, or undefined when it is not installed or fails (said by the caller). */
export async function querySmi(smi: string): Promise<SmiGpu[]> {
  const q = await run([smi, `--query-gpu=${QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'], { timeoutMs: 20_000 });
  if (q.code !== 0) throw new Error(`nvidia-smi --query-gpu failed (exit ${q.code}): ${q.stderr.trim() || q.stdout.trim()}`);
  const gpus = parseQueryCsv(q.stdout);
  if (gpus.some((g) => g.migEnabled)) {
    const l = await run([smi, '-L'], { timeoutMs: 20_000 });
    if (l.code === 0) addMigInstances(gpus, l.stdout);
  }
  return gpus;
}

/** The device minor of a GPU (/dev/nvidiaN): the driver's own record when readable, else PCI order. */
function minorOf(fn: PciFunction, index: number): number {
  const info = readText(join('/proc/driver/nvidia/gpus', fn.address, 'information'));
  const m = info && /Device Minor:\s*(\d+)/.exec(info);
  return m ? Number(m[1]) : index;
}

export function describeGpu(fn: PciFunction, index: number, smi: SmiGpu | undefined, devRoot: string): DiscoveredDevice {
  const model = smi?.name ?? pciName(fn.vendor, fn.device) ?? `NVIDIA ${fn.device}`;
  const nodes = [join(devRoot, `nvidia${minorOf(fn, index)}`), ...CONTROL_NODES.map((n) => join(devRoot, n))].filter((p) => existsSync(p));
  const base: Record<string, string> = { vendor: fn.vendor, device: fn.device, model, pci_address: fn.address };
  if (fn.numaNode !== undefined) base.numa_node = String(fn.numaNode);
  if (smi?.memoryMiB !== undefined) base.memory = `${smi.memoryMiB}MiB`;
  if (smi?.uuid) base.uuid = smi.uuid;
  // what `strata accel top` shows
  if (smi?.utilizationPct !== undefined) base.utilization_gpu = String(smi.utilizationPct);
  if (smi?.memoryUsedMiB !== undefined) base.memory_used = `${smi.memoryUsedMiB}MiB`;
  const visible = (id: string) => ({ NVIDIA_VISIBLE_DEVICES: id, CUDA_VISIBLE_DEVICES: id });
  const gpuId = smi?.uuid ?? String(index);
  const mig = smi?.migEnabled ? smi.mig : [];
  const deployables: DiscoveredDeployable[] = [
    {
      name: smi?.uuid ?? fn.address,
      numAccelerators: smi?.migEnabled ? 0 : 1,
      resourceClass: 'PGPU',
      traits: ['CUSTOM_NVIDIA_GPU'],
      attributes: base,
      attach: { type: 'PCI', pciAddress: fn.address, deviceNodes: nodes, env: visible(gpuId) },
    },
    ...mig.map((m) => ({
      name: m.uuid,
      parent: smi?.uuid ?? fn.address,
      numAccelerators: 1,
      resourceClass: 'VGPU',
      traits: ['CUSTOM_NVIDIA_GPU', 'CUSTOM_NVIDIA_MIG'],
      attributes: { ...base, uuid: m.uuid, mig_profile: m.profile, ...(migMemory(m.profile) ? { memory: migMemory(m.profile)! } : {}) },
      attach: { type: 'MDEV' as const, pciAddress: fn.address, deviceNodes: nodes, env: visible(m.uuid) },
    })),
  ];
  return {
    type: 'GPU',
    vendor: fn.vendor,
    model,
    address: fn.address,
    stdBoardInfo: { device_id: fn.device, class: fn.classId },
    vendorBoardInfo: { ...(smi?.uuid ? { uuid: smi.uuid } : {}), ...(smi?.migEnabled ? { mig: 'enabled' } : {}) },
    driverName: 'nvidia',
    deployables,
  };
}

export const nvidiaDriver: AccelDriver = {
  name: 'nvidia',
  present: (env: DriverEnv) => existsSync(pciDevicesDir(env.sysfsRoot)) && nvidiaFunctions(env.sysfsRoot).length > 0,
  async discover(env) {
    const fns = nvidiaFunctions(env.sysfsRoot);
    if (!fns.length) return [];
    const smi = env.nvidiaSmi ? await querySmi(env.nvidiaSmi) : [];
    return fns.map((fn, i) => describeGpu(fn, i, smi.find((g) => g.address === fn.address), env.devRoot));
  },
};
