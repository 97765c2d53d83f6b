/**
 * Every persisted state change goes through here: the move is checked
 * against its machine's table, the row is written only while it still holds
 * the state the caller read (compare-and-set, so two processes can never both
 * move it), and the move is recorded in `state_history`. A column bound with
 * `persistState` may be written by nothing else: the store's guard
 * (state-guard.ts) refuses any other UPDATE of it.
 */
import { CompiledQuery, type Kysely, type Transaction, type UpdateQueryBuilder } from 'kysely';
import type { Machine } from '../fsm/index.js';
import { StrataError } from '../errors/index.js';
import { whereEquals } from './sql-helpers.js';

type Db = Kysely<any> | Transaction<any>;

/** A machine bound to the table column that persists it. */
export interface PersistedMachine<S extends string, E extends string> {
  readonly machine: Machine<S, E>;
  readonly table: string;
  readonly column: string;
  /** The row's key column, or columns for a composite key (default `id`). */
  readonly key: string | readonly string[];
  /** The state a NULL in the column stands for (a power state not yet read), if NULL is one. */
  readonly nullState?: S;
  /** Whether moves are recorded in state_history (default true). */
  readonly history: boolean;
}

/** table → column → machine: what the guard protects (declaration data, like a schema). */
const bound = new Map<string, Map<string, PersistedMachine<string, string>>>();

export function persistState<S extends string, E extends string>(
  machine: Machine<S, E>,
  at: { table: string; column: string; key?: string | readonly string[]; nullState?: S; history?: boolean },
): PersistedMachine<S, E> {
  if (at.nullState !== undefined && !machine.isState(at.nullState)) throw new Error(`${machine.spec.name}: nullState "${at.nullState}" is undeclared`);
  const pm: PersistedMachine<S, E> = {
    machine,
    table: at.table,
    column: at.column,
    key: at.key ?? 'id',
    history: at.history ?? true,
    ...(at.nullState !== undefined ? { nullState: at.nullState } : {}),
  };
  const columns = bound.get(at.table) ?? new Map();
  const prior = columns.get(at.column);
  if (prior && prior.machine !== (machine as unknown)) throw new Error(`${at.table}.${at.column} is already bound to ${prior.machine.spec.name}`);
  columns.set(at.column, pm as unknown as PersistedMachine<string, string>);
  bound.set(at.table, columns);
  return pm;
}

/** The machine bound to a column, if any (the guard's question). */
export function boundMachine(table: string, column: string): PersistedMachine<string, string> | undefined {
  return bound.get(table)?.get(column);
}

/** Every binding, for checks and diagrams. */
export function boundMachines(): PersistedMachine<string, string>[] {
  return [...bound.values()].flatMap((m) => [...m.values()]);
}

/** The stored value of a state (NULL for the nullState) and the condition that matches it. */
const stored = (pm: PersistedMachine<string, string>, state: string): string | null => (state === pm.nullState ? null : state);
const holding = <Q extends { where: (...a: any[]) => Q }>(q: Q, pm: PersistedMachine<string, string>, state: string): Q =>
  state === pm.nullState ? q.where(pm.column, 'is', null) : q.where(pm.column, '=', state);

/** A row's key: one value, or one per key column. */
export type RowKey = string | number | readonly (string | number)[];

const keyColumns = (pm: PersistedMachine<string, string>): readonly string[] => (typeof pm.key === 'string' ? [pm.key] : pm.key);
const keyValues = (key: RowKey): readonly (string | number)[] => (Array.isArray(key) ? key : [key as string | number]);
/** How the history names a row: its key, composite keys joined by '/'. */
const resourceOf = (key: RowKey) => keyValues(key).map(String).join('/');

/**
 * Non-zero while the helper issues its own UPDATE: the guard lets that one
 * through. Kysely compiles a query (and runs the guard) synchronously when
 * it is executed, so a counter around that call marks exactly our queries;
 * an AsyncLocalStorage would turn on promise hooks for the whole process.
 */
let writingNow = 0;
export const isStateWriter = () => writingNow > 0;

function asWriter<T>(start: () => Promise<T>): Promise<T> {
  writingNow++;
  try {
    return start();
  } finally {
    writingNow--;
  }
}

export interface MoveOptions {
  /** Other columns written in the same UPDATE (error text, targets, times). */
  set?: Record<string, unknown>;
  /** Other guards on the row, e.g. the lock holder. */
  where?: Record<string, unknown>;
  /** Guards that are not equalities (a time passed, a lease expired). */
  narrow?: (q: UpdateQueryBuilder<any, any, any, any>) => UpdateQueryBuilder<any, any, any, any>;
  /** Who moved it (a conductor, a user, a scheduler); kept in the history. */
  by?: string;
}

export class StateMoveLost extends StrataError {
  constructor(pm: PersistedMachine<string, string>, key: RowKey, from: string) {
    super(`${pm.machine.spec.name} ${resourceOf(key)}: no longer in state "${from}" (moved by someone else)`, {
      code: 'state_conflict',
      status: 409,
    });
  }
}

