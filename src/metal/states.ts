/**
 * The bare-metal provision lifecycle as one table, modelled on Ironic 21.4's
 * `ironic/common/states.py` (API 1.82): the same state strings, the same
 * events, the same 63 transitions, plus what Ironic keeps elsewhere as code and
 * Strata keeps here as data: which API verbs map to which events and from which
 * microversion, which moves the API may request (the rest belong to the
 * conductor), each transient state's target, and what a conductor taking over
 * a node does with each transient state.
 *
 * Pure data and pure functions; the conductor owns persistence and locking.
 */
import { defineMachine, type MachineSpec, type StateInfo, type Transition } from '../core/fsm/index.js';
import { StrataError } from '../core/errors/index.js';

// ---------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------

export const STABLE_STATES = ['enroll', 'manageable', 'available', 'active', 'error', 'rescue'] as const;
export type StableState = (typeof STABLE_STATES)[number];

export const PROVISION_STATES = [
  ...STABLE_STATES,
  'verifying',
  'deploying',
  'wait call-back',
  'deploy failed',
  'cleaning',
  'clean wait',
  'clean failed',
  'deleting',
  'inspecting',
  'inspect failed',
  'inspect wait',
  'adopting',
  'adopt failed',
  'rescuing',
  'rescue wait',
  'rescue failed',
  'unrescuing',
  'unrescue failed',
] as const;
export type ProvisionState = (typeof PROVISION_STATES)[number];
export type TransientState = Exclude<ProvisionState, StableState>;

/**
 * Where a state sits in a flow. `working`: the conductor holds the node and
 * runs code; `waiting`: the node waits for an external call-back (the agent's
 * heartbeat) and holds no lock; `failed`: the flow stopped and waits for an
 * operator; `stable`: nothing is in progress.
 */
export type StateKind = 'stable' | 'working' | 'waiting' | 'failed';

export interface ProvisionStateInfo extends StateInfo {
  kind: StateKind;
  /**
   * Default `target_provision_state` while in this state (Ironic's
   * `add_state(..., target=...)`); null for stable states.
   */
  target: StableState | null;
  /**
   * Other targets this state may carry instead of the default: the cleaning
   * states serve both automated cleaning (target available) and manual
   * cleaning (target manageable). A carried target that is listed here
   * survives moves inside the flow (Ironic passes it explicitly each time).
   */
  alsoTargets?: readonly StableState[];
}

const stable = (description: string): ProvisionStateInfo => ({ stable: true, kind: 'stable', target: null, description });
const working = (target: StableState, description: string, alsoTargets?: StableState[]): ProvisionStateInfo => ({
  stable: false,
  kind: 'working',
  target,
  description,
  ...(alsoTargets ? { alsoTargets } : {}),
});
const waiting = (target: StableState, description: string, alsoTargets?: StableState[]): ProvisionStateInfo => ({
  ...working(target, description, alsoTargets),
  kind: 'waiting',
});
const failed = (target: StableState, description: string, alsoTargets?: StableState[]): ProvisionStateInfo => ({
  ...working(target, description, alsoTargets),
  kind: 'failed',
});

export const STATE_INFO: Record<ProvisionState, ProvisionStateInfo> = {
  enroll: stable('known to Strata but not managed: credentials not yet verified'),
  manageable: stable('credentials verified at least once; not offered for deployment'),
  available: stable('cleaned and offered for deployment'),
  active: stable('deployed and associated with an instance'),
  error: stable('tear-down failed; last_error says why'),
  rescue: stable('booted into the rescue ramdisk'),
  verifying: working('manageable', 'checking that the power interface can reach the BMC'),
  deploying: working('active', 'deploying an image (also: continuing after the agent called back)'),
  'wait call-back': waiting('active', 'waiting for the deploy ramdisk to call back'),
  'deploy failed': failed('active', 'deployment failed; rebuild, deploy again or undeploy'),
  cleaning: working('available', 'running clean steps', ['manageable']),
  'clean wait': waiting('available', 'waiting for a clean step to finish in the ramdisk', ['manageable']),
  'clean failed': failed('available', 'cleaning failed; manage the node to recover', ['manageable']),
  deleting: working('available', 'tearing an instance down before cleaning'),
  inspecting: working('manageable', 'inspecting the hardware'),
  'inspect failed': failed('manageable', 'inspection failed; manage or inspect again'),
  'inspect wait': waiting('manageable', 'waiting for asynchronous inspection to finish'),
  adopting: working('active', 'taking over an already deployed node'),
  'adopt failed': failed('active', 'adoption failed; adopt again or manage'),
  rescuing: working('rescue', 'booting the rescue ramdisk'),
  'rescue wait': waiting('rescue', 'waiting for the rescue ramdisk to call back'),
  'rescue failed': failed('rescue', 'rescue failed; rescue again, unrescue or undeploy'),
  unrescuing: working('active', 'booting back into the instance'),
  'unrescue failed': failed('active', 'unrescue failed; rescue, unrescue again or undeploy'),
};

