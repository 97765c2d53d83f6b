import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openStore } from './database.js';
import { startPostgres } from '../testing/index.js';

test('an unreachable PostgreSQL is a clear error with the password masked', async () => {
  await assert.rejects(openStore('postgres://strata:hunter2@127.0.0.1:9/x'), (e: Error) => {
    assert.match(e.message, /cannot connect to PostgreSQL at postgres:\/\/strata:\*\*\*\*\*\*@127\.0\.0\.1:9\/x/);
    assert.ok(!e.message.includes('hunter2'));
    return true;
  });
});

test('PostgreSQL going away under an open store does not crash the process', async () => {
  const pg = await startPostgres();
  const store = await openStore(pg.url);
  try {
    await sql`select 1`.execute(store.db);
    pg.stop();
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(sql`select 1`.execute(store.db));
  } finally {
    await store.close().catch(() => {});
    pg.stop();
  }
});
