/**
 * Strata's provision table and driver properties against the Ironic they
 * model: Debian's python3-ironic (21.4, API 1.82), imported and dumped by a
 * real Python interpreter. A difference here is either a bug or a decision
 * that docs/metal-states.md must record.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { FAULTS, DELETE_ALLOWED_STATES, PROVISION_STATES, STATE_INFO, TAKEOVER, TRANSITIONS, UPDATE_ALLOWED_STATES, VERBS, type ApiVerb } from '../../src/metal/states/index.js';
import { createDriverRegistry } from '../../src/metal/drivers/index.js';

interface IronicDump {
  transitions: [string, string, string][];
  states: Record<string, { stable: boolean; target: string | null }>;
  verbs: Record<string, string>;
  min: Record<string, number>;
  stuck: string[];
  update: string[];
  delete: string[];
  faults: string[];
  ipmi: string[];
  redfish: string[];
}

let ironic: IronicDump;

before(() => {
  const script = `
import json
from ironic.common import states as s, faults
from ironic.api.controllers.v1 import utils as u
from ironic.drivers.modules import ipmitool
from ironic.drivers.modules.redfish import utils as ru
m = s.machine
print(json.dumps({
  'transitions': [[a, e, b] for (a, e, b) in m],
  'states': {st: {'stable': m.is_stable(st), 'target': m._states[st]['target']} for st in m.states},
  'verbs': s.VERBS, 'min': u.MIN_VERB_VERSIONS, 'stuck': list(s.STUCK_STATES_TREATED_AS_FAIL),
  'update': list(s.UPDATE_ALLOWED_STATES), 'delete': list(s.DELETE_ALLOWED_STATES), 'faults': list(faults.VALID_FAULTS),
  'ipmi': sorted(ipmitool.COMMON_PROPERTIES), 'redfish': sorted(ru.COMMON_PROPERTIES)}))
`;
  const res = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, `python3-ironic is needed for this test: ${res.stderr}`);
  ironic = JSON.parse(res.stdout.trim().split('\n').pop()!);
});

test('same states, stability and default targets', () => {
  assert.deepEqual([...PROVISION_STATES].sort(), Object.keys(ironic.states).sort());
  for (const [state, info] of Object.entries(ironic.states)) {
    const ours = STATE_INFO[state as keyof typeof STATE_INFO];
    assert.equal(ours.stable, info.stable, state);
    assert.equal(ours.target, info.target, state);
  }
});

test('same transitions', () => {
  const key = (t: readonly string[]) => t.join(' | ');
  assert.deepEqual(TRANSITIONS.map((t) => key([t.from, t.event, t.to])).sort(), ironic.transitions.map(key).sort());
});

test('same verbs and microversion gates', () => {
  for (const [verb, event] of Object.entries(ironic.verbs)) {
    assert.equal(VERBS[verb as ApiVerb]?.event, event, verb);
  }
  // Ironic keys MIN_VERB_VERSIONS by event name; the API looks it up by the verb sent.
  for (const [verb, minor] of Object.entries(ironic.min)) {
    if (verb === 'delete') continue; // the event of undeploy/deleted; see the undeploy check below
    assert.equal(VERBS[verb as ApiVerb].minMinor, minor, verb);
  }
  // Documented difference: Strata gates "undeploy" at 1.73 with "deploy", as the API reference says;
  // Ironic 21.4's table, keyed by event, never matches the verb "undeploy".
  assert.equal(ironic.min.delete, 73);
  assert.equal(VERBS.undeploy.minMinor, 73);
});

test('same takeover failures, update/delete sets and faults', () => {
  const failing = Object.entries(TAKEOVER).filter(([, r]) => r.action === 'fail').map(([s]) => s);
  assert.deepEqual(failing.sort(), [...ironic.stuck].sort());
  assert.deepEqual([...UPDATE_ALLOWED_STATES].sort(), [...ironic.update].sort());
  assert.deepEqual([...DELETE_ALLOWED_STATES].sort(), [...ironic.delete].sort());
  assert.deepEqual([...FAULTS], ironic.faults);
});

test('the ipmi and redfish driver_info keys are Ironic\'s', () => {
  const reg = createDriverRegistry();
  const ipmi = Object.keys(reg.properties('ipmi')).filter((k) => k.startsWith('ipmi_'));
  assert.deepEqual(ipmi.sort(), ironic.ipmi);
  const redfish = Object.keys(reg.properties('redfish')).filter((k) => k.startsWith('redfish_'));
  assert.deepEqual(redfish.sort(), ironic.redfish);
});
