/**
 * Names from the pci.ids database (hwdata / pciutils) when it is installed,
 * so a generic PCI device shows "Arria 10 PAC" rather than "0x8086:0x09c4".
 */
import { readFileSync } from 'node:fs';

const CANDIDATES = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids'];
let table: Map<string, string> | undefined;

/** Parses the pci.ids format: vendor lines at column 0, device lines after one tab. */
export function parsePciIds(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let vendor = '';
  let vendorName = '';
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('C ')) {
      if (line.startsWith('C ')) vendor = '';
      continue;
    }
    const v = /^([0-9a-f]{4})\s+(.*)$/.exec(line);
    if (v) {
      vendor = v[1]!;
      vendorName = v[2]!;
      out.set(vendor, vendorName);
      continue;
    }
    const d = /^\t([0-9a-f]{4})\s+(.*)$/.exec(line);
    if (d && vendor) out.set(`${vendor}:${d[1]}`, d[2]!);
  }
  return out;
}

/** "Arria 10 PAC" for ("0x8086", "0x09c4"), or undefined when not known here. */
export function pciName(vendor: string, device: string, files = CANDIDATES): string | undefined {
  if (!table) {
    table = new Map();
    for (const f of files) {
      try {
        table = parsePciIds(readFileSync(f, 'utf8'));
        break;
      } catch {
        /* not installed */
      }
    }
  }
  return table.get(`${vendor.replace(/^0x/, '')}:${device.replace(/^0x/, '')}`);
}
