import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTransitionError, toMarkdown } from '../../core/fsm/index.js';
import {
  PROVISION_STATES,
  STATE_INFO,
  TAKEOVER,
  TRANSITIONS,
  VERBS,
  advance,
  allowedVerbs,
  checkProvisionVerb,
  initialProvisionState,
  provisionMachine,
  provisionSpec,
  provisionStateForMinor,
  ProvisionRequestError,
  type ProvisionPosition,
  type ProvisionState,
} from './index.js';

// Ironic 21.4's ironic/common/states.py, transcribed move by move (from, event, to).
const IRONIC: [ProvisionState, string, ProvisionState][] = [
  ['available', 'deploy', 'deploying'],
  ['deploying', 'fail', 'deploy failed'],
  ['deploy failed', 'rebuild', 'deploying'],
  ['deploy failed', 'deploy', 'deploying'],
  ['deploying', 'wait', 'wait call-back'],
  ['wait call-back', 'resume', 'deploying'],
  ['wait call-back', 'fail', 'deploy failed'],
  ['deploying', 'done', 'active'],
  ['active', 'rebuild', 'deploying'],
  ['active', 'delete', 'deleting'],
  ['wait call-back', 'delete', 'deleting'],
  ['deploy failed', 'delete', 'deleting'],
  ['deleting', 'fail', 'error'],
  ['deleting', 'clean', 'cleaning'],
  ['cleaning', 'done', 'available'],
  ['cleaning', 'fail', 'clean failed'],
  ['clean wait', 'fail', 'clean failed'],
  ['clean wait', 'abort', 'clean failed'],
  ['cleaning', 'wait', 'clean wait'],
  ['clean wait', 'resume', 'cleaning'],
  ['clean failed', 'manage', 'manageable'],
  ['manageable', 'provide', 'cleaning'],
  ['manageable', 'clean', 'cleaning'],
  ['cleaning', 'manage', 'manageable'],
  ['available', 'manage', 'manageable'],
  ['error', 'rebuild', 'deploying'],
  ['error', 'delete', 'deleting'],
  ['manageable', 'inspect', 'inspecting'],
  ['inspecting', 'done', 'manageable'],
  ['inspecting', 'fail', 'inspect failed'],
  ['inspecting', 'wait', 'inspect wait'],
  ['inspect wait', 'done', 'manageable'],
  ['inspect wait', 'fail', 'inspect failed'],
  ['inspect wait', 'abort', 'inspect failed'],
  ['inspect failed', 'manage', 'manageable'],
  ['inspect failed', 'inspect', 'inspecting'],
  ['active', 'rescue', 'rescuing'],
  ['rescuing', 'done', 'rescue'],
  ['rescuing', 'wait', 'rescue wait'],
  ['rescue wait', 'resume', 'rescuing'],
  ['rescue', 'rescue', 'rescuing'],
  ['rescue', 'delete', 'deleting'],
  ['rescue wait', 'fail', 'rescue failed'],
  ['rescuing', 'fail', 'rescue failed'],
  ['rescue wait', 'abort', 'rescue failed'],
  ['rescue failed', 'rescue', 'rescuing'],
  ['rescue failed', 'unrescue', 'unrescuing'],
  ['rescue failed', 'delete', 'deleting'],
  ['rescue wait', 'delete', 'deleting'],
  ['rescue', 'unrescue', 'unrescuing'],
  ['unrescuing', 'done', 'active'],
  ['unrescuing', 'fail', 'unrescue failed'],
  ['unrescue failed', 'rescue', 'rescuing'],
  ['unrescue failed', 'unrescue', 'unrescuing'],
  ['unrescue failed', 'delete', 'deleting'],
  ['enroll', 'manage', 'verifying'],
  ['verifying', 'done', 'manageable'],
  ['verifying', 'fail', 'enroll'],
  ['manageable', 'adopt', 'adopting'],
  ['adopting', 'done', 'active'],
  ['adopting', 'fail', 'adopt failed'],
  ['adopt failed', 'adopt', 'adopting'],
  ['adopt failed', 'manage', 'manageable'],
];

