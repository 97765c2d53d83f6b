/**
 * Which provision states the ramdisk endpoints serve, after Ironic 21.4
 * (common/states.py LOOKUP_ALLOWED_STATES, drivers/modules/agent_base.py
 * HEARTBEAT_ALLOWED and _HEARTBEAT_RECORD_ONLY), and what a heartbeat does
 * in each. Pure data.
 */
import type { ProvisionState } from '../states.js';

/** An agent may look its node up only while a flow expects a ramdisk (restrict_lookup). */
export const LOOKUP_ALLOWED_STATES: ReadonlySet<ProvisionState> = new Set<ProvisionState>([
  'deploying',
  'wait call-back',
  'cleaning',
  'clean wait',
  'inspecting',
  'inspect wait',
  'rescuing',
  'rescue wait',
]);

/**
 * What the conductor does with a heartbeat whose token checked out:
 * - `continue-deploy` / `continue-clean` / `continue-rescue`: the flow waited for the agent; resume it;
 * - `record`: the conductor is working on the node; only note the agent is alive;
 * - `ignore`: no flow expects an agent (Ironic logs and drops these).
 */
export type HeartbeatAction = 'continue-deploy' | 'continue-clean' | 'continue-rescue' | 'record' | 'ignore';

const ACTIONS: Partial<Record<ProvisionState, HeartbeatAction>> = {
  'wait call-back': 'continue-deploy',
  'clean wait': 'continue-clean',
  'rescue wait': 'continue-rescue',
  deploying: 'record',
  cleaning: 'record',
  rescuing: 'record',
};

export function heartbeatAction(state: ProvisionState): HeartbeatAction {
  return ACTIONS[state] ?? 'ignore';
}

/** Ironic's agent_status values (API 1.72, sent by anaconda-style ramdisks). */
export const AGENT_STATUSES = ['start', 'end', 'error'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
