/**
 * Node history (API 1.78): the events an operator needs to explain a node's
 * past, mostly errors, as Ironic's node_history_record writes them.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from './table.js';
import { history } from './tables.js';
import type { HistoryRecord, HistorySeverity } from './records.js';

/** Ironic's event types (ironic/common/states.py). */
export type HistoryEventType = 'provisioning' | 'monitoring' | 'transition' | 'console' | 'unprovisioning' | 'verify' | 'introspection' | 'cleaning' | 'rescue';

export async function recordHistory(
  db: Db,
  entry: { nodeId: number; event: string; eventType: HistoryEventType; severity?: HistorySeverity; conductor?: string | null; user?: string | null },
): Promise<HistoryRecord> {
  return history.insert(db, {
    uuid: randomUUID(),
    node_id: entry.nodeId,
    conductor: entry.conductor ?? null,
    event_type: entry.eventType,
    severity: entry.severity ?? 'ERROR',
    event: entry.event,
    user: entry.user ?? null,
    created_at: Date.now(),
  });
}
