/**
 * Sandbox records in the store. Every state change goes through moveState:
 * checked against the lifecycle table and written only while the record is
 * still in the state the caller read, so two servers (or a request and the
 * reconcile loop) never move a record along a transition the table does
 * not have.
 */
import type { Kysely } from 'kysely';
import { json, moveState, parseJson } from '../../core/index.js';
import { LIVE_STATES, recordMachine, recordState, type RecordEvent, type RecordState } from './lifecycle.js';

/** The spec as stored and shown: environment values are never stored. */
export interface StoredSpec {
  runtime?: string;
  runtimeClass?: string;
  image?: string;
  memory?: string | number;
  cpus?: string | number;
  network?: boolean;
  timeout?: string | number;
  workdir?: string;
  hostname?: string;
  labels?: Record<string, string>;
  mounts?: Array<{ source: string; target: string; readOnly?: boolean }>;
  /** names of the environment variables the spec sets */
  envNames?: string[];
}

export interface SandboxRecord {
  id: string;
  localId: string | null;
  project: string;
  createdBy: string;
  runtime: string;
  runtimeClass: string | null;
  image: string;
  spec: StoredSpec;
  state: RecordState;
  error: string | null;
  host: string;
  owner: string;
  ownerPid: number;
  ownerUrl: string | null;
  oneShot: boolean;
  createdAt: number;
  updatedAt: number;
}

export type NewRecord = Omit<SandboxRecord, 'state' | 'error' | 'localId' | 'createdAt' | 'updatedAt'>;

interface Row {
  id: string;
  local_id: string | null;
  project: string;
  created_by: string;
  runtime: string;
  runtime_class: string | null;
  image: string;
  spec: string;
  state: string;
  error: string | null;
  host: string;
  owner: string;
  owner_pid: number;
  owner_url: string | null;
  one_shot: number;
  created_at: number;
  updated_at: number;
}

function fromRow(r: Row): SandboxRecord {
  return {
    id: r.id,
    localId: r.local_id,
    project: r.project,
    createdBy: r.created_by,
    runtime: r.runtime,
    runtimeClass: r.runtime_class,
    image: r.image,
    spec: parseJson<StoredSpec>(r.spec, {}),
    state: r.state as RecordState,
    error: r.error,
    host: r.host,
    owner: r.owner,
    ownerPid: Number(r.owner_pid),
    ownerUrl: r.owner_url,
    oneShot: Number(r.one_shot) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class SandboxRecords {
  constructor(private readonly db: Kysely<any>) {}

  async insert(rec: NewRecord, now = Date.now()): Promise<SandboxRecord> {
    const row: Row = {
      id: rec.id,
      local_id: null,
      project: rec.project,
      created_by: rec.createdBy,
      runtime: rec.runtime,
      runtime_class: rec.runtimeClass,
      image: rec.image,
      spec: json(rec.spec),
      state: recordMachine.spec.initial,
      error: null,
      host: rec.host,
      owner: rec.owner,
      owner_pid: rec.ownerPid,
      owner_url: rec.ownerUrl,
      one_shot: rec.oneShot ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('sandboxes').values(row).execute();
    return fromRow(row);
  }

  async get(id: string): Promise<SandboxRecord | undefined> {
    const row = await this.db.selectFrom('sandboxes').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row as Row) : undefined;
  }

  /** Newest first; `project` narrows to one project (non-admin callers). */
  async list(filter: { project?: string } = {}): Promise<SandboxRecord[]> {
    let q = this.db.selectFrom('sandboxes').selectAll();
    if (filter.project !== undefined) q = q.where('project', '=', filter.project);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
    return (rows as Row[]).map(fromRow);
  }

  /** Records a server owns (for its reconcile loop and its shutdown). */
  async ownedBy(owner: string): Promise<SandboxRecord[]> {
    const rows = await this.db.selectFrom('sandboxes').selectAll().where('owner', '=', owner).execute();
    return (rows as Row[]).map(fromRow);
  }

  /** Records on a host that may still hold resources there, whoever owns them. */
  async liveOnHost(host: string): Promise<SandboxRecord[]> {
    const rows = await this.db.selectFrom('sandboxes').selectAll().where('host', '=', host).where('state', 'in', LIVE_STATES).execute();
    return (rows as Row[]).map(fromRow);
  }

  /**
   * Moves a record along the table from the state the caller read. Returns
   * the record as moved, or undefined when it is no longer in `from`
   * (someone else moved it first) or does not exist; a move the table does
   * not have throws InvalidTransitionError.
   */
  async move(
    id: string,
    from: RecordState,
    event: RecordEvent,
    patch: { error?: string | null; localId?: string } = {},
    now = Date.now(),
  ): Promise<SandboxRecord | undefined> {
    const set: Record<string, unknown> = { updated_at: now };
    if (patch.error !== undefined) set.error = patch.error;
    if (patch.localId !== undefined) set.local_id = patch.localId;
    const row = await moveState(this.db, recordState, id, from, event, { set });
    return row ? fromRow(row as Row) : undefined;
  }

  /** A new server on the host takes a running record over from a dead one (guarded on the old owner). */
  async takeOver(id: string, from: string, to: { owner: string; ownerPid: number; ownerUrl: string | null }, now = Date.now()): Promise<SandboxRecord | undefined> {
    const result = await this.db
      .updateTable('sandboxes')
      .set({ owner: to.owner, owner_pid: to.ownerPid, owner_url: to.ownerUrl, updated_at: now })
      .where('id', '=', id)
      .where('owner', '=', from)
      .where('state', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.get(id);
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sandboxes').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Removes ended records (stopped, lost) last changed before `before`. */
  async pruneEnded(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sandboxes')
      .where('state', 'in', ['stopped', 'lost'] satisfies RecordState[])
      .where('updated_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
