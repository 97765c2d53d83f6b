// Every lifecycle the modules persist is bound to its column (persistState),
// so the store's guard refuses any write of it that bypasses moveState, and
// the whole suite runs under that guard. This checks the bindings: each
// module's state columns are bound, and each binding names a real column of
// a real table (a misspelt one would guard nothing).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { boundMachines, coreMigrations, migrate, openStore } from '../../src/core/index.js';
import { loadModules } from '../../src/modules.js';

const modules = await loadModules();
const store = await openStore(':memory:');
await migrate(store, { core: coreMigrations, ...Object.fromEntries(modules.filter((m) => m.migrations).map((m) => [m.name, m.migrations!])) });
after(() => store.close());

const bound = () => boundMachines().map((b) => `${b.table}.${b.column}`);

test('the persisted lifecycles of metal, gate, sandbox and the rest are bound to their columns', () => {
  const expected = [
    'tasks.state',
    'metal_nodes.provision_state',
    'metal_nodes.power_state',
    'gate_builds.status',
    'gate_changes.status',
    'gate_merges.state',
    'sandboxes.state',
    'accel_arqs.state',
    'accel_images.status',
    'edge_subclouds.availability_status',
    'edge_subclouds.management_state',
    'edge_strategies.state',
    'edge_strategy_steps.state',
    'site_actions.lifecycle',
    'site_action_steps.state',
  ];
  assert.deepEqual(expected.filter((c) => !bound().includes(c)), []);
});

test('each binding names a column that the migrations create, and its key columns', async () => {
  for (const b of boundMachines()) {
    const cols = (await sql<{ name: string }>`select name from pragma_table_info(${b.table})`.execute(store.db)).rows.map((r) => r.name);
    assert.ok(cols.length > 0, `${b.machine.spec.name}: table ${b.table} does not exist`);
    for (const c of [b.column, ...(typeof b.key === 'string' ? [b.key] : b.key)]) assert.ok(cols.includes(c), `${b.machine.spec.name}: ${b.table} has no column ${c}`);
  }
});

test('the guard refuses a plain write of each bound column', async () => {
  for (const b of boundMachines()) {
    await assert.rejects(
      store.db.updateTable(b.table).set({ [b.column]: b.machine.spec.initial }).where(sql<boolean>`1 = 0`).execute(),
      (e: Error) => e.name === 'StateWriteRefused' || /move it with moveState/.test(e.message),
      `${b.table}.${b.column}`,
    );
  }
});