test('the table holds exactly Ironic\'s transitions', () => {
  assert.equal(IRONIC.length, 63);
  for (const [from, event, to] of IRONIC) {
    assert.equal(provisionMachine.next(from, event as never), to, `${from} --${event}-->`);
  }
  const key = (t: readonly [string, string, string]) => t.join(' | ');
  const ours = new Set(TRANSITIONS.map((t) => key([t.from, t.event, t.to])));
  assert.deepEqual([...ours].sort(), IRONIC.map(key).sort());
});

test('every (state, event) pair missing from Ironic is rejected with the allowed events named', () => {
  const events = [...new Set(IRONIC.map(([, e]) => e))];
  const allowed = new Set(IRONIC.map(([f, e]) => `${f}|${e}`));
  let rejected = 0;
  for (const state of PROVISION_STATES) {
    for (const event of events) {
      if (allowed.has(`${state}|${event}`)) continue;
      assert.throws(
        () => provisionMachine.next(state, event as never),
        (e: unknown) => e instanceof InvalidTransitionError && e.status === 409 && e.message.includes(`"${state}"`),
      );
      rejected++;
    }
  }
  assert.equal(rejected, PROVISION_STATES.length * events.length - 63);
});

test('state strings, stability and default targets match Ironic', () => {
  assert.equal(PROVISION_STATES.length, 24);
  const stable = PROVISION_STATES.filter((s) => STATE_INFO[s].stable).sort();
  assert.deepEqual(stable, ['active', 'available', 'enroll', 'error', 'manageable', 'rescue']);
  const targets: Record<string, string> = {
    verifying: 'manageable',
    deploying: 'active',
    'wait call-back': 'active',
    'deploy failed': 'active',
    cleaning: 'available',
    'clean wait': 'available',
    'clean failed': 'available',
    deleting: 'available',
    inspecting: 'manageable',
    'inspect failed': 'manageable',
    'inspect wait': 'manageable',
    adopting: 'active',
    'adopt failed': 'active',
    rescuing: 'rescue',
    'rescue wait': 'rescue',
    'rescue failed': 'rescue',
    unrescuing: 'active',
    'unrescue failed': 'active',
  };
  for (const s of PROVISION_STATES) assert.equal(STATE_INFO[s].target, targets[s] ?? null, s);
  assert.equal(provisionMachine.spec.initial, 'enroll');
});

test('verbs per API version follow Ironic\'s MIN_VERB_VERSIONS', () => {
  const expectMinor = (state: ProvisionState, verb: string, minor: number) => {
    assert.throws(() => checkProvisionVerb({ state, verb, minor: minor - 1 }), (e: unknown) => e instanceof ProvisionRequestError && e.status === 406);
    assert.doesNotThrow(() => checkProvisionVerb({ state, verb, minor }));
  };
  expectMinor('enroll', 'manage', 4);
  expectMinor('manageable', 'provide', 4);
  expectMinor('manageable', 'inspect', 6);
  expectMinor('clean wait', 'abort', 13);
  expectMinor('manageable', 'clean', 15);
  expectMinor('manageable', 'adopt', 17);
  expectMinor('active', 'rescue', 38);
  expectMinor('rescue', 'unrescue', 38);
  expectMinor('available', 'deploy', 73);
  expectMinor('active', 'undeploy', 73);
  expectMinor('inspect wait', 'abort', 41);
  // the Juno-era names work at every version
  assert.equal(checkProvisionVerb({ state: 'available', verb: 'active', minor: 1 }).event, 'deploy');
  assert.equal(checkProvisionVerb({ state: 'active', verb: 'deleted', minor: 1 }).event, 'delete');
  assert.equal(checkProvisionVerb({ state: 'active', verb: 'rebuild', minor: 1 }).rebuild, true);
  assert.deepEqual(Object.keys(VERBS).sort(), ['abort', 'active', 'adopt', 'clean', 'deleted', 'deploy', 'inspect', 'manage', 'provide', 'rebuild', 'rescue', 'undeploy', 'unrescue']);
});