// ---------------------------------------------------------------------------
// Events and transitions
// ---------------------------------------------------------------------------

/** Events the API verbs map to (Ironic's `VERBS` values). */
export const VERB_EVENTS = ['deploy', 'rebuild', 'delete', 'manage', 'provide', 'inspect', 'abort', 'clean', 'adopt', 'rescue', 'unrescue'] as const;
/** Events only the conductor fires, as work progresses. */
export const INTERNAL_EVENTS = ['done', 'fail', 'wait', 'resume'] as const;
export type ProvisionEvent = (typeof VERB_EVENTS)[number] | (typeof INTERNAL_EVENTS)[number];

/** Who may fire a transition: an API request (an operator's verb) or the conductor. */
export type Trigger = 'api' | 'conductor';

export interface ProvisionTransition extends Transition<ProvisionState, ProvisionEvent> {
  by: Trigger;
}

const api = (from: ProvisionState, event: ProvisionEvent, to: ProvisionState, why: string): ProvisionTransition => ({ from, event, to, why, by: 'api' });
const cond = (from: ProvisionState, event: ProvisionEvent, to: ProvisionState, why: string): ProvisionTransition => ({ from, event, to, why, by: 'conductor' });

export const TRANSITIONS: readonly ProvisionTransition[] = [
  // enrolment and verification
  api('enroll', 'manage', 'verifying', 'verify the power credentials'),
  cond('verifying', 'done', 'manageable', 'the BMC answered'),
  cond('verifying', 'fail', 'enroll', 'the BMC did not answer; last_error says why'),
  api('available', 'manage', 'manageable', 'withdraw a node from scheduling'),

  // deployment
  api('available', 'deploy', 'deploying', 'deploy an instance'),
  cond('deploying', 'wait', 'wait call-back', 'the ramdisk is booting; wait for its heartbeat'),
  cond('wait call-back', 'resume', 'deploying', 'the agent called back; continue deploying'),
  cond('deploying', 'done', 'active', 'the instance is deployed'),
  cond('deploying', 'fail', 'deploy failed', 'a deploy step failed'),
  cond('wait call-back', 'fail', 'deploy failed', 'the agent did not call back in time'),
  api('deploy failed', 'rebuild', 'deploying', 'retry a failed deployment'),
  api('deploy failed', 'deploy', 'deploying', 'retry a failed deployment (Juno clients send active)'),
  api('active', 'rebuild', 'deploying', 're-deploy the instance image'),
  api('error', 'rebuild', 'deploying', 'rebuild a node whose tear-down failed'),

  // tear-down
  api('active', 'delete', 'deleting', 'undeploy the instance'),
  api('wait call-back', 'delete', 'deleting', 'undeploy while the deployment waits'),
  api('deploy failed', 'delete', 'deleting', 'undeploy a failed deployment'),
  api('error', 'delete', 'deleting', 'retry a failed tear-down'),
  api('rescue', 'delete', 'deleting', 'undeploy a rescued node'),
  api('rescue wait', 'delete', 'deleting', 'undeploy while the rescue waits'),
  api('rescue failed', 'delete', 'deleting', 'undeploy after a failed rescue'),
  api('unrescue failed', 'delete', 'deleting', 'undeploy after a failed unrescue'),
  cond('deleting', 'clean', 'cleaning', 'tear-down finished; clean before reuse'),
  cond('deleting', 'fail', 'error', 'tear-down failed'),

  // cleaning (automated after provide and undeploy, manual from manageable)
  api('manageable', 'provide', 'cleaning', 'automated cleaning, then offer the node'),
  api('manageable', 'clean', 'cleaning', 'manual cleaning with the given clean steps'),
  cond('cleaning', 'wait', 'clean wait', 'a clean step runs in the ramdisk'),
  cond('clean wait', 'resume', 'cleaning', 'the agent reported the step finished'),
  cond('cleaning', 'done', 'available', 'automated cleaning finished'),
  cond('cleaning', 'manage', 'manageable', 'manual cleaning finished'),
  cond('cleaning', 'fail', 'clean failed', 'a clean step failed'),
  cond('clean wait', 'fail', 'clean failed', 'the agent did not report in time'),
  api('clean wait', 'abort', 'clean failed', 'an operator aborted cleaning'),
  api('clean failed', 'manage', 'manageable', 'recover a node that failed cleaning'),

  // inspection
  api('manageable', 'inspect', 'inspecting', 'inspect the hardware'),
  cond('inspecting', 'done', 'manageable', 'inspection finished'),
  cond('inspecting', 'wait', 'inspect wait', 'inspection continues asynchronously'),
  cond('inspecting', 'fail', 'inspect failed', 'inspection failed'),
  cond('inspect wait', 'done', 'manageable', 'asynchronous inspection finished'),
  cond('inspect wait', 'fail', 'inspect failed', 'asynchronous inspection failed or timed out'),
  api('inspect wait', 'abort', 'inspect failed', 'an operator aborted inspection'),
  api('inspect failed', 'inspect', 'inspecting', 'retry inspection'),
  api('inspect failed', 'manage', 'manageable', 'give up on inspection'),

  // rescue
  api('active', 'rescue', 'rescuing', 'boot the rescue ramdisk'),
  cond('rescuing', 'wait', 'rescue wait', 'the rescue ramdisk is booting'),
  cond('rescue wait', 'resume', 'rescuing', 'the rescue agent called back'),
  cond('rescuing', 'done', 'rescue', 'the node is in rescue mode'),
  cond('rescuing', 'fail', 'rescue failed', 'rescue failed'),
  cond('rescue wait', 'fail', 'rescue failed', 'the rescue agent did not call back in time'),
  api('rescue wait', 'abort', 'rescue failed', 'an operator aborted the rescue'),
  api('rescue', 'rescue', 'rescuing', 'rescue again (e.g. a new password)'),
  api('rescue failed', 'rescue', 'rescuing', 'retry the rescue'),
  api('unrescue failed', 'rescue', 'rescuing', 'rescue after a failed unrescue'),
  api('rescue', 'unrescue', 'unrescuing', 'leave rescue mode'),
  api('rescue failed', 'unrescue', 'unrescuing', 'give up on the rescue'),
  api('unrescue failed', 'unrescue', 'unrescuing', 'retry the unrescue'),
  cond('unrescuing', 'done', 'active', 'back in the instance'),
  cond('unrescuing', 'fail', 'unrescue failed', 'unrescue failed'),

  // adoption
  api('manageable', 'adopt', 'adopting', 'take over a node deployed by other means'),
  api('adopt failed', 'adopt', 'adopting', 'retry adoption'),
  cond('adopting', 'done', 'active', 'adoption succeeded'),
  cond('adopting', 'fail', 'adopt failed', 'adoption failed'),
  api('adopt failed', 'manage', 'manageable', 'give up on adoption'),
];

