/**
 * The Linux DFL (Device Feature List) FPGA layout in sysfs, as
 * Documentation/fpga/dfl.rst describes it: each FPGA is a region
 * (DIR/class/fpga_region/regionN, a link into its PCI function's tree)
 * holding one FME (dfl-fme.N: bitstream_id, ports_num, the management
 * node /dev/dfl-fme.N) and its ports (dfl-port.M: afu_id, the AFU's node
 * /dev/dfl-port.M). Pure reading, missing files tolerated.
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { readText, PCI_ADDRESS } from '../pci/sysfs.js';

export interface DflPort {
  name: string;
  id: number;
  afuId?: string;
}

export interface DflFpga {
  region: string;
  /** the PCI function the region belongs to */
  pciAddress?: string;
  fme: string;
  bitstreamId?: string;
  bitstreamMetadata?: string;
  ports: DflPort[];
}

export function regionsDir(sysfsRoot: string): string {
  return join(sysfsRoot, 'class', 'fpga_region');
}

export function listDflFpgas(sysfsRoot: string): DflFpga[] {
  const dir = regionsDir(sysfsRoot);
  if (!existsSync(dir)) return [];
  const out: DflFpga[] = [];
  for (const region of readdirSync(dir).sort()) {
    const path = join(dir, region);
    let entries: string[];
    let real = path;
    try {
      real = realpathSync(path);
      entries = readdirSync(real);
    } catch {
      continue;
    }
    const fme = entries.find((e) => /^dfl-fme\.\d+$/.test(e));
    if (!fme) continue; // a region of another FPGA framework user
    const pciAddress = real.split('/').reverse().find((c) => PCI_ADDRESS.test(c));
    const ports = entries
      .filter((e) => /^dfl-port\.\d+$/.test(e))
      .sort()
      .map((name) => ({ name, id: Number(readText(join(real, name, 'id')) ?? name.split('.')[1]), afuId: readText(join(real, name, 'afu_id'))?.toLowerCase() }));
    out.push({
      region,
      pciAddress,
      fme,
      bitstreamId: readText(join(real, fme, 'bitstream_id'))?.toLowerCase(),
      bitstreamMetadata: readText(join(real, fme, 'bitstream_metadata'))?.toLowerCase(),
      ports,
    });
  }
  return out;
}
