// Persisting the scheduler's state: pipelines (queues, windows), items
// (with their build sets) and builds, written after each scheduler round in
// one transaction with the event cursor, only what changed since the last
// write. A restart reads it back: nothing queued, tested or decided is lost.
// A build's status moves only along its table (moveState), from the status
// this store last wrote.

import { sql, type Kysely, type Transaction } from 'kysely';
import { mustMoveState, moveState } from '../../core/index.js';
import type { Build, BuildStatus, ChangeQueue, FrozenJob, PipelineState, QueueItem } from '../model.js';
import { itemStateOf } from '../scheduler/item-state.js';
import { nextValue } from './migrations.js';
import { buildStates } from './state-columns.js';

const BY = 'gate-scheduler';

interface PipelineRow {
  waiting?: number[];
  consecutiveFailures: number;
  disabled: boolean;
  queueSeq: number;
  queues: Array<Omit<ChangeQueue, 'items'> & { items: string[] }>;
}

/** A build as `strata gate builds` lists it. */
export interface BuildRecord {
  id: string;
  tenant: string;
  pipeline: string;
  item: string;
  buildset: string;
  job: string;
  uid: string;
  project: string;
  branch: string | null;
  ref: string | null;
  /** The item's own change, `N,P` (null for a ref item). */
  change: string | null;
  /** Every change of the speculative state, in queue order. */
  changes: string[];
  status: string;
  result: string | null;
  voting: boolean;
  launch_time: number;
  start_time: number | null;
  end_time: number | null;
  message: string | null;
}

const CHANGE_KEY = /^\d+,\d+$/;

export function buildRecord(tenant: string, pipeline: string, item: QueueItem, build: Build, job: FrozenJob | undefined): BuildRecord {
  const bs = item.buildSet;
  const own = job ? item.changes.find((c) => c.key === job.change) ?? item.changes[0]! : item.changes[0]!;
  return {
    id: build.id,
    tenant,
    pipeline,
    item: item.id,
    buildset: bs.id,
    job: build.name,
    uid: build.job,
    project: own.project,
    branch: own.kind === 'change' ? own.branch : own.branch,
    ref: own.kind === 'ref' ? own.ref : own.ref,
    change: CHANGE_KEY.test(own.key) ? own.key : null,
    changes: bs.changes.filter((k) => CHANGE_KEY.test(k)),
    status: build.status,
    result: build.result,
    voting: build.voting,
    launch_time: build.launchTime,
    start_time: build.startTime,
    end_time: build.endTime,
    message: build.message ?? null,
  };
}

export class StateStore {
  private readonly lastPipelines = new Map<string, string>();
  private readonly lastItems = new Map<string, string>();
  private readonly lastBuilds = new Map<string, string>();
  /** Each build's status as stored: where its next move starts. */
  private readonly lastStatus = new Map<string, BuildStatus>();
  /** Build records seen outside the state (cancelled builds of a reset build set): written with the next save. */
  private readonly extra = new Map<string, BuildRecord>();

  constructor(private readonly db: Kysely<any>, readonly tenant: string) {}

  async load(): Promise<{ cursor: number | null; pipelines: Map<string, PipelineState> }> {
    const cur = await this.db.selectFrom('gate_cursors').select(['event_id']).where('tenant', '=', this.tenant).executeTakeFirst();
    const pipelines = new Map<string, PipelineState>();
    const items = new Map<string, QueueItem>();
    for (const r of await this.db.selectFrom('gate_items').select(['id', 'data']).where('tenant', '=', this.tenant).execute()) {
      const item = JSON.parse(r.data) as QueueItem;
      item.state ??= itemStateOf(item);
      items.set(r.id, item);
      this.lastItems.set(r.id, r.data);
    }
    for (const r of await this.db.selectFrom('gate_pipelines').select(['name', 'data']).where('tenant', '=', this.tenant).execute()) {
      const row = JSON.parse(r.data) as PipelineRow;
      pipelines.set(r.name, {
        name: r.name,
        consecutiveFailures: row.consecutiveFailures,
        disabled: row.disabled,
        queueSeq: row.queueSeq,
        ...(row.waiting?.length ? { waiting: row.waiting } : {}),
        queues: row.queues.map((q) => ({ ...q, items: q.items.map((id) => items.get(id)).filter((i): i is QueueItem => i !== undefined) })),
      });
      this.lastPipelines.set(r.name, r.data);
    }
    for (const r of await this.db.selectFrom('gate_builds').select(['id', 'status']).where('tenant', '=', this.tenant).execute()) {
      this.lastBuilds.set(r.id, '');
      this.lastStatus.set(r.id, r.status);
    }
    return { cursor: cur ? Number(cur.event_id) : null, pipelines };
  }

