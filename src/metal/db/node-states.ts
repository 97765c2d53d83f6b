/**
 * The two machines a node row persists, bound to their columns —
 * `provision_state` (states/provision.ts) and `power_state` (states/power.ts) — and the
 * one write that moves them. The store's guard refuses any other UPDATE of
 * these columns, so every provision and power move is checked against its
 * table, compare-and-set, and recorded in state_history.
 */
import { moveState, persistState, whereEquals } from '../../core/index.js';
import { nodePowerState, powerMachine, provisionMachine, reportEvent, type ProvisionEvent } from '../states/index.js';
import type { PowerState } from '../drivers/types.js';
import type { Db } from './table.js';
import { nodes } from './tables.js';
import type { NodeRecord } from './records.js';

export const nodeProvision = persistState(provisionMachine, { table: 'metal_nodes', column: 'provision_state' });
export const nodePower = persistState(powerMachine, { table: 'metal_nodes', column: 'power_state', nullState: 'None' });

export type NodeGuard = Partial<Record<keyof NodeRecord, unknown>>;
/** The columns a plain write may set: the state columns move only through writeNode's events. */
export type NodeChanges = Omit<Partial<NodeRecord>, 'provision_state' | 'power_state'>;

export interface NodeWrite {
  /** Fires this provision event from the node's `provision_state` as read (compare-and-set on it). */
  provision?: ProvisionEvent;
  /**
   * Records what the hardware reported (null: nothing could be read). A move
   * only when it differs from the row's value, made in the same transaction
   * as the other columns, so it overwrites what the row holds as a plain
   * write would.
   */
  power?: PowerState | null;
  /** Other columns written in the same UPDATE. */
  changes?: NodeChanges;
  /** Columns that must still hold these values (null: IS NULL). */
  guard?: NodeGuard;
  /** Who moved it, for the history (a conductor's name). */
  by?: string;
}

/**
 * Writes a node: other columns, and the provision and power moves, in one
 * transaction (the caller's, when given one). Returns the new record, or
 * undefined when a guard failed (someone else moved first) or the row is gone.
 */
export async function writeNode(db: Db, node: Pick<NodeRecord, 'id' | 'provision_state'>, w: NodeWrite): Promise<NodeRecord | undefined> {
  const set = nodes.encode((w.changes ?? {}) as Partial<NodeRecord>);
  const where = nodes.encode((w.guard ?? {}) as Partial<NodeRecord>);
  if (w.provision && w.power === undefined) {
    const row = await moveState(db, nodeProvision, node.id, node.provision_state, w.provision, { set, where, by: w.by });
    return row ? nodes.decode(row) : undefined;
  }
  if (!w.provision && w.power === undefined) return nodes.update(db, node.id, (w.changes ?? {}) as Partial<NodeRecord>, w.guard ?? {});
  const write = async (tx: Db) => {
    let row: Record<string, any> | undefined;
    if (w.provision) row = await moveState(tx, nodeProvision, node.id, node.provision_state, w.provision, { set, where, by: w.by });
    else if (Object.keys(set).length) row = await whereEquals(tx.updateTable('metal_nodes').set(set).where('id', '=', node.id), where).returningAll().executeTakeFirst();
    else row = await whereEquals(tx.selectFrom('metal_nodes').selectAll().where('id', '=', node.id), where).executeTakeFirst();
    if (!row) return undefined;
    if ((row.power_state ?? null) !== w.power) {
      row = await moveState(tx, nodePower, node.id, nodePowerState(row.power_state), reportEvent(w.power ?? null), { by: w.by });
      if (!row) throw new Error(`node ${node.id}: power_state changed inside its own transaction`);
    }
    return nodes.decode(row);
  };
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}
