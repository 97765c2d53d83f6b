import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { defineMachine, InvalidTransitionError } from '../fsm/index.js';
import { storesUnderTest } from '../testing/stores.js';
import { moveEvery, moveState, mustMoveState, persistState, stateHistory, StateMoveLost, StateWriteRefused, type Migrations } from './index.js';

const lamp = defineMachine({
  name: 'test-lamp',
  initial: 'off',
  states: {
    off: { stable: true, description: 'dark' },
    warming: { stable: false, description: 'filament heating' },
    on: { stable: true, description: 'lit' },
  },
  transitions: [
    { from: 'off', event: 'switch', to: 'warming', why: 'power applied' },
    { from: 'warming', event: 'lit', to: 'on', why: 'warm enough' },
    { from: 'on', event: 'switch', to: 'off', why: 'power cut' },
    { from: 'warming', event: 'cut', to: 'off', why: 'power failed' },
    { from: 'on', event: 'cut', to: 'off', why: 'power failed' },
  ],
});
const lamps = persistState(lamp, { table: 'test_lamps', column: 'state' });
// A column whose NULL is a state: a bulb never yet tested.
const bulb = defineMachine({
  name: 'test-bulb',
  initial: 'unknown',
  states: {
    unknown: { stable: true, description: 'never tested (stored as NULL)' },
    good: { stable: true, description: 'lights' },
    broken: { stable: true, description: 'does not light' },
  },
  transitions: [
    { from: 'unknown', event: 'test', to: 'good', why: 'it lit' },
    { from: 'good', event: 'break', to: 'broken', why: 'it went dark' },
  ],
});
const bulbs = persistState(bulb, { table: 'test_lamps', column: 'bulb', nullState: 'unknown' });

const strings = persistState(defineMachine({ ...lamp.spec, name: 'test-string' }), { table: 'test_strings', column: 'state', key: ['lamp', 'pos'] });

const migrations: Migrations = {
  '002-strings': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('test_strings')
        .addColumn('lamp', 'integer', (c) => c.notNull())
        .addColumn('pos', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('test_strings_pk', ['lamp', 'pos'])
        .execute();
    },
  },
  '001-lamps': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('test_lamps')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('room', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('bulb', 'text')
        .execute();
    },
  },
};