export const provisionSpec: MachineSpec<ProvisionState, ProvisionEvent> = {
  name: 'metal provision state',
  initial: 'enroll',
  states: STATE_INFO,
  transitions: TRANSITIONS,
};

/** The provision lifecycle; `scripts/diagrams.ts` renders it into docs/state-machines/. */
export const provisionMachine = defineMachine(provisionSpec);

// ---------------------------------------------------------------------------
// API verbs and microversions
// ---------------------------------------------------------------------------

/** What `PUT /v1/nodes/{id}/states/provision {"target": ...}` accepts. */
export const API_VERBS = ['active', 'deploy', 'rebuild', 'deleted', 'undeploy', 'manage', 'provide', 'inspect', 'abort', 'clean', 'adopt', 'rescue', 'unrescue'] as const;
export type ApiVerb = (typeof API_VERBS)[number];

export interface VerbInfo {
  event: ProvisionEvent;
  /** The lowest API minor version (1.x) that accepts this verb; older ones answer 406. */
  minMinor: number;
}

/** Ironic's `VERBS` and `MIN_VERB_VERSIONS` (api/controllers/v1/utils.py). */
export const VERBS: Record<ApiVerb, VerbInfo> = {
  active: { event: 'deploy', minMinor: 1 },
  deploy: { event: 'deploy', minMinor: 73 },
  rebuild: { event: 'rebuild', minMinor: 1 },
  deleted: { event: 'delete', minMinor: 1 },
  undeploy: { event: 'delete', minMinor: 73 },
  manage: { event: 'manage', minMinor: 4 },
  provide: { event: 'provide', minMinor: 4 },
  inspect: { event: 'inspect', minMinor: 6 },
  abort: { event: 'abort', minMinor: 13 },
  clean: { event: 'clean', minMinor: 15 },
  adopt: { event: 'adopt', minMinor: 17 },
  rescue: { event: 'rescue', minMinor: 38 },
  unrescue: { event: 'unrescue', minMinor: 38 },
};

