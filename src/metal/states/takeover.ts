/**
 * What a conductor does with a node found in a transient state whose owner
 * is gone, and how long each wait for a call-back may last.
 */
import type { TransientState } from './provision.js';

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
