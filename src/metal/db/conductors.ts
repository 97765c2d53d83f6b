/**
 * The conductors table: one row per conductor process, with a heartbeat.
 * A conductor whose heartbeat is older than the timeout is offline: its
 * reservations are cleared and its nodes' unfinished work failed (takeover).
 */
import type { Db } from './table.js';
import { conductors } from './tables.js';
import type { ConductorRecord } from './records.js';

export async function registerConductor(
  db: Db,
  c: { hostname: string; conductor_group: string; drivers: string[]; host: string; pid: number },
): Promise<ConductorRecord> {
  const now = Date.now();
  const existing = await conductors.byColumn(db, 'hostname', c.hostname);
  if (existing) {
    const row = await conductors.update(db, existing.id, { ...c, online: true, updated_at: now });
    return row!;
  }
  return conductors.insert(db, { ...c, online: true, created_at: now, updated_at: now });
}

export async function touchConductor(db: Db, hostname: string): Promise<void> {
  await db.updateTable('metal_conductors').set({ updated_at: Date.now(), online: 1 }).where('hostname', '=', hostname).execute();
}

export async function unregisterConductor(db: Db, hostname: string): Promise<void> {
  await db.updateTable('metal_conductors').set({ online: 0, updated_at: Date.now() }).where('hostname', '=', hostname).execute();
}

export async function allConductors(db: Db): Promise<ConductorRecord[]> {
  const rows = await db.selectFrom('metal_conductors').selectAll().orderBy('hostname').execute();
  return rows.map((r) => conductors.decode(r) as ConductorRecord);
}

/** A conductor is alive while it says it is online and its heartbeat is fresh. */
export function isAlive(c: Pick<ConductorRecord, 'online' | 'updated_at'>, timeoutMs: number, now = Date.now()): boolean {
  return c.online && now - c.updated_at <= timeoutMs;
}
