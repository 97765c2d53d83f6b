import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTransitionError, stateHistory } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { sandboxMigrations } from './migrations.js';
import { SandboxRecords, type NewRecord } from './records.js';
import { recordMachine } from './lifecycle.js';

const stores = storesUnderTest({ sandbox: sandboxMigrations });
after(() => stores.close());

function rec(id: string, over: Partial<NewRecord> = {}): NewRecord {
  return {
    id,
    project: 'alpha',
    createdBy: 'tester',
    runtime: 'namespaces',
    runtimeClass: null,
    image: 'busybox',
    spec: { runtime: 'namespaces', envNames: ['A'] },
    host: 'h1',
    owner: '1@h1#5',
    ownerPid: 1,
    ownerUrl: 'http://127.0.0.1:1',
    oneShot: false,
    ...over,
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`sandbox records on ${kind}`, () => {
    it('inserts, reads back and lists by project, newest first', async () => {
      const store = await stores[kind]();
      const r = new SandboxRecords(store.db);
      await r.insert(rec('a1'), 1000);
      await r.insert(rec('b1', { project: 'beta', oneShot: true }), 2000);
      await r.insert(rec('a2'), 3000);
      const got = await r.get('b1');
      assert.equal(got?.state, 'creating');
      assert.equal(got?.oneShot, true);
      assert.equal(got?.createdAt, 2000);
      assert.deepEqual(got?.spec, { runtime: 'namespaces', envNames: ['A'] });
      assert.deepEqual((await r.list({ project: 'alpha' })).map((x) => x.id), ['a2', 'a1']);
      assert.deepEqual((await r.list()).map((x) => x.id), ['a2', 'b1', 'a1']);
      assert.equal(await r.get('nope'), undefined);
    });

    it('moves only along the lifecycle table', async () => {
      const store = await stores[kind]();
      const r = new SandboxRecords(store.db);
      await r.insert(rec('s1'));
      await assert.rejects(r.move('s1', 'creating', 'cleaned'), InvalidTransitionError, 'creating cannot be cleaned');
      const started = await r.move('s1', 'creating', 'started', { localId: 'abc123' });
      assert.equal(started?.state, 'running');
      assert.equal(started?.localId, 'abc123');
      assert.equal(await r.move('s1', 'creating', 'started'), undefined, 'a second start is refused');
      assert.equal((await r.move('s1', 'running', 'died', { error: 'agent died' }))?.error, 'agent died');
      assert.equal((await r.move('s1', 'failed', 'destroy'))?.state, 'stopping');
      assert.equal((await r.move('s1', 'stopping', 'cleaned'))?.state, 'stopped');
      await assert.rejects(r.move('s1', 'stopped', 'lost'), InvalidTransitionError, 'a stopped sandbox is not lost');
      assert.equal(await r.move('missing', 'creating', 'started'), undefined);
      assert.deepEqual((await stateHistory(store.db, 'sandbox-record', 's1')).map((h) => h.to), ['running', 'failed', 'stopping', 'stopped']);
    });

    it('refuses a state write that bypasses the table', async () => {
      const store = await stores[kind]();
      const r = new SandboxRecords(store.db);
      await r.insert(rec('g1'));
      await assert.rejects(store.db.updateTable('sandboxes').set({ state: 'running' }).where('id', '=', 'g1').execute(), /moveState/);
      assert.equal((await r.get('g1'))?.state, 'creating');
    });

    it('finds live records of a host and prunes ended ones', async () => {
      const store = await stores[kind]();
      const r = new SandboxRecords(store.db);
      await r.insert(rec('l1'), 10);
      await r.insert(rec('l2', { host: 'h2' }), 10);
      await r.insert(rec('l3'), 10);
      await r.move('l3', 'creating', 'lost', {}, 20);
      assert.deepEqual((await r.liveOnHost('h1')).map((x) => x.id), ['l1']);
      assert.deepEqual((await r.ownedBy('1@h1#5')).map((x) => x.id).sort(), ['l1', 'l2', 'l3']);
      assert.equal(await r.pruneEnded(15), 0);
      assert.equal(await r.pruneEnded(25), 1);
      assert.equal(await r.get('l3'), undefined);
      assert.equal(await r.remove('l1'), true);
      assert.equal(await r.remove('l1'), false);
    });
  });
}

it('every lifecycle event leads to one state, and lost is reachable from every live state', () => {
  for (const t of recordMachine.spec.transitions) {
    const targets = new Set(recordMachine.sources(t.event).map((s) => recordMachine.next(s, t.event)));
    assert.equal(targets.size, 1, t.event);
  }
  for (const s of ['creating', 'running', 'stopping', 'failed'] as const) assert.equal(recordMachine.next(s, 'lost'), 'lost');
  for (const s of ['stopped', 'lost'] as const) assert.deepEqual(recordMachine.events(s), []);
});
