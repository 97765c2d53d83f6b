/**
 * Which name this conductor takes. Reservations and the conductors table are
 * keyed by it, and a restarted conductor that keeps its name takes over what
 * its previous process left at once (Ironic does the same by hostname). Two
 * live processes must not share a name, though: when the name is held by
 * another live process on this host, this one adds its pid.
 */
import { hostname } from 'node:os';
import type { Db } from '../db/table.js';
import { conductors } from '../db/tables.js';
import { isAlive } from '../db/conductors.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function chooseConductorName(db: Db, wanted: string, heartbeatTimeoutMs: number): Promise<string> {
  const row = await conductors.byColumn(db, 'hostname', wanted);
  if (!row || !isAlive(row, heartbeatTimeoutMs)) return wanted;
  if (row.pid === process.pid && row.host === hostname()) return wanted;
  // A fresh heartbeat from a process that is gone (killed moments ago): the name is ours again.
  if (row.host === hostname() && row.pid !== null && !pidAlive(row.pid)) return wanted;
  return `${wanted}-${process.pid}`;
}
