/**
 * The queries binding asks: which deployables could serve a request (with
 * whether each is usable and programmable), the ARQ's place in its profile
 * group, the attribute values an instance's earlier bindings pinned, and
 * the attach handle a bound ARQ records.
 */
import type { Kysely } from 'kysely';
import type { AccelDriver } from './drivers/index.js';
import type { Candidate } from './matching.js';
import { toDeployable } from './db/rows.js';
import type { AcceleratorRequest, Deployable } from './model.js';

/** Operator-set attributes per deployable (all, or these). */
export async function operatorAttributes(db: Kysely<any>, uuids?: string[]): Promise<Map<string, Record<string, string>>> {
  let q = db.selectFrom('accel_attributes').select(['deployable_uuid', 'key', 'value']);
  if (uuids) {
    if (!uuids.length) return new Map();
    q = q.where('deployable_uuid', 'in', uuids);
  }
  const out = new Map<string, Record<string, string>>();
  for (const r of (await q.execute()) as any[]) out.set(r.deployable_uuid, { ...out.get(r.deployable_uuid), [r.key]: r.value });
  return out;
}

export async function candidates(trx: Kysely<any>, resourceClass: string, drivers: readonly AccelDriver[]): Promise<Candidate[]> {
  const rows = await trx
    .selectFrom('accel_deployables as d')
    .innerJoin('accel_devices as v', 'v.uuid', 'd.device_uuid')
    .select(['d.uuid', 'd.hostname', 'd.resource_class', 'd.traits', 'd.attributes', 'd.num_accelerators', 'd.max_clients', 'd.used', 'd.bitstream_id', 'd.fault', 'd.driver_name', 'v.status', 'v.missing'])
    .where('d.resource_class', '=', resourceClass)
    .execute();
  const extra = await operatorAttributes(trx);
  return rows.map((r: any) => {
    const d = toDeployable({ ...r, attach: '{}' }, extra.get(r.uuid));
    return {
      uuid: d.uuid,
      hostname: d.hostname,
      resourceClass: d.resourceClass,
      traits: d.traits,
      attributes: d.attributes,
      numAccelerators: d.numAccelerators,
      maxClients: d.maxClients,
      used: d.used,
      bitstreamId: d.bitstreamId,
      usable: r.status === 'enabled' && Number(r.missing) === 0 && !r.fault,
      programmable: drivers.some((drv) => drv.name === r.driver_name && drv.program !== undefined),
    };
  });
}

export async function groupIndex(trx: Kysely<any>, uuid: string): Promise<number> {
  const r: any = await trx.selectFrom('accel_arqs').select('group_index').where('uuid', '=', uuid).executeTakeFirst();
  return Number(r?.group_index ?? 0);
}

/** Values of `attr:K=same` keys already fixed by the instance's other bound ARQs of the same profile. */
export async function pinned(trx: Kysely<any>, arq: AcceleratorRequest, keys: string[], cands: Candidate[], instance: string): Promise<Record<string, string> | undefined> {
  if (!keys.length) return undefined;
  const siblings = await trx.selectFrom('accel_arqs').select('deployable_uuid').where('instance_uuid', '=', instance).where('device_profile_name', '=', arq.deviceProfileName).where('deployable_uuid', 'is not', null).execute();
  const first = siblings.map((s: any) => cands.find((c) => c.uuid === s.deployable_uuid)).find(Boolean);
  return first ? Object.fromEntries(keys.map((k) => [k, first.attributes[k] ?? ''])) : undefined;
}

export function attachInfo(dep: Deployable): Record<string, string> {
  const info: Record<string, string> = {};
  const a = dep.attach.pciAddress;
  if (a) {
    const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(a);
    if (m) Object.assign(info, { domain: m[1], bus: m[2], device: m[3], function: m[4] });
  }
  if (dep.attach.env.NVIDIA_VISIBLE_DEVICES) info.uuid = dep.attach.env.NVIDIA_VISIBLE_DEVICES;
  if (dep.attach.deviceNodes.length) info.device_nodes = dep.attach.deviceNodes.join(',');
  return info;
}
