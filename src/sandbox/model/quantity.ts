/**
 * Resource quantities as users write them: memory "512Mi", "1G", "268435456"
 * (Kubernetes suffixes: Ki Mi Gi Ti binary, k/K M G T decimal); CPUs "0.5",
 * "2", "500m"; durations "30s", "5m", "1500ms", "2h" or a bare number of
 * seconds in a string (as the CLI's --timeout S), while a JavaScript number
 * is milliseconds (as everywhere in Node).
 */
import { SandboxError } from './errors.js';

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export function parseMemory(text: string | number, where = 'memory'): number {
  if (typeof text === 'number') {
    if (!Number.isSafeInteger(text) || text <= 0) throw new SandboxError('invalid_spec', `${where}: ${text} is not a positive whole number of bytes`);
    return text;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGT]i?|)B?\s*$/.exec(text);
  if (!m || !(m[2] in MEMORY_UNITS)) throw new SandboxError('invalid_spec', `${where}: ${JSON.stringify(text)} is not a memory size (e.g. 256Mi, 1G, 1048576)`);
  const bytes = Math.round(Number(m[1]) * MEMORY_UNITS[m[2]]);
  if (bytes <= 0) throw new SandboxError('invalid_spec', `${where}: must be more than 0`);
  return bytes;
}

export function parseCpus(text: string | number, where = 'cpus'): number {
  let n: number;
  if (typeof text === 'number') n = text;
  else {
    const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(text);
    if (!m) throw new SandboxError('invalid_spec', `${where}: ${JSON.stringify(text)} is not a CPU count (e.g. 0.5, 2, 500m)`);
    n = Number(m[1]) / (m[2] ? 1000 : 1);
  }
  if (!(n >= 0.01) || n > 1024) throw new SandboxError('invalid_spec', `${where}: ${text} is out of range (0.01 to 1024)`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, '': 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string | number, where = 'timeout'): number {
  let ms: number;
  if (typeof text === 'number') ms = text;
  else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$/.exec(text);
    if (!m) throw new SandboxError('invalid_spec', `${where}: ${JSON.stringify(text)} is not a duration (e.g. 30s, 5m, 1500ms)`);
    ms = Number(m[1]) * DURATION_UNITS[m[2]];
  }
  if (!(ms > 0) || !Number.isFinite(ms)) throw new SandboxError('invalid_spec', `${where}: must be more than 0`);
  return Math.round(ms);
}

export function formatBytes(n: number): string {
  for (const [unit, size] of [['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) if (n >= size && n % size === 0) return `${n / size}${unit}`;
  return `${n}`;
}