test('the API may not fire the conductor\'s events, nor verbs from the wrong state', () => {
  for (const verb of ['done', 'fail', 'wait', 'resume', 'delete']) {
    assert.throws(() => checkProvisionVerb({ state: 'deploying', verb, minor: 82 }), (e: unknown) => e instanceof ProvisionRequestError && e.status === 400);
  }
  // `manage` ends manual cleaning inside the conductor, but is not an operator's move from cleaning
  assert.throws(() => checkProvisionVerb({ state: 'cleaning', verb: 'manage', minor: 82 }), /can not be performed .* while it is in state "cleaning"/);
  assert.throws(
    () => checkProvisionVerb({ state: 'active', verb: 'provide', minor: 82, nodeId: 'n1' }),
    (e: unknown) => e instanceof ProvisionRequestError && /node "n1" while it is in state "active" \(allowed: rebuild, deleted, undeploy, rescue\)/.test(e.message),
  );
  assert.throws(() => checkProvisionVerb({ state: 'available', verb: 'active', minor: 82, maintenance: true }), (e: unknown) => e instanceof ProvisionRequestError && e.reason === 'in-maintenance');
  assert.equal(checkProvisionVerb({ state: 'available', verb: 'manage', minor: 82, maintenance: true }).to, 'manageable');
  assert.deepEqual(allowedVerbs('manageable', 82), ['provide', 'inspect', 'clean', 'adopt']);
  assert.deepEqual(allowedVerbs('manageable', 5), ['provide']);
});

test('targets: null when stable, carried through manual cleaning, defaulted otherwise', () => {
  const manual = checkProvisionVerb({ state: 'manageable', verb: 'clean', minor: 82 });
  assert.deepEqual(manual, { event: 'clean', to: 'cleaning', target: 'manageable', rebuild: false });
  let pos: ProvisionPosition = { provision_state: manual.to, target_provision_state: manual.target };
  pos = advance(pos, 'wait');
  assert.deepEqual(pos, { provision_state: 'clean wait', target_provision_state: 'manageable' });
  const abort = checkProvisionVerb({ state: pos.provision_state, verb: 'abort', minor: 82, target: pos.target_provision_state });
  assert.equal(abort.target, 'manageable');
  pos = advance(pos, 'fail');
  assert.deepEqual(pos, { provision_state: 'clean failed', target_provision_state: 'manageable' });
  pos = advance(pos, 'manage');
  assert.deepEqual(pos, { provision_state: 'manageable', target_provision_state: null });

  // automated cleaning heads for available
  pos = advance({ provision_state: 'manageable', target_provision_state: null }, 'provide');
  assert.deepEqual(pos, { provision_state: 'cleaning', target_provision_state: 'available' });
  // the tear-down chain: deleting → cleaning → available
  pos = advance({ provision_state: 'active', target_provision_state: null }, 'delete');
  assert.equal(pos.target_provision_state, 'available');
  pos = advance(pos, 'clean');
  assert.deepEqual(pos, { provision_state: 'cleaning', target_provision_state: 'available' });
  assert.deepEqual(advance(pos, 'done'), { provision_state: 'available', target_provision_state: null });
  // verifying fails back to enroll with no target
  assert.deepEqual(advance({ provision_state: 'verifying', target_provision_state: 'manageable' }, 'fail'), { provision_state: 'enroll', target_provision_state: null });
  // an explicit target must be one the state accepts
  assert.throws(() => advance({ provision_state: 'available', target_provision_state: null }, 'deploy', { target: 'manageable' }), /not a target of state "deploying"/);
  assert.throws(() => advance({ provision_state: 'active', target_provision_state: null }, 'deploy'), InvalidTransitionError);
});

