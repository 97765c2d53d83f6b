import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Store } from '../store/index.js';
import { NotFoundError } from '../errors/index.js';
import { fromRow, type NewTask, type Task, type TaskRow } from './task.js';
import { taskMachine as m, taskState, type TaskState } from './task-states.js';
import { moveState } from '../store/index.js';

type Db = Kysely<{ tasks: TaskRow }>;
type Executor = Db | Transaction<{ tasks: TaskRow }>;

/**
 * The SQL of durable tasks. Claiming is one conditional UPDATE per task, so
 * two runners can never both win a task; on PostgreSQL the candidate scan
 * also skips rows another runner has locked (`FOR UPDATE SKIP LOCKED`).
 */
export class TaskStore {
  private readonly db: Db;

  constructor(private readonly store: Store) {
    this.db = store.db as Db;
  }

  /** Inserts a task; pass a transaction to create it atomically with the state change it serves. */
  async enqueue<P>(t: NewTask<P>, trx?: Transaction<any>): Promise<Task<P>> {
    const now = Date.now();
    const row: TaskRow = {
      id: t.id ?? randomUUID(),
      kind: t.kind,
      subject: t.subject ?? null,
      state: 'pending',
      payload: JSON.stringify(t.payload ?? null),
      result: null,
      error: null,
      progress: null,
      owner: null,
      lease_expires_at: null,
      attempts: 0,
      max_attempts: t.maxAttempts ?? 3,
      cancel_requested: 0,
      run_after: t.runAfter ?? now,
      created_at: now,
      updated_at: now,
    };
    await ((trx as Executor | undefined) ?? this.db).insertInto('tasks').values(row).execute();
    return fromRow<P>(row);
  }

  async get<P = unknown>(id: string): Promise<Task<P>> {
    const row = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`task ${id} not found`);
    return fromRow<P>(row);
  }

  async list(filter: { kind?: string; subject?: string; state?: string; limit?: number } = {}): Promise<Task[]> {
    let q = this.db.selectFrom('tasks').selectAll();
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.subject) q = q.where('subject', '=', filter.subject);
    if (filter.state) q = q.where('state', '=', filter.state);
    const rows = await q.orderBy('created_at').orderBy('id').limit(filter.limit ?? 1000).execute();
    return rows.map((r) => fromRow(r));
  }

  /**
   * Claims up to `limit` runnable tasks of the given kinds for `owner`:
   * pending ones whose time has come, and running ones whose lease expired
   * (their owner died). Each claim counts an attempt.
   */
  async claim(owner: string, kinds: string[], limit: number, leaseMs: number): Promise<{ task: Task; takeover: boolean }[]> {
    if (kinds.length === 0 || limit <= 0) return [];
    const now = Date.now();
    const runnable = (q: any) =>
      q
        .where('kind', 'in', kinds)
        .where((eb: any) =>
          eb.or([
            eb.and([eb('state', 'in', m.sources('claim')), eb('run_after', '<=', now)]),
            eb.and([eb('state', 'in', m.sources('takeover')), eb('lease_expires_at', '<', now)]),
          ]),
        );
    const claimed: { task: Task; takeover: boolean }[] = [];
    await this.db.transaction().execute(async (trx) => {
      let scan = runnable(trx.selectFrom('tasks').select(['id', 'state'])).orderBy('run_after').orderBy('created_at').limit(limit);
      if (this.store.dialect === 'postgres') scan = scan.forUpdate().skipLocked();
      const ids: { id: string; state: string }[] = await scan.execute();
      for (const { id, state } of ids) {
        const row = await moveState(trx, taskState, id, state as TaskState, state === 'running' ? 'takeover' : 'claim', {
          set: { owner, lease_expires_at: now + leaseMs, attempts: sql`attempts + 1`, updated_at: now },
          narrow: (q) => q.where('kind', 'in', kinds).where(state === 'running' ? 'lease_expires_at' : 'run_after', state === 'running' ? '<' : '<=', now),
        });
        if (row) claimed.push({ task: fromRow(row as TaskRow), takeover: state === 'running' });
      }
    });
    return claimed;
  }

  /** When the earliest task of these kinds becomes claimable (a retry's time, a lease running out); undefined when none will. */
  async nextDue(kinds: string[]): Promise<number | undefined> {
    if (kinds.length === 0) return undefined;
    const row = await this.db
      .selectFrom('tasks')
      .select((eb: any) => [
        eb.fn.min(eb.case().when('state', 'in', m.sources('claim')).then(eb.ref('run_after')).end()).as('pending'),
        eb.fn.min(eb.case().when('state', 'in', m.sources('takeover')).then(eb.ref('lease_expires_at')).end()).as('lease'),
      ])
      .where('kind', 'in', kinds)
      .where('state', 'in', [...new Set([...m.sources('claim'), ...m.sources('takeover')])])
      .executeTakeFirst();
    const times = [row?.pending, row?.lease].filter((t) => t !== null && t !== undefined).map(Number);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Extends the lease; false when the task is no longer ours (taken over, finished elsewhere). */
  async renew(id: string, owner: string, leaseMs: number): Promise<{ ours: boolean; cancelRequested: boolean }> {
    const now = Date.now();
    const row = await this.db
      .updateTable('tasks')
      .set({ lease_expires_at: now + leaseMs, updated_at: now })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .where('state', 'in', m.sources('succeed'))
      .returning(['cancel_requested'])
      .executeTakeFirst();
    return { ours: row !== undefined, cancelRequested: Number(row?.cancel_requested ?? 0) === 1 };
  }

  async progress(id: string, owner: string, progress: unknown): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set({ progress: JSON.stringify(progress), updated_at: Date.now() })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .execute();
  }

  /** Records the outcome, only if we still own the task. */
  async finish(id: string, owner: string, outcome: { state: 'succeeded' | 'failed' | 'cancelled'; result?: unknown; error?: string }): Promise<boolean> {
    const event = ({ succeeded: 'succeed', failed: 'fail', cancelled: 'cancel' } as const)[outcome.state];
    const set = {
      result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
      error: outcome.error ?? null,
      owner: null,
      lease_expires_at: null,
      updated_at: Date.now(),
    };
    return (await moveState(this.db, taskState, id, 'running', event, { set, where: { owner } })) !== undefined;
  }

  /** Puts a claimed task back to pending for a later attempt. */
  async retry(id: string, owner: string, error: string, delayMs: number): Promise<boolean> {
    const now = Date.now();
    const set = { error, owner: null, lease_expires_at: null, run_after: now + delayMs, updated_at: now };
    return (await moveState(this.db, taskState, id, 'running', 'retry', { set, where: { owner } })) !== undefined;
  }

  /** Cancels a pending task at once; asks the owner of a running one to stop. */
  async cancel(id: string): Promise<Task> {
    const now = Date.now();
    await moveState(this.db, taskState, id, 'pending', 'cancel', { set: { updated_at: now, error: 'cancelled before it ran' } });
    await this.db.updateTable('tasks').set({ cancel_requested: 1, updated_at: now }).where('id', '=', id).where('state', '=', 'running').execute();
    return this.get(id);
  }

  /** Deletes finished tasks older than `olderThanMs`. */
  async prune(olderThanMs: number): Promise<number> {
    const res = await this.db
      .deleteFrom('tasks')
      .where('state', 'in', ['succeeded', 'failed', 'cancelled'])
      .where('updated_at', '<', Date.now() - olderThanMs)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
