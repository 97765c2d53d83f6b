/**
 * The API's provision verbs (`PUT /v1/nodes/{id}/states/provision`) onto the
 * table's events, with Ironic's microversion gates (api/controllers/v1/utils.py
 * VERBS and MIN_VERB_VERSIONS), and the check of a request against the table.
 */
import { StrataError } from '../../core/errors/index.js';
import { TRANSITIONS, targetAfter, type ProvisionEvent, type ProvisionState, type StableState } from './provision.js';


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