/** Extra microversion gates on a verb in a given state (Ironic: abort of inspect wait needs 1.41). */
export const VERB_STATE_MIN_MINOR: readonly { verb: ApiVerb; state: ProvisionState; minMinor: number }[] = [
  { verb: 'abort', state: 'inspect wait', minMinor: 41 },
];

/** Verbs refused while the node is in maintenance (Ironic answers 400 NodeInMaintenance). */
export const VERBS_REFUSED_IN_MAINTENANCE: readonly ApiVerb[] = ['active', 'deploy', 'rebuild'];

/**
 * The provision state as a client of a given microversion sees it: before
 * 1.2 `available` was reported as null ("NOSTATE"), before 1.39 `inspect wait`
 * as `inspecting`.
 */
export function provisionStateForMinor(state: ProvisionState, minor: number): ProvisionState | null {
  if (state === 'available' && minor < 2) return null;
  if (state === 'inspect wait' && minor < 39) return 'inspecting';
  return state;
}

/** Where a node created through the API starts: `enroll` from 1.11, `available` before. */
export function initialProvisionState(minor: number): 'enroll' | 'available' {
  return minor >= 11 ? 'enroll' : 'available';
}

/** The provision request could not be honoured. `status` follows Ironic: 406 for a verb too new, 400 otherwise. */
export class ProvisionRequestError extends StrataError {
  constructor(
    message: string,
    readonly reason: 'unknown-verb' | 'not-acceptable' | 'invalid-state' | 'in-maintenance',
    details?: Record<string, unknown>,
  ) {
    super(message, {
      status: reason === 'not-acceptable' ? 406 : 400,
      code: reason === 'not-acceptable' ? 'not_acceptable' : reason === 'invalid-state' ? 'invalid_state_requested' : reason === 'in-maintenance' ? 'node_in_maintenance' : 'invalid_input',
      details,
    });
  }
}

export function isApiVerb(value: string): value is ApiVerb {
  return Object.prototype.hasOwnProperty.call(VERBS, value);
}

/** Verbs a client at `minor` may send for a node in `state` (what a UI would offer). */
export function allowedVerbs(state: ProvisionState, minor: number): ApiVerb[] {
  return API_VERBS.filter((verb) => {
    try {
      checkProvisionVerb({ state, verb, minor });
      return true;
    } catch {
      return false;
    }
  });
}

export interface VerbCheck {
  /** The event to fire. */
  event: ProvisionEvent;
  /** The state the node moves to. */
  to: ProvisionState;
  /** The target_provision_state to record. */
  target: StableState | null;
  /** True for `rebuild` (Ironic's do_node_deploy(rebuild=True)). */
  rebuild: boolean;
}

/**
 * Validates `PUT .../states/provision {"target": verb}` against the table and
 * the client's microversion, and says what to do. Throws ProvisionRequestError
 * (406 for a verb newer than the client's version, 400 for an unknown verb,
 * a verb not allowed in this state, or a deploy while in maintenance). The
 * API layer answers 409 NodeLocked itself when the node is reserved.
 */
