/**
 * What inspection and verification learn about the hardware and keep
 * (Ironic's conductor/inspection.py and the BIOS cache of verify): the
 * inspection's times, a port per discovered MAC, the BIOS settings, and
 * stopping an asynchronous inspection that an operator aborted.
 */
import { randomUUID } from 'node:crypto';
import type { BiosSetting, ComposedDriver, DriverContext } from '../drivers/index.js';
import type { Db } from '../db/table.js';
import type { NodeRecord } from '../db/records.js';
import type { NodeChanges } from '../db/node-states.js';
import { ports } from '../db/tables.js';

export const inspectionStarted = (): NodeChanges => ({ inspection_started_at: Date.now(), inspection_finished_at: null });

/** After an abort of `inspect wait`: stop the asynchronous inspection, if the interface can. */
export async function abortInspection(driver: ComposedDriver, dctx: DriverContext): Promise<NodeChanges> {
  await driver.inspect.abort?.(dctx);
  return {};
}

/** Creates a port for each MAC the node does not have yet. */
export async function addPorts(db: Db, node: NodeRecord, macs: string[], pxeMacs?: string[]): Promise<void> {
  const now = Date.now();
  for (const raw of macs) {
    const address = raw.toLowerCase();
    const existing = await ports.byColumn(db, 'address', address);
    if (existing) continue;
    await ports.insert(db, {
      uuid: randomUUID(),
      address,
      node_id: node.id,
      portgroup_id: null,
      extra: {},
      local_link_connection: {},
      pxe_enabled: pxeMacs ? pxeMacs.map((m) => m.toLowerCase()).includes(address) : true,
      internal_info: {},
      physical_network: null,
      is_smartnic: false,
      created_at: now,
      updated_at: null,
    });
  }
}

/** Replaces the node's cached BIOS settings. */
export async function cacheBios(db: Db, node: NodeRecord, settings: BiosSetting[]): Promise<void> {
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('metal_bios_settings').where('node_id', '=', node.id).execute();
    for (const s of settings) {
      const { name, value, ...registry } = s as BiosSetting & Record<string, unknown>;
      await trx.insertInto('metal_bios_settings').values({ node_id: node.id, name, value, registry: JSON.stringify(registry), created_at: now, updated_at: null }).execute();
    }
  });
}
