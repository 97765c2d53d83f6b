import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POWER_TARGET_INFO, POWER_STATE_INFO, powerMachine, powerTargetState, reportEvent, type NodePowerState } from './power.js';
import { POWER_TARGETS } from '../drivers/types.js';

const STATES = Object.keys(POWER_STATE_INFO) as NodePowerState[];

test('the hardware is the truth: every power state can follow every other, by what was reported', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      if (from === to) continue;
      assert.equal(powerMachine.next(from, reportEvent(to === 'None' ? null : to)), to, `${from} -> ${to}`);
    }
    // A report of the state the row holds is no move (the row already says so).
    assert.equal(powerMachine.can(from, reportEvent(from === 'None' ? null : from)), false);
  }
  assert.equal(powerMachine.spec.initial, 'None');
});

test('each power target records what Ironic writes in target_power_state, soft ones from 1.27', () => {
  assert.deepEqual(Object.keys(POWER_TARGET_INFO).sort(), [...POWER_TARGETS].sort());
  assert.deepEqual(
    POWER_TARGETS.map((t) => [t, powerTargetState(t), POWER_TARGET_INFO[t].minMinor]),
    [
      ['power on', 'power on', 1],
      ['power off', 'power off', 1],
      ['rebooting', 'power on', 1],
      ['soft rebooting', 'power on', 27],
      ['soft power off', 'power off', 27],
    ],
  );
});
