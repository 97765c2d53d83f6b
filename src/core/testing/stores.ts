import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, migrate, coreMigrations, type Store, type Migrations } from '../store/index.js';
import { startPostgres } from './postgres.js';

/**
 * The stores a store test must pass on: a SQLite file and a throwaway
 * PostgreSQL cluster. Each `open()` gives a fresh, migrated store; `close()`
 * stops everything.
 */
export function storesUnderTest(migrations: Record<string, Migrations> = {}) {
  const sets = { core: coreMigrations, ...migrations };
  const dir = mkdtempSync(join(tmpdir(), 'strata-store-'));
  let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let n = 0;
  const opened: Store[] = [];
  const kinds = {
    async sqlite(): Promise<Store> {
      const store = await openStore(join(dir, `t${n++}.db`));
      await migrate(store, sets);
      opened.push(store);
      return store;
    },
    async postgres(): Promise<Store> {
      pg ??= await startPostgres();
      // A fresh database per store keeps tests independent on one cluster.
      const admin = await openStore(pg.url);
      const name = `t${n++}`;
      await (await import('kysely')).sql.raw(`create database ${name}`).execute(admin.db);
      await admin.close();
      const store = await openStore(pg.url.replace(/\/postgres$/, `/${name}`));
      await migrate(store, sets);
      opened.push(store);
      return store;
    },
    /** The URL of a fresh, empty database (for child processes). */
    async postgresUrl(): Promise<string> {
      pg ??= await startPostgres();
      const admin = await openStore(pg.url);
      const name = `t${n++}`;
      await (await import('kysely')).sql.raw(`create database ${name}`).execute(admin.db);
      await admin.close();
      return pg.url.replace(/\/postgres$/, `/${name}`);
    },
    sqliteFile(): string {
      return join(dir, `t${n++}.db`);
    },
    async close() {
      await Promise.all(opened.map((s) => s.close().catch(() => {})));
      pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return kinds;
}