/** The UPDATE of a move from one state to another, with the caller's columns and guards. */
function guarded(tx: Db, pm: PersistedMachine<string, string>, from: string, to: string, opts: MoveOptions): UpdateQueryBuilder<any, any, any, any> {
  let q = holding(tx.updateTable(pm.table).set({ ...opts.set, [pm.column]: stored(pm, to) }), pm, from);
  q = whereEquals(q, opts.where ?? {});
  return opts.narrow ? opts.narrow(q) : q;
}

/** Runs a write in the caller's transaction or a new one (the row and its history together). */
function writing<T>(db: Db, pm: PersistedMachine<string, string>, write: (tx: Db) => Promise<T>): Promise<T> {
  // Without history a move is one UPDATE, atomic by itself.
  return db.isTransaction || !pm.history ? write(db) : db.transaction().execute(write);
}

/**
 * Moves one row by an event. Returns the updated row, or undefined when the
 * row is gone or no longer in `from` (another writer won); throws
 * InvalidTransitionError when the machine has no such move.
 */
export async function moveState<S extends string, E extends string>(
  db: Db,
  pm: PersistedMachine<S, E>,
  key: RowKey,
  from: S,
  event: E,
  opts: MoveOptions = {},
): Promise<Record<string, any> | undefined> {
  const to = pm.machine.next(from, event);
  const now = Date.now();
  const values = keyValues(key);
  const p = pm as unknown as PersistedMachine<string, string>;
  return writing(db, p, async (tx) => {
    const q = keyColumns(p).reduce((q, c, i) => q.where(c, '=', values[i]), guarded(tx, p, from, to, opts));
    const row = await asWriter(() => q.returningAll().executeTakeFirst());
    if (row) await record(tx, p, key, from, event, to, now, opts.by);
    return row as Record<string, any> | undefined;
  });
}

/** moveState that throws StateMoveLost instead of returning undefined. */
export async function mustMoveState<S extends string, E extends string>(
  db: Db,
  pm: PersistedMachine<S, E>,
  key: RowKey,
  from: S,
  event: E,
  opts: MoveOptions = {},
): Promise<Record<string, any>> {
  const row = await moveState(db, pm, key, from, event, opts);
  if (!row) throw new StateMoveLost(pm as unknown as PersistedMachine<string, string>, key, from);
  return row;
}

/**
 * Moves every row (narrowed by `opts.where`) that is in a state the event
 * leaves from, e.g. "the server restarted: every running build is lost".
 * One guarded UPDATE per source state; returns the rows moved.
 */
export async function moveEvery<S extends string, E extends string>(
  db: Db,
  pm: PersistedMachine<S, E>,
  event: E,
  opts: MoveOptions = {},
): Promise<Record<string, any>[]> {
  const now = Date.now();
  const p = pm as unknown as PersistedMachine<string, string>;
  return writing(db, p, async (tx) => {
    const moved: Record<string, any>[] = [];
    for (const from of pm.machine.sources(event)) {
      const to = pm.machine.next(from, event);
      const q = guarded(tx, p, from, to, opts);
      for (const row of (await asWriter(() => q.returningAll().execute())) as Record<string, any>[]) {
        await record(tx, p, keyColumns(p).map((c) => row[c]), from, event, to, now, opts.by);
        moved.push(row);
      }
    }
    return moved;
  });
}

/**
 * The history INSERT, compiled once per dialect: a move is the hottest write
 * there is, and building the query each time cost more than running it.
 */
const historyInsert = new Map<unknown, string>();

async function record(db: Db, pm: PersistedMachine<string, string>, key: RowKey, from: string, event: string, to: string, at: number, by?: string) {
  if (!pm.history) return;
  const adapter = db.getExecutor().adapter.constructor;
  let text = historyInsert.get(adapter);
  if (text === undefined) {
    text = db.insertInto('state_history').values({ machine: '', resource: '', from_state: '', event: '', to_state: '', by_whom: null, at: 0 }).compile().sql;
    historyInsert.set(adapter, text);
  }
  await db.executeQuery(CompiledQuery.raw(text, [pm.machine.spec.name, resourceOf(key), from, event, to, by ?? null, at]));
}

export interface HistoryEntry {
  from: string;
  event: string;
  to: string;
  by: string | null;
  at: number;
}

/** A resource's recorded moves, oldest first. */
export async function stateHistory(db: Db, machine: string, key: RowKey, limit = 1000): Promise<HistoryEntry[]> {
  const rows = await db
    .selectFrom('state_history')
    .selectAll()
    .where('machine', '=', machine)
    .where('resource', '=', resourceOf(key))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r: any) => ({ from: r.from_state, event: r.event, to: r.to_state, by: r.by_whom, at: Number(r.at) }));
}
