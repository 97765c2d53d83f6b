import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { InvalidInputError } from '../errors/index.js';
import { cachingStatements } from './statement-cache.js';
import { StateGuard } from './state-guard.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * One handle on the store. Modules use `db` with their own table types
 * (`store.db.withTables<MyTables>()` or a cast); booleans are stored as
 * integers 0/1, JSON as text and times as epoch milliseconds so one
 * migration serves both dialects.
 */
export interface Store {
  db: Kysely<any>;
  dialect: Dialect;
  /** Where the data lives, with any password removed: safe to print. */
  location: string;
  close(): Promise<void>;
}

/** `postgres://…` selects PostgreSQL; anything else is a SQLite file path (`:memory:` works). */
export async function openStore(target: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(target)) return openPostgres(target);
  return openSqlite(target);
}

async function openSqlite(file: string): Promise<Store> {
  const { default: Database } = await import('better-sqlite3');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const native = new Database(file);
  // WAL lets readers proceed during writes; busy_timeout makes a second
  // process wait for the write lock instead of failing at once.
  native.pragma('journal_mode = WAL');
  native.pragma('busy_timeout = 5000');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: cachingStatements(native) }), plugins: [new StateGuard()] });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<Store> {
  const { default: pg } = await import('pg');
  // int8 (counts, epoch-ms times) as numbers: they stay below 2^53.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client whose connection drops (PostgreSQL restarted) emits
  // 'error' on the pool; unhandled, that would kill the process. The pool
  // discards the client, and the next query reconnects or fails cleanly.
  pool.on('error', (err) => process.emitWarning(`PostgreSQL connection lost: ${err.message}`));
  // A client checked out when its connection drops emits 'error' too, with no pool listener
  // attached while it is out: without one of its own the process dies. Its query fails anyway.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), plugins: [new StateGuard()] });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw new InvalidInputError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return { db, dialect: 'postgres', location: redactUrl(url), close: () => db.destroy() };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '******';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':******@');
  }
}