export function checkProvisionVerb(opts: {
  state: ProvisionState;
  verb: string;
  minor: number;
  /** The node's current target_provision_state (an abort of manual cleaning keeps `manageable`). */
  target?: StableState | null;
  maintenance?: boolean;
  /** Names the node in messages. */
  nodeId?: string;
}): VerbCheck {
  const { state, verb, minor } = opts;
  const node = opts.nodeId ? `node "${opts.nodeId}"` : 'the node';
  if (!isApiVerb(verb)) {
    throw new ProvisionRequestError(`The requested action "${verb}" could not be understood.`, 'unknown-verb', { verb });
  }
  const info = VERBS[verb];
  const gate = VERB_STATE_MIN_MINOR.find((g) => g.verb === verb && g.state === state);
  const needed = Math.max(info.minMinor, gate?.minMinor ?? 0);
  if (minor < needed) {
    throw new ProvisionRequestError(`"${verb}" needs API version 1.${needed} or newer (requested 1.${minor})`, 'not-acceptable', { verb, minMinor: needed });
  }
  if (opts.maintenance && VERBS_REFUSED_IN_MAINTENANCE.includes(verb)) {
    throw new ProvisionRequestError(`${node[0].toUpperCase()}${node.slice(1)} is in maintenance mode; "${verb}" is not allowed`, 'in-maintenance', { verb });
  }
  const move = TRANSITIONS.find((t) => t.from === state && t.event === info.event && t.by === 'api');
  if (!move) {
    const allowed = allowedVerbsIgnoringVersion(state);
    throw new ProvisionRequestError(
      `The requested action "${verb}" can not be performed on ${node} while it is in state "${state}"` +
        (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (no action is allowed in this state)'),
      'invalid-state',
      { verb, state, allowed },
    );
  }
  const target = targetAfter({ provision_state: state, target_provision_state: opts.target ?? null }, move.to, verb === 'clean' ? 'manageable' : undefined);
  return { event: info.event, to: move.to, target, rebuild: verb === 'rebuild' };
}

function allowedVerbsIgnoringVersion(state: ProvisionState): ApiVerb[] {
  return API_VERBS.filter((v) => TRANSITIONS.some((t) => t.from === state && t.event === VERBS[v].event && t.by === 'api'));
}

// ---------------------------------------------------------------------------
// Moving a node: provision_state + target_provision_state
// ---------------------------------------------------------------------------

export interface ProvisionPosition {
  provision_state: ProvisionState;
  target_provision_state: StableState | null;
}

function targetAfter(from: ProvisionPosition, to: ProvisionState, explicit?: StableState | null): StableState | null {
  const info = STATE_INFO[to];
  if (info.stable) return null;
  if (explicit) {
    if (explicit !== info.target && !info.alsoTargets?.includes(explicit)) {
      throw new Error(`metal provision state: "${explicit}" is not a target of state "${to}"`);
    }
    return explicit;
  }
  const carried = from.target_provision_state;
  if (carried && info.alsoTargets?.includes(carried)) return carried;
  return info.target;
}

/**
 * Fires an event: the next provision_state (from the table; throws
 * InvalidTransitionError, 409, when the table has no such move) and the
 * target_provision_state Ironic would record: null in a stable state;
 * otherwise `opts.target`, or the carried target when the new state accepts
 * it (manual cleaning keeps `manageable` through clean wait and clean
 * failed), or the new state's default target.
 */
export function advance(from: ProvisionPosition, event: ProvisionEvent, opts: { target?: StableState | null } = {}): ProvisionPosition {
  const to = provisionMachine.next(from.provision_state, event);
  return { provision_state: to, target_provision_state: targetAfter(from, to, opts.target) };
}

// ---------------------------------------------------------------------------
// Conductor takeover and call-back timeouts
// ---------------------------------------------------------------------------

export type TakeoverRule =
  /** Work in progress died with its conductor and cannot be resumed: fire `fail`. */
  | { action: 'fail'; event: 'fail'; lastError: string }
  /**
   * The node waits for the agent and holds no lock: a new conductor keeps
   * waiting; the agent's heartbeat fires `resume`, and when the call-back
   * timeout passes the conductor fires `fail`.
   */
  | { action: 'keep-waiting'; resumeEvent: 'resume' | 'done'; timeout: CallbackTimeout }
  /** A failed state rests until an operator acts. */
  | { action: 'none' };

export interface CallbackTimeout {
  /** Ironic's [conductor] option that bounds the wait. */
  option: 'deploy_callback_timeout' | 'clean_callback_timeout' | 'inspect_wait_timeout' | 'rescue_callback_timeout';
  defaultSeconds: number;
  event: 'fail';
  /** Keep the target on failure (Ironic's keep_target_state: manual cleaning stays headed for manageable). */
  keepTarget: boolean;
}

const failOnTakeover = (state: string): TakeoverRule => ({
  action: 'fail',
  event: 'fail',
  lastError: `The ${state} state can't be resumed by a new conductor. Moving to fail state.`,
});

/**
 * What a conductor does with a node found in a transient state whose owner is
 * gone (Ironic: base_manager `_fail_transient_state` over
 * STUCK_STATES_TREATED_AS_FAIL at start-up, `_check_orphan_nodes`, and the
 * `_check_*_timeouts` periodics for the wait states).
 */
export const TAKEOVER: Record<TransientState, TakeoverRule> = {
  verifying: failOnTakeover('verifying'),
  deploying: failOnTakeover('deploying'),
  cleaning: failOnTakeover('cleaning'),
  deleting: failOnTakeover('deleting'),
  inspecting: failOnTakeover('inspecting'),
  adopting: failOnTakeover('adopting'),
  rescuing: failOnTakeover('rescuing'),
  unrescuing: failOnTakeover('unrescuing'),
  'wait call-back': { action: 'keep-waiting', resumeEvent: 'resume', timeout: { option: 'deploy_callback_timeout', defaultSeconds: 1800, event: 'fail', keepTarget: false } },
  'clean wait': { action: 'keep-waiting', resumeEvent: 'resume', timeout: { option: 'clean_callback_timeout', defaultSeconds: 1800, event: 'fail', keepTarget: true } },
  'inspect wait': { action: 'keep-waiting', resumeEvent: 'done', timeout: { option: 'inspect_wait_timeout', defaultSeconds: 1800, event: 'fail', keepTarget: false } },
  'rescue wait': { action: 'keep-waiting', resumeEvent: 'resume', timeout: { option: 'rescue_callback_timeout', defaultSeconds: 1800, event: 'fail', keepTarget: true } },
  'deploy failed': { action: 'none' },
  'clean failed': { action: 'none' },
  'inspect failed': { action: 'none' },
  'adopt failed': { action: 'none' },
  'rescue failed': { action: 'none' },
  'unrescue failed': { action: 'none' },
};

// ---------------------------------------------------------------------------
// Other state sets the API and conductor consult (Ironic's names in comments)
// ---------------------------------------------------------------------------

/** UPDATE_ALLOWED_STATES: transient states in which PATCH /v1/nodes/{id} is still allowed (plus every stable state). */
export const UPDATE_ALLOWED_STATES: readonly ProvisionState[] = [
  'deploy failed',
  'inspecting',
  'inspect failed',
  'inspect wait',
  'clean failed',
  'error',
  'verifying',
  'adopt failed',
  'rescue failed',
  'unrescue failed',
];
/** DELETE_ALLOWED_STATES: states in which DELETE /v1/nodes/{id} is allowed. */
export const DELETE_ALLOWED_STATES: readonly ProvisionState[] = ['manageable', 'enroll', 'adopt failed'];
/** LOOKUP_ALLOWED_STATES: states in which the agent may look its node up. */
export const LOOKUP_ALLOWED_STATES: readonly ProvisionState[] = ['deploying', 'wait call-back', 'cleaning', 'clean wait', 'inspecting', 'inspect wait', 'rescuing', 'rescue wait'];
/** FASTTRACK_LOOKUP_ALLOWED_STATES: lookup states when fast-track is enabled. */
export const FASTTRACK_LOOKUP_ALLOWED_STATES: readonly ProvisionState[] = ['enroll', 'manageable', 'available', ...LOOKUP_ALLOWED_STATES];
/** FAILURE_STATES. */
export const FAILURE_STATES: readonly ProvisionState[] = PROVISION_STATES.filter((s) => STATE_INFO[s].kind === 'failed');

// ---------------------------------------------------------------------------
// Maintenance faults (ironic/common/faults.py)
// ---------------------------------------------------------------------------

export const FAULTS = ['power failure', 'clean failure', 'rescue abort failure'] as const;
/** Why the conductor (not an operator) put a node into maintenance. */
export type Fault = (typeof FAULTS)[number];

export const isStableState = (s: ProvisionState): s is StableState => STATE_INFO[s].stable;
export const isProvisionState = (s: string): s is ProvisionState => provisionMachine.isState(s);
