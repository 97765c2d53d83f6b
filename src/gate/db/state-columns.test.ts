import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { boundMachine, StateWriteRefused } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { gateMigrations } from './migrations.js';
import './state-columns.js';

const stores = storesUnderTest({ gate: gateMigrations });
after(() => stores.close());

test('every state column of the gate\'s tables is bound to its machine, so only moveState writes it', async () => {
  const { db } = await stores.sqlite();
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'gate_%'`.execute(db);
  const columns: string[] = [];
  for (const { name } of tables.rows) {
    const info = await sql<{ name: string }>`select name from pragma_table_info(${name})`.execute(db);
    for (const c of info.rows) if (c.name === 'status' || c.name === 'state') columns.push(`${name}.${c.name}`);
  }
  assert.deepEqual(columns.sort(), ['gate_builds.status', 'gate_changes.status', 'gate_merges.state']);
  for (const c of columns) {
    const [table, column] = c.split('.') as [string, string];
    assert.ok(boundMachine(table, column), `${c} is bound`);
  }
  await assert.rejects(db.updateTable('gate_changes').set({ status: 'MERGED' }).execute(), StateWriteRefused);
  await assert.rejects(sql`update gate_builds set status = 'completed'`.execute(db), StateWriteRefused);
});