  /**
   * The previous process stopped while these builds were queued or running
   * (their processes are gone): each is moved by the table's `interrupt`,
   * recorded ABORTED; the scheduler runs the jobs again in new builds.
   */
  async interruptBuilds(ids: string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    const moved: string[] = [];
    await this.db.transaction().execute(async (trx) => {
      for (const id of ids) {
        const from = this.lastStatus.get(id);
        if (!from || !buildStates.machine.can(from, 'interrupt')) continue;
        const set = { result: 'ABORTED', end_time: now, message: 'interrupted by a restart; it runs again' };
        if (await moveState(trx, buildStates, id, from, 'interrupt', { set, by: BY })) moved.push(id);
      }
    });
    for (const id of moved) {
      this.lastStatus.set(id, 'completed');
      this.lastBuilds.set(id, '');
    }
  }

  noteBuild(record: BuildRecord): void {
    this.extra.set(record.id, record);
  }

  /** Writes what changed; `cursor` is the last event processed. */
  async save(pipelines: Map<string, PipelineState>, cursor: number): Promise<void> {
    const now = Date.now();
    const pipelineWrites: Array<{ name: string; data: string }> = [];
    const itemWrites: Array<{ id: string; pipeline: string; data: string }> = [];
    const buildWrites = new Map<string, BuildRecord>(this.extra);
    const live = new Set<string>();
    for (const [name, state] of pipelines) {
      const row: PipelineRow = {
        consecutiveFailures: state.consecutiveFailures, disabled: state.disabled, queueSeq: state.queueSeq,
        ...(state.waiting?.length ? { waiting: state.waiting } : {}),
        queues: state.queues.map((q) => ({ ...q, items: q.items.map((i) => i.id) })),
      };
      const data = JSON.stringify(row);
      if (this.lastPipelines.get(name) !== data) pipelineWrites.push({ name, data });
      for (const q of state.queues) {
        for (const item of q.items) {
          live.add(item.id);
          const data = JSON.stringify(item);
          if (this.lastItems.get(item.id) !== data) itemWrites.push({ id: item.id, pipeline: name, data });
          const jobs = new Map(item.buildSet.jobs.map((j) => [j.uid, j]));
          for (const b of Object.values(item.buildSet.builds)) buildWrites.set(b.id, buildRecord(this.tenant, name, item, b, jobs.get(b.job)));
        }
      }
    }
    const itemDeletes = [...this.lastItems.keys()].filter((id) => !live.has(id));
    const builds = [...buildWrites.values()].filter((b) => this.lastBuilds.get(b.id) !== JSON.stringify(b));
    const pipelineDeletes = [...this.lastPipelines.keys()].filter((n) => !pipelines.has(n));

    await this.db.transaction().execute(async (trx) => {
      for (const p of pipelineWrites) {
        await trx.insertInto('gate_pipelines').values({ tenant: this.tenant, name: p.name, data: p.data, updated_at: now })
          .onConflict((oc) => oc.columns(['tenant', 'name']).doUpdateSet({ data: p.data, updated_at: now })).execute();
      }
      for (const n of pipelineDeletes) await trx.deleteFrom('gate_pipelines').where('tenant', '=', this.tenant).where('name', '=', n).execute();
      for (const i of itemWrites) {
        await trx.insertInto('gate_items').values({ id: i.id, tenant: this.tenant, pipeline: i.pipeline, data: i.data, updated_at: now })
          .onConflict((oc) => oc.column('id').doUpdateSet({ data: i.data, pipeline: i.pipeline, updated_at: now })).execute();
      }
      for (let k = 0; k < itemDeletes.length; k += 500) await trx.deleteFrom('gate_items').where('id', 'in', itemDeletes.slice(k, k + 500)).execute();
      for (const b of builds) {
        const values = {
          tenant: b.tenant, pipeline: b.pipeline, item_id: b.item, buildset: b.buildset, job: b.job, uid: b.uid, project: b.project,
          branch: b.branch, ref: b.ref, change_key: b.change, change_number: b.change ? Number(b.change.split(',')[0]) : null,
          changes: JSON.stringify(b.changes), result: b.result, voting: b.voting ? 1 : 0, launch_time: b.launch_time,
          start_time: b.start_time, end_time: b.end_time, message: b.message,
        };
        const from = this.lastStatus.get(b.id);
        if (from === undefined) await trx.insertInto('gate_builds').values({ id: b.id, seq: await nextValue(trx, 'build'), status: b.status, ...values }).execute();
        else if (from === b.status) await trx.updateTable('gate_builds').set(values).where('id', '=', b.id).execute();
        else await this.moveBuild(trx, b, from, values);
      }
      await trx.insertInto('gate_cursors').values({ tenant: this.tenant, event_id: cursor })
        .onConflict((oc) => oc.column('tenant').doUpdateSet({ event_id: cursor })).execute();
    });
    for (const p of pipelineWrites) this.lastPipelines.set(p.name, p.data);
    for (const n of pipelineDeletes) this.lastPipelines.delete(n);
    for (const i of itemWrites) this.lastItems.set(i.id, i.data);
    for (const id of itemDeletes) this.lastItems.delete(id);
    for (const b of builds) {
      this.lastBuilds.set(b.id, JSON.stringify(b));
      this.lastStatus.set(b.id, b.status as BuildStatus);
    }
    this.extra.clear();
  }

