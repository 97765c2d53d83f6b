import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every statement anew; with Strata's
 * repeated queries that was a tenth of the CPU of a busy API. This keeps the
 * most recently used prepared statements by SQL text. It is safe because
 * Kysely runs one query at a time on the connection, and SQLite re-prepares
 * a statement by itself when the schema changes under it.
 */
export function cachingStatements(db: { prepare(sql: string): SqliteStatement; close(): void }, size = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        // Re-insert to mark it most recently used.
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
