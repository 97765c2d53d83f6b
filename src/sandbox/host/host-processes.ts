/**
 * Host process bookkeeping: the process tree under a pid (to measure what a
 * sandbox adds, and to kill what it leaves), and memory per process.
 */
import { readFileSync, readdirSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string;
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parens: it ends at the last ')'
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' ');
    return { pid, comm, ppid: Number(f[1]), pgrp: Number(f[2]), startTime: Number(f[19]) };
  } catch {
    return undefined;
  }
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** pid and all its descendants (as seen from the host). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const st = readProcStat(pid);
    if (!st) continue;
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    if (out.includes(pid)) continue;
    if (pid !== root || readProcStat(root)) out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

export interface MemoryUse {
  rssKiB: number;
  pssKiB: number;
  /** dirty private pages (anonymous and shmem): memory no other process shares or the kernel can drop */
  privateKiB: number;
}

export function memoryOf(pid: number): MemoryUse | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const get = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssKiB: get('Rss'), pssKiB: get('Pss'), privateKiB: get('Private_Dirty') };
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const st = readProcStat(pid);
    return st !== undefined && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
