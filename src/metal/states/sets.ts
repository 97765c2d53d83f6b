/**
 * Ironic's named state lists (common/states.py) and the per-state texts,
 * derived from the columns of the provision table: the table is the one
 * place a state's properties are written.
 */
import { PROVISION_STATES, STATE_INFO, type HeartbeatAction, type ProvisionState, type ProvisionStateInfo, type StateHistoryType } from './provision.js';

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