test('takeover: working states fail, waiting states keep waiting with a timeout, failed states rest', () => {
  const ironicStuck = ['deploying', 'cleaning', 'verifying', 'inspecting', 'adopting', 'rescuing', 'unrescuing', 'deleting'];
  const failing = Object.entries(TAKEOVER).filter(([, r]) => r.action === 'fail').map(([s]) => s);
  assert.deepEqual(failing.sort(), ironicStuck.sort());
  for (const [state, rule] of Object.entries(TAKEOVER)) {
    const s = state as ProvisionState;
    assert.equal(STATE_INFO[s].stable, false);
    if (rule.action === 'fail') assert.doesNotThrow(() => provisionMachine.next(s, 'fail'));
    if (rule.action === 'keep-waiting') {
      assert.equal(STATE_INFO[s].kind, 'waiting');
      assert.doesNotThrow(() => provisionMachine.next(s, rule.resumeEvent));
      assert.doesNotThrow(() => provisionMachine.next(s, rule.timeout.event));
    }
    if (rule.action === 'none') assert.equal(STATE_INFO[s].kind, 'failed');
  }
  // every transient state has a rule
  assert.equal(Object.keys(TAKEOVER).length, PROVISION_STATES.filter((s) => !STATE_INFO[s].stable).length);
});

test('older clients see older state names', () => {
  assert.equal(provisionStateForMinor('available', 1), null);
  assert.equal(provisionStateForMinor('available', 2), 'available');
  assert.equal(provisionStateForMinor('inspect wait', 38), 'inspecting');
  assert.equal(provisionStateForMinor('inspect wait', 39), 'inspect wait');
  assert.equal(initialProvisionState(10), 'available');
  assert.equal(initialProvisionState(11), 'enroll');
});

test('the table renders into a diagram with every state', () => {
  const md = toMarkdown(provisionSpec);
  for (const s of PROVISION_STATES) assert.ok(md.includes(`state "${s}"`), s);
  assert.match(md, /wait_call_back --> deploying: resume/);
});

test('the state sets are columns of the table, derived in Ironic\'s order (API messages list them so)', async () => {
  const s = await import('./index.js');
  assert.deepEqual(s.DELETE_ALLOWED_STATES, ['manageable', 'enroll', 'adopt failed']);
  assert.deepEqual(s.INTERFACE_UPDATE_STATES, ['enroll', 'inspecting', 'inspect wait', 'manageable', 'available']);
  assert.deepEqual(s.LOOKUP_ALLOWED_STATES, ['deploying', 'wait call-back', 'cleaning', 'clean wait', 'inspecting', 'inspect wait', 'rescuing', 'rescue wait']);
  assert.deepEqual(s.FASTTRACK_LOOKUP_ALLOWED_STATES, ['enroll', 'manageable', 'available', ...s.LOOKUP_ALLOWED_STATES]);
  assert.deepEqual([...s.SYNC_EXCLUDED_STATES].sort(), ['adopt failed', 'clean wait', 'enroll', 'wait call-back']);
  assert.deepEqual([...s.UPDATE_ALLOWED_STATES].sort(), ['adopt failed', 'clean failed', 'deploy failed', 'error', 'inspect failed', 'inspect wait', 'inspecting', 'rescue failed', 'unrescue failed', 'verifying']);
  assert.deepEqual(s.RESTING_STATES, ['enroll', 'manageable', 'available', 'active', 'error', 'rescue', 'deploy failed', 'clean failed', 'inspect failed', 'adopt failed', 'rescue failed', 'unrescue failed']);
  assert.equal(s.heartbeatAction('clean wait'), 'continue-clean');
  assert.equal(s.heartbeatAction('active'), 'ignore');
  assert.equal(s.abortMessage('inspect wait'), 'By request, the inspect operation was aborted.');
  assert.equal(s.failureMessage('rescuing', { uuid: 'u', instance_uuid: 'i' }, 'boom'), 'Failed to rescue instance i for node u: boom');
  assert.equal(s.failureMessage('deploy failed', { uuid: 'u', instance_uuid: null }, 'boom'), 'boom');
  assert.equal(s.historyTypeOf('inspect wait'), 'introspection');
  assert.equal(s.historyTypeOf('deploying'), 'provisioning');
});
