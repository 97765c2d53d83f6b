import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, type PlanInput } from './strategy-plan.js';
import { stepMachine, strategyMachine } from './strategy-machines.js';

const steps = (...states: PlanInput['steps'][number]['state'][]) => states.map((state, i) => ({ subcloud: `sc${i + 1}`, state }));
const base: PlanInput = { state: 'applying', applyType: 'parallel', maxParallel: 2, stopOnFailure: false, steps: [] };

test('parallel with max-parallel 2 keeps two steps running; serial one', () => {
  assert.deepEqual(plan({ ...base, steps: steps('initial', 'initial', 'initial') }), { kind: 'start', subclouds: ['sc1', 'sc2'] });
  assert.deepEqual(plan({ ...base, steps: steps('complete', 'applying', 'initial', 'initial') }), { kind: 'start', subclouds: ['sc3'] });
  assert.deepEqual(plan({ ...base, steps: steps('applying', 'applying', 'initial') }), { kind: 'wait' });
  assert.deepEqual(plan({ ...base, applyType: 'serial', steps: steps('initial', 'initial') }), { kind: 'start', subclouds: ['sc1'] });
  assert.deepEqual(plan({ ...base, applyType: 'serial', steps: steps('applying', 'initial') }), { kind: 'wait' });
  assert.deepEqual(plan({ ...base, steps: steps('complete', 'complete') }), { kind: 'finish', event: 'all_done', skip: [] });
});

test('stop-on-failure: in-progress steps finish, no new one starts, the rest are skipped', () => {
  const s = { ...base, stopOnFailure: true };
  assert.deepEqual(plan({ ...s, steps: steps('failed', 'applying', 'initial') }), { kind: 'wait' });
  assert.deepEqual(plan({ ...s, steps: steps('failed', 'complete', 'initial', 'initial') }), { kind: 'finish', event: 'step_failed', skip: ['sc3', 'sc4'] });
  // Without it, the others still run and the strategy ends failed.
  assert.deepEqual(plan({ ...base, steps: steps('failed', 'complete', 'initial') }), { kind: 'start', subclouds: ['sc3'] });
  assert.deepEqual(plan({ ...base, steps: steps('failed', 'complete', 'complete') }), { kind: 'finish', event: 'step_failed', skip: [] });
});

test('abort: steps in progress finish, none start; then aborted', () => {
  assert.deepEqual(plan({ ...base, state: 'aborting', steps: steps('complete', 'applying', 'initial') }), { kind: 'wait' });
  assert.deepEqual(plan({ ...base, state: 'aborting', steps: steps('complete', 'complete', 'initial') }), { kind: 'finish', event: 'drained', skip: ['sc3'] });
  for (const st of ['initial', 'complete', 'aborted', 'failed', 'abort-requested'] as const) assert.deepEqual(plan({ ...base, state: st, steps: steps('initial') }), { kind: 'idle' });
});

test('the tables allow exactly StarlingX\'s moves', () => {
  assert.equal(strategyMachine.next('initial', 'apply'), 'applying');
  assert.equal(strategyMachine.next('applying', 'abort'), 'abort-requested');
  assert.throws(() => strategyMachine.next('complete', 'apply'), /cannot apply/);
  assert.throws(() => strategyMachine.next('applying', 'delete'), /cannot delete/);
  assert.throws(() => stepMachine.next('complete', 'start'), /cannot start/);
  assert.deepEqual(Object.keys(strategyMachine.spec.states), ['initial', 'applying', 'abort-requested', 'aborting', 'complete', 'aborted', 'failed', 'deleting']);
});
