/** What every benchmark prints with: quantiles, a text table, a process's memory. */
import { readFileSync } from 'node:fs';

/** The q-quantile of the samples by nearest rank (0.5: median, 0.99: p99). */
export function quantile(samples: readonly number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.max(0, Math.min(s.length - 1, Math.ceil(q * s.length) - 1))]!;
}

export function stats(samples: readonly number[]): { median: number; p99: number; min: number } {
  return { median: quantile(samples, 0.5), p99: quantile(samples, 0.99), min: Math.min(...samples) };
}

/** Columns padded to their widest cell, the first left-aligned and the rest right-aligned, a rule under the header. */
export function table(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Resident and peak resident memory of a process, MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}
