// The gate's event log: what happened on the review source (Gerrit's event
// names and fields) and timer firings. Events are appended in the same
// transaction as the change they describe, so none is lost; each tenant's
// scheduler reads them in order from its cursor.

import { EventEmitter } from 'node:events';
import type { Kysely, Transaction } from 'kysely';
import type { Account } from '../model.js';
import { nextValue } from './migrations.js';

export type GateEventType =
  | 'patchset-created' | 'comment-added' | 'change-abandoned' | 'change-restored' | 'change-merged' | 'ref-updated' | 'timer'
  // Zuul's management events, from its admin API (enqueue, dequeue, promote).
  | 'admin-enqueue' | 'admin-dequeue' | 'admin-promote';

export interface GateEvent {
  id: number;
  type: GateEventType;
  /** `local` for review events, `timer` for timer firings. */
  connection: string;
  /** Epoch ms. */
  time: number;
  project?: string;
  branch?: string;
  ref?: string;
  oldrev?: string;
  newrev?: string;
  change?: { number: number; patchset: number };
  account?: Account;
  /** Votes the event carries (comment-added), with the previous value. */
  approvals?: Array<{ label: string; value: number; oldValue?: number }>;
  comment?: string;
  /** Timer and admin events: which tenant and pipeline. */
  tenant?: string;
  pipeline?: string;
  /** admin-promote: the changes (`N,P`) to move to the head of their queue, in order. */
  changes?: string[];
}

export class EventLog {
  private readonly emitter = new EventEmitter();

  constructor(private readonly db: Kysely<any>) {
    this.emitter.setMaxListeners(0);
  }

  /** Appends inside the caller's transaction; call notify() once it commits. */
  async append(trx: Transaction<any> | Kysely<any>, e: Omit<GateEvent, 'id' | 'time'> & { time?: number }): Promise<GateEvent> {
    const id = await nextValue(trx, 'event');
    const event = { ...e, id, time: e.time ?? Date.now() } as GateEvent;
    await trx.insertInto('gate_events').values({ id, type: event.type, data: JSON.stringify(event), created_at: event.time }).execute();
    return event;
  }

  async after(id: number, limit = 500): Promise<GateEvent[]> {
    const rows = await this.db.selectFrom('gate_events').select(['data']).where('id', '>', id).orderBy('id').limit(limit).execute();
    return rows.map((r: { data: string }) => JSON.parse(r.data) as GateEvent);
  }

  async lastId(): Promise<number> {
    const row = await this.db.selectFrom('gate_counters').select(['value']).where('name', '=', 'event').executeTakeFirst();
    return Number(row?.value ?? 0);
  }

  /** Tells in-process schedulers that events were committed. */
  notify(): void {
    this.emitter.emit('appended');
  }

  onAppended(fn: () => void): () => void {
    this.emitter.on('appended', fn);
    return () => this.emitter.off('appended', fn);
  }
}
