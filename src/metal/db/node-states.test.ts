import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { boundMachine, stateHistory, StateWriteRefused } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { nodeRecord } from '../conductor/testing.js';
import { metalMigrations, nodePower, nodeProvision, tables, writeNode } from './index.js';

const stores = storesUnderTest({ metal: metalMigrations });
after(() => stores.close());

test('a node row persists two machines, each bound to its column', () => {
  assert.equal(boundMachine('metal_nodes', 'provision_state'), nodeProvision);
  assert.equal(boundMachine('metal_nodes', 'power_state'), nodePower);
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`node state writes on ${kind}`, () => {
    test('provision and power move together with the other columns, each recorded; a plain write of either is refused', async () => {
      const { db } = await stores[kind]();
      const node = await tables.nodes.insert(db, nodeRecord({ provision_state: 'manageable' }));
      assert.equal(node.power_state, null);
      const moved = await writeNode(db, node, { provision: 'inspect', power: 'power off', changes: { last_error: null, target_provision_state: 'manageable' }, by: 'c1' });
      assert.deepEqual([moved?.provision_state, moved?.power_state, moved?.target_provision_state], ['inspecting', 'power off', 'manageable']);
      // Compare-and-set: a second writer that read `manageable` loses.
      assert.equal(await writeNode(db, node, { provision: 'inspect' }), undefined);
      // A report of the state the row holds writes only the other columns.
      const same = await writeNode(db, moved!, { power: 'power off', changes: { last_error: 'x' } });
      assert.equal(same?.last_error, 'x');
      // A guard that fails moves nothing.
      assert.equal(await writeNode(db, moved!, { power: 'power on', guard: { reservation: 'someone' } }), undefined);
      assert.deepEqual((await stateHistory(db, 'metal power state', node.id)).map((e) => [e.from, e.event, e.to, e.by]), [['None', 'reports off', 'power off', 'c1']]);
      assert.deepEqual((await stateHistory(db, 'metal provision state', node.id)).map((e) => [e.from, e.to]), [['manageable', 'inspecting']]);
      for (const column of ['provision_state', 'power_state']) {
        await assert.rejects(tables.nodes.update(db, node.id, { [column]: 'power on' }), StateWriteRefused);
      }
      // Nothing read yet: power sync may record that the BMC stopped answering (None again).
      const lost = await writeNode(db, moved!, { power: null });
      assert.equal(lost?.power_state, null);
    });
  });
}
