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
import { StrataError } from '../core/errors.js';

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

/**
 * What the conductor does with an agent's heartbeat whose token checked out
 * (Ironic's agent_base.py HEARTBEAT_ALLOWED and _HEARTBEAT_RECORD_ONLY):
 * `continue-*`: the flow waited for the agent, resume it; `record`: the
 * conductor is working on the node, only note the agent is alive; `ignore`
 * (any state without one): no flow expects an agent.
 */
export type HeartbeatAction = 'continue-deploy' | 'continue-clean' | 'continue-rescue' | 'record' | 'ignore';

/** The node-history event types that record a state's failures and aborts. */
export type StateHistoryType = 'provisioning' | 'unprovisioning' | 'cleaning' | 'introspection' | 'verify' | 'rescue';

/**
 * A provision state and what the API, the conductor and the agent endpoints
 * ask of it: Ironic keeps these as separate lists in common/states.py and in
 * its handlers; here each is a column of the table.
 */
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
  /** UPDATE_ALLOWED_STATES: PATCH /v1/nodes/{id} is allowed even while a target is set. */
  updateAllowed?: true;
  /** DELETE_ALLOWED_STATES, as the position in Ironic's list (the API's message names them in that order). */
  deleteAllowed?: number;
  /** The driver and interfaces (and a set resource_class) may change; the position in the API's message. */
  interfacesUpdatable?: number;
  /** LOOKUP_ALLOWED_STATES (`agent`: a flow expects the ramdisk) or only with fast-track (`fast-track`). */
  lookup?: 'agent' | 'fast-track';
  /** What an agent's heartbeat does here (none: `ignore`). */
  heartbeat?: Exclude<HeartbeatAction, 'ignore'>;
  /** last_error after an operator aborts this wait. */
  abortMessage?: string;
  /** How a failure of this working state reads in last_error: `{uuid}`, `{instance}` and `{error}` are filled in. */
  failure?: string;
  /** The node-history event type of this state's failures and aborts (default `provisioning`). */
  historyType?: StateHistoryType;
  /** SYNC_EXCLUDED_STATES: power sync leaves the node alone here. */
  noPowerSync?: true;
  /** A power request is refused (the flow drives the power itself). */
  noPowerRequests?: true;
  /** The network boot serves the rescue ramdisk (not the deploy ramdisk). */
  rescueRamdisk?: true;
}

type Extra = Partial<Omit<ProvisionStateInfo, 'stable' | 'kind' | 'target' | 'description'>>;

const stable = (description: string, extra: Extra = {}): ProvisionStateInfo => ({ stable: true, kind: 'stable', target: null, description, ...extra });
const working = (target: StableState, description: string, extra: Extra = {}): ProvisionStateInfo => ({ stable: false, kind: 'working', target, description, ...extra });
const waiting = (target: StableState, description: string, extra: Extra = {}): ProvisionStateInfo => ({ ...working(target, description, extra), kind: 'waiting' });
// Ironic allows PATCH in every failure state (they wait for an operator's fix).
const failed = (target: StableState, description: string, extra: Extra = {}): ProvisionStateInfo => ({ ...working(target, description, extra), kind: 'failed', updateAllowed: true });

const manualToo = { alsoTargets: ['manageable'] } as const;

