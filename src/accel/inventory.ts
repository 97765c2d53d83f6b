/**
 * Keeping the store in step with what the drivers found on a host
 * (level-triggered, as a Kubernetes controller: read what is there, write
 * the difference, safe to run at any time). A device that vanished is
 * deleted unless a request holds one of its deployables; then it is marked
 * missing and kept until released, so a bound device is never dropped.
 * The devices of a driver that failed this round are left as they were.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { json } from '../core/index.js';
import type { DiscoveredDevice } from './model.js';

export interface SyncReport {
  added: string[];
  removed: string[];
  missing: string[];
  changed: string[];
}

const describe = (hostname: string, address: string) => `${hostname}/${address}`;

export async function syncHost(db: Kysely<any>, hostname: string, found: DiscoveredDevice[], failedDrivers: readonly string[] = [], now = Date.now()): Promise<SyncReport> {
  const report: SyncReport = { added: [], removed: [], missing: [], changed: [] };
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('accel_devices').selectAll().where('hostname', '=', hostname).execute();
    const byAddress = new Map(existing.map((d: any) => [d.address, d]));
    for (const dev of found) {
      const row: any = byAddress.get(dev.address);
      const fields = {
        type: dev.type,
        vendor: dev.vendor,
        model: dev.model,
        std_board_info: json(dev.stdBoardInfo),
        vendor_board_info: json(dev.vendorBoardInfo),
        driver_name: dev.driverName,
        missing: 0,
      };
      let deviceUuid: string;
      if (!row) {
        deviceUuid = randomUUID();
        await trx.insertInto('accel_devices').values({ uuid: deviceUuid, hostname, address: dev.address, status: 'enabled', ...fields, created_at: now, updated_at: now }).execute();
        report.added.push(describe(hostname, dev.address));
      } else {
        deviceUuid = row.uuid;
        const differs = Object.entries(fields).some(([k, v]) => String(row[k]) !== String(v));
        if (differs) {
          await trx.updateTable('accel_devices').set({ ...fields, updated_at: now }).where('uuid', '=', deviceUuid).execute();
          report.changed.push(describe(hostname, dev.address));
        }
      }
      await syncDeployables(trx, deviceUuid, hostname, dev, now);
    }
    const seen = new Set(found.map((d) => d.address));
    for (const row of existing as any[]) {
      if (seen.has(row.address) || failedDrivers.includes(row.driver_name)) continue;
      if (await isHeld(trx, row.uuid)) {
        if (Number(row.missing) !== 1) {
          await trx.updateTable('accel_devices').set({ missing: 1, updated_at: now }).where('uuid', '=', row.uuid).execute();
          report.missing.push(describe(hostname, row.address));
        }
        continue;
      }
      await removeDevice(trx, row.uuid);
      report.removed.push(describe(hostname, row.address));
    }
  });
  return report;
}

async function syncDeployables(trx: Kysely<any>, deviceUuid: string, hostname: string, dev: DiscoveredDevice, now: number): Promise<void> {
  const rows = await trx.selectFrom('accel_deployables').selectAll().where('device_uuid', '=', deviceUuid).execute();
  const byName = new Map(rows.map((r: any) => [r.name, r]));
  const uuidOf = new Map<string, string>();
  for (const d of dev.deployables) uuidOf.set(d.name, (byName.get(d.name) as any)?.uuid ?? randomUUID());
  for (const d of dev.deployables) {
    const uuid = uuidOf.get(d.name)!;
    const parent = d.parent ? uuidOf.get(d.parent) ?? null : null;
    const fields = {
      parent_uuid: parent,
      root_uuid: parent,
      num_accelerators: d.numAccelerators,
      driver_name: dev.driverName,
      resource_class: d.resourceClass,
      traits: json(d.traits),
      attributes: json(d.attributes),
      attach: json(d.attach),
    };
    const row: any = byName.get(d.name);
    if (!row) {
      await trx
        .insertInto('accel_deployables')
        .values({ uuid, device_uuid: deviceUuid, hostname, name: d.name, rp_uuid: randomUUID(), bitstream_id: d.bitstreamId ?? null, max_clients: 1, used: 0, fault: null, ...fields, created_at: now, updated_at: now })
        .execute();
    } else if (Object.entries(fields).some(([k, v]) => String(row[k]) !== String(v)) || (d.bitstreamId && d.bitstreamId !== row.bitstream_id)) {
      await trx
        .updateTable('accel_deployables')
        .set({ ...fields, ...(d.bitstreamId ? { bitstream_id: d.bitstreamId } : {}), updated_at: now })
        .where('uuid', '=', uuid)
        .execute();
    }
  }
  const names = new Set(dev.deployables.map((d) => d.name));
  for (const r of rows as any[]) {
    if (names.has(r.name) || Number(r.used) > 0) continue; // a held deployable outlives its report
    await trx.deleteFrom('accel_attributes').where('deployable_uuid', '=', r.uuid).execute();
    await trx.deleteFrom('accel_deployables').where('uuid', '=', r.uuid).execute();
  }
}

async function isHeld(trx: Kysely<any>, deviceUuid: string): Promise<boolean> {
  const r = await trx.selectFrom('accel_deployables').select('uuid').where('device_uuid', '=', deviceUuid).where('used', '>', 0).executeTakeFirst();
  return r !== undefined;
}

async function removeDevice(trx: Kysely<any>, deviceUuid: string): Promise<void> {
  const deps = await trx.selectFrom('accel_deployables').select('uuid').where('device_uuid', '=', deviceUuid).execute();
  if (deps.length) await trx.deleteFrom('accel_attributes').where('deployable_uuid', 'in', deps.map((d: any) => d.uuid)).execute();
  await trx.deleteFrom('accel_deployables').where('device_uuid', '=', deviceUuid).execute();
  await trx.deleteFrom('accel_devices').where('uuid', '=', deviceUuid).execute();
}
