import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTransitionError } from '../../core/index.js';
import type { QueueItem } from '../model.js';
import { dequeueItem, itemStateOf, settleItem } from './item-state.js';
import { makeChange, Simulation } from './simulation.js';

test('an item is enqueued behind the window, active within it, failing when it cannot succeed', () => {
  const sim = new Simulation({
    conflicts: new Set(['2,1']),
    jobTime: 10,
    settings: { window: { window: 3, floor: 1, ceiling: null, increaseType: 'linear', increaseFactor: 1, decreaseType: 'exponential', decreaseFactor: 2 } },
  });
  for (const n of [1, 2, 3, 4]) sim.addChange(makeChange(n));
  assert.deepEqual(sim.items().map((i) => i.state), ['active', 'failing', 'active', 'enqueued']);
  assert.deepEqual(sim.items().map(itemStateOf), sim.items().map((i) => i.state), 'the state is what the flags add up to');
  sim.runToEnd();
  assert.equal(sim.items().length, 0);
});

test('moves follow the table: a failing item recovers through enqueued, a dequeued item moves no more', () => {
  const item = { state: 'enqueued', active: true, failingReasons: [] } as unknown as QueueItem;
  settleItem(item);
  assert.equal(item.state, 'active');
  item.failingReasons = ['at least one job failed'];
  settleItem(item);
  assert.equal(item.state, 'failing');
  item.failingReasons = [];
  settleItem(item);
  assert.equal(item.state, 'active', 'failing → enqueued → active, in one settle');
  dequeueItem(item);
  assert.equal(item.state, 'dequeued');
  assert.throws(() => dequeueItem(item), InvalidTransitionError);
});