export const STATE_INFO: Record<ProvisionState, ProvisionStateInfo> = {
  enroll: stable('known to Strata but not managed: credentials not yet verified', { deleteAllowed: 2, interfacesUpdatable: 1, lookup: 'fast-track', noPowerSync: true }),
  manageable: stable('credentials verified at least once; not offered for deployment', { deleteAllowed: 1, interfacesUpdatable: 4, lookup: 'fast-track' }),
  available: stable('cleaned and offered for deployment', { interfacesUpdatable: 5, lookup: 'fast-track' }),
  active: stable('deployed and associated with an instance'),
  error: stable('tear-down failed; last_error says why', { updateAllowed: true }),
  rescue: stable('booted into the rescue ramdisk'),
  verifying: working('manageable', 'checking that the power interface can reach the BMC', { updateAllowed: true, failure: 'Failed to verify node {uuid}: {error}', historyType: 'verify' }),
  deploying: working('active', 'deploying an image (also: continuing after the agent called back)', {
    lookup: 'agent',
    heartbeat: 'record',
    failure: 'Deploy step deploy.deploy failed on node {uuid}. {error}',
  }),
  'wait call-back': waiting('active', 'waiting for the deploy ramdisk to call back', { lookup: 'agent', heartbeat: 'continue-deploy', noPowerSync: true }),
  'deploy failed': failed('active', 'deployment failed; rebuild, deploy again or undeploy'),
  cleaning: working('available', 'running clean steps', {
    ...manualToo,
    lookup: 'agent',
    heartbeat: 'record',
    failure: 'Failed to clean node {uuid}: {error}',
    historyType: 'cleaning',
    noPowerRequests: true,
  }),
  'clean wait': waiting('available', 'waiting for a clean step to finish in the ramdisk', {
    ...manualToo,
    lookup: 'agent',
    heartbeat: 'continue-clean',
    abortMessage: 'By request, the clean operation was aborted.',
    historyType: 'cleaning',
    noPowerSync: true,
    noPowerRequests: true,
  }),
  'clean failed': failed('available', 'cleaning failed; manage the node to recover', manualToo),
  deleting: working('available', 'tearing an instance down before cleaning', { failure: 'Failed to tear down. Error: {error}', historyType: 'unprovisioning' }),
  inspecting: working('manageable', 'inspecting the hardware', {
    updateAllowed: true,
    interfacesUpdatable: 2,
    lookup: 'agent',
    failure: 'Failed to inspect hardware. Reason: {error}',
    historyType: 'introspection',
  }),
  'inspect failed': failed('manageable', 'inspection failed; manage or inspect again'),
  'inspect wait': waiting('manageable', 'waiting for asynchronous inspection to finish', {
    updateAllowed: true,
    interfacesUpdatable: 3,
    lookup: 'agent',
    abortMessage: 'By request, the inspect operation was aborted.',
    historyType: 'introspection',
  }),
  adopting: working('active', 'taking over an already deployed node', { failure: 'Error while attempting to adopt node {uuid}: {error}.' }),
  'adopt failed': failed('active', 'adoption failed; adopt again or manage', { deleteAllowed: 3, noPowerSync: true }),
  rescuing: working('rescue', 'booting the rescue ramdisk', {
    lookup: 'agent',
    heartbeat: 'record',
    failure: 'Failed to rescue instance {instance} for node {uuid}: {error}',
    historyType: 'rescue',
    rescueRamdisk: true,
  }),
  'rescue wait': waiting('rescue', 'waiting for the rescue ramdisk to call back', {
    lookup: 'agent',
    heartbeat: 'continue-rescue',
    abortMessage: 'By request, the rescue operation was aborted.',
    historyType: 'rescue',
    rescueRamdisk: true,
  }),
  'rescue failed': failed('rescue', 'rescue failed; rescue again, unrescue or undeploy'),
  unrescuing: working('active', 'booting back into the instance', { failure: 'Failed to unrescue instance {instance} for node {uuid}: {error}', historyType: 'rescue' }),
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
  /** The conductor's setting (options.callbackTimeoutMs) for it. */
  setting: 'deploy' | 'clean' | 'inspect' | 'rescue';
  defaultSeconds: number;
  event: 'fail';
  /** Keep the target on failure (Ironic's keep_target_state: manual cleaning stays headed for manageable). */
  keepTarget: boolean;
  /** last_error when the wait times out (`%s`: the node's UUID). */
  lastError: string;
  /** The deploy interface undoes what it prepared (Ironic's cleanup_after_timeout). */
  cleanUp?: true;
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
  'wait call-back': {
    action: 'keep-waiting',
    resumeEvent: 'resume',
    timeout: { option: 'deploy_callback_timeout', setting: 'deploy', defaultSeconds: 1800, event: 'fail', keepTarget: false, lastError: 'Timeout reached while waiting for callback for node %s', cleanUp: true },
  },
  'clean wait': {
    action: 'keep-waiting',
    resumeEvent: 'resume',
    timeout: {
      option: 'clean_callback_timeout',
      setting: 'clean',
      defaultSeconds: 1800,
      event: 'fail',
      keepTarget: true,
      lastError: 'Timeout reached while cleaning the node. Please check if the ramdisk responsible for the cleaning is running on the node.',
    },
  },
  'inspect wait': {
    action: 'keep-waiting',
    resumeEvent: 'done',
    timeout: { option: 'inspect_wait_timeout', setting: 'inspect', defaultSeconds: 1800, event: 'fail', keepTarget: false, lastError: 'Timeout reached while inspecting the node' },
  },
  'rescue wait': {
    action: 'keep-waiting',
    resumeEvent: 'resume',
    timeout: { option: 'rescue_callback_timeout', setting: 'rescue', defaultSeconds: 1800, event: 'fail', keepTarget: true, lastError: 'Timeout reached while waiting for rescue ramdisk callback for node %s' },
  },
  'deploy failed': { action: 'none' },
  'clean failed': { action: 'none' },
  'inspect failed': { action: 'none' },
  'adopt failed': { action: 'none' },
  'rescue failed': { action: 'none' },
  'unrescue failed': { action: 'none' },
};

