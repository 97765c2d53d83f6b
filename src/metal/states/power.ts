/**
 * A node's power state as one table, as Ironic's conductor keeps it
 * (`ironic/conductor/utils.py` node_power_action and the manager's
 * do_sync_power_state): `power_state` holds what the hardware last reported
 * (NULL, Ironic's "None", until it is first read), `target_power_state` the
 * state a power action is heading for while it runs.
 *
 * The conductor never assumes where the hardware went: a power action, a
 * flow or power sync reads the hardware and records what it reports, so every
 * state can follow every other (the events say what was reported). The
 * actions themselves are data too: which `target_power_state` each records
 * and which API version it needs.
 *
 * Pure data and pure functions; the conductor owns persistence and locking.
 */
import { defineMachine, type MachineSpec, type StateInfo, type Transition } from '../../core/fsm/index.js';
import type { PowerState, PowerTarget } from '../drivers/types.js';

/** `None` is the NULL stored for a node whose power was never read (the API shows `power_state: null`). */
export type NodePowerState = PowerState | 'None';
export type PowerEvent = 'reports on' | 'reports off' | 'reports error' | 'unreadable';

export const POWER_STATE_INFO: Record<NodePowerState, StateInfo> = {
  None: { stable: true, description: 'never read (stored as NULL): a node just enrolled' },
  'power on': { stable: true, description: 'the hardware reports it is on' },
  'power off': { stable: true, description: 'the hardware reports it is off' },
  error: { stable: true, description: 'the BMC could not tell (or the driver failed reading it)' },
};

/** The event that records a reported state (null: none could be read). */
export const REPORTS: Record<NodePowerState, PowerEvent> = { 'power on': 'reports on', 'power off': 'reports off', error: 'reports error', None: 'unreadable' };
export const reportEvent = (state: PowerState | null): PowerEvent => REPORTS[state ?? 'None'];

/** Every other state may move to `to`: the hardware is the truth, the row follows it. */
const reported = (to: NodePowerState, why: string): Transition<NodePowerState, PowerEvent>[] =>
  (Object.keys(POWER_STATE_INFO) as NodePowerState[]).filter((from) => from !== to).map((from) => ({ from, event: REPORTS[to], to, why }));

export const POWER_TRANSITIONS: readonly Transition<NodePowerState, PowerEvent>[] = [
  ...reported('power on', 'a power on or reboot finished, a flow left the node on, or power sync found it on'),
  ...reported('power off', 'a power off finished, a flow left the node off, or power sync found it off'),
  ...reported('error', 'the driver reported an error state'),
  ...reported('None', 'power sync could not read the BMC past its retries: the row says None (and the node goes into maintenance)'),
];

export const powerSpec: MachineSpec<NodePowerState, PowerEvent> = {
  name: 'metal power state',
  initial: 'None',
  states: POWER_STATE_INFO,
  transitions: POWER_TRANSITIONS,
};

/** The power lifecycle; `scripts/diagrams.ts` renders it into docs/state-machines/. */
export const powerMachine = defineMachine(powerSpec);

export interface PowerTargetInfo {
  /** What target_power_state records while the action runs (Ironic's _calculate_target_state). */
  records: 'power on' | 'power off';
  /** The lowest API minor version (1.x) that accepts the target. */
  minMinor: number;
  description: string;
}

/** The targets of `PUT /v1/nodes/{id}/states/power`, in Ironic's order. */
export const POWER_TARGET_INFO: Record<PowerTarget, PowerTargetInfo> = {
  'power on': { records: 'power on', minMinor: 1, description: 'switch the node on (skipped when it is on)' },
  'power off': { records: 'power off', minMinor: 1, description: 'switch the node off (skipped when it is off)' },
  rebooting: { records: 'power on', minMinor: 1, description: 'hard reset, ending on' },
  'soft rebooting': { records: 'power on', minMinor: 27, description: 'ask the OS to restart, ending on' },
  'soft power off': { records: 'power off', minMinor: 27, description: 'ask the OS to shut down, ending off' },
};

/** Power targets as Ironic's node_power_action records them in target_power_state. */
export function powerTargetState(target: PowerTarget): PowerState {
  return POWER_TARGET_INFO[target].records;
}

/** The stored power_state (NULL for None) as the machine's state. */
export const nodePowerState = (stored: string | null): NodePowerState => (stored ?? 'None') as NodePowerState;
