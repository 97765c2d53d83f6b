/**
 * What a sandbox's host processes use right now, read from /proc: how many
 * there are, their resident memory (RSS, and PSS so shared pages count
 * once across them) and the CPU time they have had. The dashboard shows it
 * beside the limits in force; it is a sample, not an accounting.
 */
import { readFileSync } from 'node:fs';
import { memoryOf } from './host-processes.js';

/** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const USER_HZ = 100;

export interface Usage {
  processes: number;
  rssKiB: number;
  pssKiB: number;
  cpuMs: number;
}

/** utime + stime (fields 14 and 15 of /proc/PID/stat) in ms; comm may hold spaces and parens. */
export function cpuMsOfStat(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  if (!Number.isFinite(ticks)) throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`);
  return (ticks * 1000) / USER_HZ;
}

/** Sums the processes that still exist (one may end between listing and reading it). */
export function usageOf(pids: readonly number[]): Usage {
  const u: Usage = { processes: 0, rssKiB: 0, pssKiB: 0, cpuMs: 0 };
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    u.processes++;
    u.cpuMs += cpuMsOfStat(stat);
    const m = memoryOf(pid);
    if (m) {
      u.rssKiB += m.rssKiB;
      u.pssKiB += m.pssKiB;
    }
  }
  return u;
}