// ---------------------------------------------------------------------------
// State sets, derived from the table's columns (Ironic's names in comments)
// ---------------------------------------------------------------------------

const where = (pred: (i: ProvisionStateInfo) => unknown): ProvisionState[] => PROVISION_STATES.filter((s) => pred(STATE_INFO[s]));
/** States that have a numeric column, in its order. */
const ranked = (column: 'deleteAllowed' | 'interfacesUpdatable'): ProvisionState[] =>
  where((i) => i[column] !== undefined).sort((a, b) => STATE_INFO[a][column]! - STATE_INFO[b][column]!);

/** UPDATE_ALLOWED_STATES: states in which PATCH /v1/nodes/{id} is allowed while a target is set. */
export const UPDATE_ALLOWED_STATES: readonly ProvisionState[] = where((i) => i.updateAllowed);
/** DELETE_ALLOWED_STATES: states in which DELETE /v1/nodes/{id} is allowed. */
export const DELETE_ALLOWED_STATES: readonly ProvisionState[] = ranked('deleteAllowed');
/** States in which a node's driver and interfaces may change. */
export const INTERFACE_UPDATE_STATES: readonly ProvisionState[] = ranked('interfacesUpdatable');
/** LOOKUP_ALLOWED_STATES: states in which the agent may look its node up. */
export const LOOKUP_ALLOWED_STATES: readonly ProvisionState[] = where((i) => i.lookup === 'agent');
/** FASTTRACK_LOOKUP_ALLOWED_STATES: lookup states when fast-track is enabled. */
export const FASTTRACK_LOOKUP_ALLOWED_STATES: readonly ProvisionState[] = [...where((i) => i.lookup === 'fast-track'), ...LOOKUP_ALLOWED_STATES];
/** FAILURE_STATES. */
export const FAILURE_STATES: readonly ProvisionState[] = where((i) => i.kind === 'failed');
/** STUCK_STATES_TREATED_AS_FAIL: working states whose work dies with its conductor. */
export const STUCK_STATES: readonly ProvisionState[] = where((i) => i.kind === 'working');
/** SYNC_EXCLUDED_STATES: states power sync skips. */
export const SYNC_EXCLUDED_STATES: readonly ProvisionState[] = where((i) => i.noPowerSync);
/** States with no transition in progress (stable or failed): settings that would disturb a flow wait for these. */
export const RESTING_STATES: readonly ProvisionState[] = where((i) => i.kind === 'stable' || i.kind === 'failed');

/** What a heartbeat does in a state. */
export const heartbeatAction = (state: ProvisionState): HeartbeatAction => STATE_INFO[state].heartbeat ?? 'ignore';

/** last_error after an operator's abort from a state. */
export const abortMessage = (state: ProvisionState): string => STATE_INFO[state].abortMessage ?? 'By request, the operation was aborted.';

/** How a failure in a working state reads in last_error (after Ironic's error handlers). */
export function failureMessage(state: ProvisionState, node: { uuid: string; instance_uuid: string | null }, error: string): string {
  const template = STATE_INFO[state].failure;
  if (!template) return error;
  return template.replace(/\{(uuid|instance|error)\}/g, (_, k: string) => (k === 'uuid' ? node.uuid : k === 'instance' ? (node.instance_uuid ?? '') : error));
}

/** Ironic's node history event types, by the state whose failure they record. */
export const historyTypeOf = (state: ProvisionState): StateHistoryType => STATE_INFO[state].historyType ?? 'provisioning';

// ---------------------------------------------------------------------------
// Maintenance faults (ironic/common/faults.py)
// ---------------------------------------------------------------------------

export const FAULTS = ['power failure', 'clean failure', 'rescue abort failure'] as const;
/** Why the conductor (not an operator) put a node into maintenance. */
export type Fault = (typeof FAULTS)[number];

export const isStableState = (s: ProvisionState): s is StableState => STATE_INFO[s].stable;
export const isProvisionState = (s: string): s is ProvisionState => provisionMachine.isState(s);
