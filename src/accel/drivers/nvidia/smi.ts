/**
 * nvidia-smi's output, parsed (pure): the CSV of `--query-gpu` and the
 * listing of `-L`, which is the one place that names MIG instances with
 * their UUIDs under their GPU.
 */
export const QUERY_FIELDS = ['pci.bus_id', 'uuid', 'name', 'memory.total', 'memory.used', 'utilization.gpu', 'mig.mode.current'] as const;

export interface SmiGpu {
  /** sysfs form: 0000:3b:00.0 */
  address: string;
  uuid: string;
  name: string;
  memoryMiB?: number;
  memoryUsedMiB?: number;
  utilizationPct?: number;
  migEnabled: boolean;
  mig: { profile: string; index: number; uuid: string }[];
}

/** "00000000:3B:00.0" → "0000:3b:00.0" */
export function busIdToAddress(busId: string): string {
  const m = /^([0-9a-fA-F]+):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(busId.trim());
  if (!m) throw new Error(`nvidia-smi printed an unexpected PCI bus id "${busId}"`);
  return `${m[1]!.slice(-4).padStart(4, '0')}:${m[2]}:${m[3]}.${m[4]}`.toLowerCase();
}

const num = (s: string | undefined) => (s === undefined || !/^\d+(\.\d+)?$/.test(s.trim()) ? undefined : Number(s));

/** Parses `--query-gpu=<QUERY_FIELDS> --format=csv,noheader,nounits`. */
export function parseQueryCsv(text: string): SmiGpu[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const f = line.split(',').map((s) => s.trim());
      if (f.length < QUERY_FIELDS.length) throw new Error(`nvidia-smi printed a line with ${f.length} fields, expected ${QUERY_FIELDS.length}: ${line}`);
      return {
        address: busIdToAddress(f[0]!),
        uuid: f[1]!,
        name: f[2]!,
        memoryMiB: num(f[3]),
        memoryUsedMiB: num(f[4]),
        utilizationPct: num(f[5]),
        migEnabled: f[6] === 'Enabled',
        mig: [],
      };
    });
}

/** Adds the MIG instances of `nvidia-smi -L` to the GPUs they belong to. */
export function addMigInstances(gpus: SmiGpu[], listing: string): SmiGpu[] {
  let current: SmiGpu | undefined;
  for (const line of listing.split('\n')) {
    const gpu = /^GPU \d+: .*\(UUID: (GPU-[^)]+)\)/.exec(line.trim());
    if (gpu) {
      current = gpus.find((g) => g.uuid === gpu[1]);
      continue;
    }
    const mig = /^MIG (\S+)\s+Device\s+(\d+): \(UUID: (MIG-[^)]+)\)/.exec(line.trim());
    if (mig && current) current.mig.push({ profile: mig[1]!, index: Number(mig[2]), uuid: mig[3]! });
  }
  return gpus;
}

/** A MIG profile's memory: "3g.20gb" → "20GB". */
export function migMemory(profile: string): string | undefined {
  const m = /\.(\d+)gb$/i.exec(profile);
  return m ? `${m[1]}GB` : undefined;
}
