/**
 * The bare-metal provision lifecycle as one table, modelled on Ironic 21.4's
 * `ironic/common/states.py` (API 1.82): the same state strings, the same
 * events, the same 63 transitions, and per state what Ironic keeps elsewhere
 * as lists and code (its target, which requests and endpoints it allows, how
 * its failures read). verbs.ts maps the API's verbs onto the events,
 * takeover.ts says what a new conductor does with each transient state, and
 * sets.ts derives Ironic's named state lists from the table's columns.
 *
 * Pure data and pure functions; the conductor owns persistence and locking.
 */
import { defineMachine, type MachineSpec, type StateInfo, type Transition } from '../../core/fsm/index.js';

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
// Moving a node: provision_state + target_provision_state
// ---------------------------------------------------------------------------

export interface ProvisionPosition {
  provision_state: ProvisionState;
  target_provision_state: StableState | null;
}

export function targetAfter(from: ProvisionPosition, to: ProvisionState, explicit?: StableState | null): StableState | null {
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
// Maintenance faults (ironic/common/faults.py)
// ---------------------------------------------------------------------------

export const FAULTS = ['power failure', 'clean failure', 'rescue abort failure'] as const;
/** Why the conductor (not an operator) put a node into maintenance. */
export type Fault = (typeof FAULTS)[number];

export const isStableState = (s: ProvisionState): s is StableState => STATE_INFO[s].stable;
export const isProvisionState = (s: string): s is ProvisionState => provisionMachine.isState(s);
