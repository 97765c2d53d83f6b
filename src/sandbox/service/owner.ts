/**
 * Who runs a sandbox: a record names its server process as
 * "pid@host#start-ticks", unique per process life, so a restarted server
 * (same pid or not) tells a live owner from a dead one.
 */
import { existsSync, readFileSync } from 'node:fs';

/** /proc/PID/stat's start time (clock ticks since boot): with the pid, it names one process life. */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process's owner name. */
export function ownerName(host: string): string {
  return `${process.pid}@${host}#${startTicks(process.pid) ?? Date.now()}`;
}

/** Whether the server named in a record still runs (another host's server answers for its own). */
export function ownerAlive(r: { host: string; owner: string; ownerPid: number }, host: string): boolean {
  if (r.host !== host) return true;
  const ticks = r.owner.split('#')[1];
  return existsSync(`/proc/${r.ownerPid}`) && startTicks(r.ownerPid) === ticks;
}
