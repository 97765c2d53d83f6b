import { Migrator, PostgresAdapter, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { StrataError } from '../errors/index.js';
import type { Store } from './database.js';

/**
 * Versioned migrations. Each module contributes its own, named
 * `<module>/<NNN>-<what>`; they run at start, in name order, each in its own
 * transaction where the dialect allows. Modules are independent, so
 * unordered application across modules is allowed; order within a module
 * follows the NNN prefix.
 */
export type Migrations = Record<string, Migration>;

export async function migrate(store: Store, sets: Record<string, Migrations>): Promise<string[]> {
  const all: Record<string, Migration> = {};
  for (const [module, migrations] of Object.entries(sets)) {
    for (const [name, m] of Object.entries(migrations)) all[`${module}/${name}`] = m;
  }
  const provider: MigrationProvider = { getMigrations: async () => all };
  const migrator = new Migrator({ db: store.db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new StrataError(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`, {
      code: 'migration_failed',
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Whether a migration runs on PostgreSQL (the few places the dialects differ). */
export const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

/** A table whose primary key is an auto-incrementing integer, in either dialect. */
export function createTableWithId<K extends string = 'id'>(db: Kysely<any>, table: string, key: K = 'id' as K): CreateTableBuilder<string, K> {
  const t = db.schema.createTable(table);
  return (isPostgres(db) ? t.addColumn(key, 'serial', (c) => c.primaryKey()) : t.addColumn(key, 'integer', (c) => c.primaryKey().autoIncrement())) as CreateTableBuilder<string, K>;
}