  /** From the stored status to the build's: started, ended, or both since the last write. */
  private async moveBuild(trx: Transaction<any>, b: BuildRecord, from: BuildStatus, set: Record<string, unknown>): Promise<void> {
    let at = from;
    if (at === 'queued' && b.status === 'completed' && b.start_time !== null) {
      await mustMoveState(trx, buildStates, b.id, at, 'start', { set, by: BY });
      at = 'running';
    }
    await mustMoveState(trx, buildStates, b.id, at, b.status === 'running' ? 'start' : 'finish', { set, by: BY });
  }
}

/** Builds in start order (those that never started, by when they were decided). */
export async function queryBuilds(db: Kysely<any>, filter: { tenant?: string; pipeline?: string; change?: number; project?: string; id?: string; limit?: number }): Promise<BuildRecord[]> {
  let q = db.selectFrom('gate_builds').selectAll();
  if (filter.tenant) q = q.where('tenant', '=', filter.tenant);
  if (filter.pipeline) q = q.where('pipeline', '=', filter.pipeline);
  if (filter.change !== undefined) q = q.where('change_number', '=', filter.change);
  if (filter.project) q = q.where('project', '=', filter.project);
  if (filter.id) q = q.where('id', '=', filter.id);
  const rows = await q.orderBy(sql`coalesce(start_time, end_time, launch_time)`).orderBy('seq').limit(filter.limit ?? 10_000).execute();
  return rows.map((r: any) => ({
    id: r.id, tenant: r.tenant, pipeline: r.pipeline, item: r.item_id, buildset: r.buildset, job: r.job, uid: r.uid, project: r.project,
    branch: r.branch, ref: r.ref, change: r.change_key, changes: JSON.parse(r.changes), status: r.status, result: r.result,
    voting: Number(r.voting) === 1, launch_time: Number(r.launch_time), start_time: r.start_time === null ? null : Number(r.start_time),
    end_time: r.end_time === null ? null : Number(r.end_time), message: r.message,
  }));
}
