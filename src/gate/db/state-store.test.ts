import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { stateHistory } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { gateMigrations } from './migrations.js';
import { queryBuilds, StateStore, buildRecord } from './state-store.js';
import { makeChange, makeJob, Simulation } from '../scheduler/simulation.js';

const stores = storesUnderTest({ gate: gateMigrations });
after(() => stores.close());

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: pipeline state, items and builds round-trip; dequeued items are removed, their builds kept; builds in start order`, async () => {
    const store = await stores[kind]();
    const sim = new Simulation({ jobTime: 10, jobs: (c) => [makeJob('unit', c.key), makeJob('lint', c.key)] });
    for (const n of [1, 2, 3]) sim.addChange(makeChange(n));
    const s1 = new StateStore(store.db, 't');
    await s1.save(new Map([['gate', sim.state]]), 7);

    const s2 = new StateStore(store.db, 't');
    const loaded = await s2.load();
    assert.equal(loaded.cursor, 7);
    assert.deepEqual(loaded.pipelines.get('gate'), sim.state, 'the state comes back as it was');

    // Builds: six running, in launch order.
    const running = await queryBuilds(store.db, { tenant: 't' });
    assert.equal(running.length, 6);
    assert.deepEqual(running.map((b) => b.status), Array(6).fill('running'));
    assert.deepEqual(running.map((b) => b.changes.at(-1)), ['1,1', '1,1', '2,1', '2,1', '3,1', '3,1']);
    assert.deepEqual((await queryBuilds(store.db, { change: 2 })).map((b) => b.change), ['2,1', '2,1']);

    // Finish everything: items leave, their builds stay, with results.
    sim.runToEnd();
    const item = loaded.pipelines.get('gate')!.queues[0]!.items[0]!;
    const b = Object.values(item.buildSet.builds)[0]!;
    s2.noteBuild(buildRecord('t', 'gate', item, { ...b, status: 'completed', result: 'SUCCESS', endTime: 99 }, undefined));
    await s2.save(new Map([['gate', sim.state]]), 9);
    const again = await new StateStore(store.db, 't').load();
    assert.equal(again.cursor, 9);
    assert.equal(again.pipelines.get('gate')!.queues[0]!.items.length, 0);
    assert.equal((await store.db.selectFrom('gate_items').selectAll().execute()).length, 0);
    const done = await queryBuilds(store.db, { tenant: 't', pipeline: 'gate' });
    assert.equal(done.length, 6);
    assert.equal(done.find((x) => x.id === b.id)!.result, 'SUCCESS');
  });

  test(`${kind}: a build's status moves along its table and is recorded; a restart interrupts what was queued or running`, async () => {
    const store = await stores[kind]();
    const sim = new Simulation({ jobTime: 10, jobs: (c) => [makeJob('unit', c.key)] });
    sim.addChange(makeChange(1));
    sim.addChange(makeChange(2));
    const s1 = new StateStore(store.db, 't');
    await s1.save(new Map([['gate', sim.state]]), 1);
    const [first, second] = await queryBuilds(store.db, { tenant: 't' });
    sim.runToEnd();
    const after = new StateStore(store.db, 't');
    await after.load();
    await after.interruptBuilds([first!.id], 50);
    const rows = await queryBuilds(store.db, { tenant: 't' });
    assert.deepEqual(rows.map((b) => [b.status, b.result, b.message]), [
      ['completed', 'ABORTED', 'interrupted by a restart; it runs again'],
      ['running', null, null],
    ]);
    assert.deepEqual((await stateHistory(store.db, 'gate-build', first!.id)).map((h) => [h.from, h.event, h.to]), [['running', 'interrupt', 'completed']]);
    assert.deepEqual(await stateHistory(store.db, 'gate-build', second!.id), []);
  });
}

