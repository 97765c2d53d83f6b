/**
 * Intel FPGA cards on the kernel's DFL driver (PAC Arria 10, D5005, N3000):
 * one device per FPGA region, one FPGA deployable per port (the AFU slot
 * that partial reconfiguration loads), its function the AFU id. Attach:
 * the port's node /dev/dfl-port.M. Program: the FME's PR ioctl.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveredDevice } from '../../model.js';
import type { AccelDriver } from '../types.js';
import { readPciFunction } from '../pci/sysfs.js';
import { pciName } from '../pci/pci-ids.js';
import { listDflFpgas, regionsDir } from './dfl.js';
import { programPort } from './port-pr.js';

export const intelFpgaDriver: AccelDriver = {
  name: 'intel-fpga',
  present: (env) => existsSync(regionsDir(env.sysfsRoot)) && listDflFpgas(env.sysfsRoot).length > 0,
  async discover(env) {
    return listDflFpgas(env.sysfsRoot).map((fpga): DiscoveredDevice => {
      const fn = fpga.pciAddress ? readPciFunction(env.sysfsRoot, fpga.pciAddress) : undefined;
      const vendor = fn?.vendor ?? '0x8086';
      const model = (fn && pciName(fn.vendor, fn.device)) ?? (fn ? `${fn.vendor}:${fn.device}` : 'DFL FPGA');
      const address = fpga.pciAddress ?? fpga.region;
      return {
        type: 'FPGA',
        vendor,
        model,
        address,
        stdBoardInfo: { device_id: fn?.device ?? '', class: fn?.classId ?? '0x120000' },
        vendorBoardInfo: { fme: fpga.fme, ...(fpga.bitstreamId ? { fim_bitstream_id: fpga.bitstreamId } : {}) },
        driverName: 'intel-fpga',
        deployables: fpga.ports.map((p) => {
          const node = join(env.devRoot, p.name);
          const attributes: Record<string, string> = { vendor, model, region: fpga.region, fme: fpga.fme, port: String(p.id) };
          if (p.afuId) attributes.function_id = p.afuId;
          if (fpga.pciAddress) attributes.pci_address = fpga.pciAddress;
          if (fn?.numaNode !== undefined) attributes.numa_node = String(fn.numaNode);
          return {
            name: `${address}/${p.name}`,
            numAccelerators: 1,
            resourceClass: 'FPGA',
            traits: ['CUSTOM_FPGA_INTEL', 'CUSTOM_PROGRAMMABLE'],
            attributes,
            attach: { type: 'PCI' as const, pciAddress: fpga.pciAddress, deviceNodes: existsSync(node) ? [node] : [], env: {} },
          };
        }),
      };
    });
  },
  async program(deployable, imagePath, env) {
    const fme = deployable.attributes.fme;
    const port = Number(deployable.attributes.port);
    if (!fme || !Number.isInteger(port)) throw new Error(`deployable ${deployable.uuid} is not a DFL port (no fme/port attributes)`);
    await programPort(join(env.devRoot, fme), port, imagePath);
  },
};