const stores = storesUnderTest({ test: migrations });
after(() => stores.close());

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`state writes on ${kind}`, () => {
    test('a move follows the table, writes the other columns with it and is recorded', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_lamps').values({ id: 1, state: 'off', room: 'hall' }).execute();
      const row = await moveState(db, lamps, 1, 'off', 'switch', { set: { note: 'by hand' }, by: 'alice' });
      assert.deepEqual({ state: row?.state, note: row?.note }, { state: 'warming', note: 'by hand' });
      await mustMoveState(db, lamps, 1, 'warming', 'lit');
      const h = await stateHistory(db, 'test-lamp', 1);
      assert.deepEqual(h.map((e) => [e.from, e.event, e.to, e.by]), [['off', 'switch', 'warming', 'alice'], ['warming', 'lit', 'on', null]]);
    });

    test('a composite key moves only its row and names it in the history', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_strings').values([{ lamp: 1, pos: 'a', state: 'off' }, { lamp: 1, pos: 'b', state: 'off' }, { lamp: 2, pos: 'a', state: 'off' }]).execute();
      assert.ok(await moveState(db, strings, [1, 'b'], 'off', 'switch'));
      const rows = await db.selectFrom('test_strings').select(['lamp', 'pos', 'state']).orderBy('lamp').orderBy('pos').execute();
      assert.deepEqual(rows.map((r) => `${r.lamp}${r.pos}:${r.state}`), ['1a:off', '1b:warming', '2a:off']);
      assert.deepEqual((await stateHistory(db, 'test-string', [1, 'b'])).map((e) => e.to), ['warming']);
      await moveEvery(db, strings, 'switch', { where: { lamp: 2 } });
      assert.deepEqual((await stateHistory(db, 'test-string', [2, 'a'])).map((e) => e.to), ['warming']);
    });

    test('a move the table lacks is refused before any write', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_lamps').values({ id: 1, state: 'off', room: 'hall' }).execute();
      await assert.rejects(moveState(db, lamps, 1, 'off', 'lit'), InvalidTransitionError);
      assert.equal((await db.selectFrom('test_lamps').select('state').executeTakeFirstOrThrow()).state, 'off');
      assert.deepEqual(await stateHistory(db, 'test-lamp', 1), []);
    });

    test('compare-and-set: of two writers that read the same state only one moves it', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_lamps').values({ id: 1, state: 'off', room: 'hall' }).execute();
      const [a, b] = await Promise.all([moveState(db, lamps, 1, 'off', 'switch'), moveState(db, lamps, 1, 'off', 'switch')]);
      assert.equal([a, b].filter(Boolean).length, 1);
      await assert.rejects(mustMoveState(db, lamps, 1, 'off', 'switch'), StateMoveLost);
      assert.equal((await stateHistory(db, 'test-lamp', 1)).length, 1);
    });

    test('an extra guard column must match too', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_lamps').values({ id: 1, state: 'off', room: 'hall' }).execute();
      assert.equal(await moveState(db, lamps, 1, 'off', 'switch', { where: { room: 'attic' } }), undefined);
      assert.ok(await moveState(db, lamps, 1, 'off', 'switch', { where: { room: 'hall' } }));
    });

    test('moveEvery moves each row from every state the event leaves', async () => {
      const { db } = await stores[kind]();
      await db
        .insertInto('test_lamps')
        .values([
          { id: 1, state: 'on', room: 'hall' },
          { id: 2, state: 'warming', room: 'hall' },
          { id: 3, state: 'off', room: 'hall' },
          { id: 4, state: 'on', room: 'attic' },
        ])
        .execute();
      const moved = await moveEvery(db, lamps, 'cut', { where: { room: 'hall' }, by: 'restart' });
      assert.deepEqual(moved.map((r) => Number(r.id)).sort(), [1, 2]);
      const states = await db.selectFrom('test_lamps').select(['id', 'state']).orderBy('id').execute();
      assert.deepEqual(states.map((r) => r.state), ['off', 'off', 'off', 'on']);
      assert.deepEqual((await stateHistory(db, 'test-lamp', 2)).map((e) => e.from), ['warming']);
    });

    test('the store refuses a state write that bypasses the helper: builder, raw SQL, or an undeclared state', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_lamps').values({ id: 1, state: 'off', room: 'hall' }).execute();
      await assert.rejects(db.updateTable('test_lamps').set({ state: 'on' }).where('id', '=', 1).execute(), StateWriteRefused);
      await assert.rejects(sql`UPDATE test_lamps SET note = 'x', state = 'on' WHERE id = 1`.execute(db), StateWriteRefused);
      await assert.rejects(db.insertInto('test_lamps').values({ id: 2, state: 'glowing', room: 'hall' }).execute(), /"glowing" is not a state of test-lamp/);
      // Other columns of the same table stay writable.
      await db.updateTable('test_lamps').set({ note: 'fine' }).where('id', '=', 1).execute();
      assert.equal((await db.selectFrom('test_lamps').select('state').executeTakeFirstOrThrow()).state, 'off');
    });

    test('a nullState stands for NULL in the column: moved from and recorded by name', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_lamps').values({ id: 1, state: 'off', room: 'hall' }).execute();
      const row = await mustMoveState(db, bulbs, 1, 'unknown', 'test');
      assert.equal(row.bulb, 'good');
      assert.equal(await moveState(db, bulbs, 1, 'unknown', 'test'), undefined);
      await mustMoveState(db, bulbs, 1, 'good', 'break');
      assert.deepEqual((await stateHistory(db, 'test-bulb', 1)).map((e) => [e.from, e.to]), [['unknown', 'good'], ['good', 'broken']]);
    });

    test('a move inside the caller\'s transaction rolls back with it', async () => {
      const { db } = await stores[kind]();
      await db.insertInto('test_lamps').values({ id: 1, state: 'off', room: 'hall' }).execute();
      await assert.rejects(
        db.transaction().execute(async (tx) => {
          await mustMoveState(tx, lamps, 1, 'off', 'switch');
          throw new Error('later step failed');
        }),
        /later step failed/,
      );
      assert.equal((await db.selectFrom('test_lamps').select('state').executeTakeFirstOrThrow()).state, 'off');
      assert.deepEqual(await stateHistory(db, 'test-lamp', 1), []);
    });
  });
}

test('a machine bound without history moves by one guarded UPDATE and records nothing', async () => {
  const { db } = await stores.sqlite();
  await db.schema.createTable('test_quiet').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('state', 'text').execute();
  const quiet = persistState(defineMachine({ ...lamp.spec, name: 'test-quiet' }), { table: 'test_quiet', column: 'state', history: false });
  await db.insertInto('test_quiet').values({ id: 1, state: 'off' }).execute();
  assert.equal((await moveState(db, quiet, 1, 'off', 'switch'))?.state, 'warming');
  assert.equal(await moveState(db, quiet, 1, 'off', 'switch'), undefined);
  assert.deepEqual(await stateHistory(db, 'test-quiet', 1), []);
  await assert.rejects(db.updateTable('test_quiet').set({ state: 'on' }).execute(), StateWriteRefused);
});

test('binding a column to a second machine is an error', () => {
  assert.throws(() => persistState(defineMachine({ ...lamp.spec, name: 'other' }), { table: 'test_lamps', column: 'state' }), /already bound to test-lamp/);
});
