/**
 * Conductor settings, named after Ironic's [conductor] options, in
 * milliseconds. Defaults are Ironic's; tests shorten the intervals.
 */
export interface ConductorOptions {
  /** This conductor's hostname in the conductors table and in reservations. */
  name: string;
  group: string;
  /** heartbeat_interval */
  heartbeatIntervalMs: number;
  /** heartbeat_timeout: a conductor silent this long is offline and its nodes are taken over. */
  heartbeatTimeoutMs: number;
  /** sync_power_state_interval (0 disables) */
  powerSyncIntervalMs: number;
  /** power_state_sync_max_retries */
  powerSyncMaxRetries: number;
  /** force_power_state_during_sync */
  forcePowerStateDuringSync: boolean;
  /** power_failure_recovery_interval (0 disables) */
  powerFailureRecoveryIntervalMs: number;
  /** power_state_change_timeout */
  powerTimeoutMs: number;
  /** check_provision_state_interval: how often call-back timeouts and orphans are checked. */
  checkProvisionStateIntervalMs: number;
  /** deploy_callback_timeout, clean_callback_timeout, inspect_wait_timeout, rescue_callback_timeout (0 disables) */
  callbackTimeoutMs: { deploy: number; clean: number; inspect: number; rescue: number };
  /** Attempts a provision or power task gets when the BMC is unreachable (the first included). */
  taskMaxAttempts: number;
  /** Pause before a retried attempt. */
  retryDelayMs: number;
  /** node_locked_retry_attempts / node_locked_retry_interval: how patiently a synchronous request waits for a lock. */
  lockRetryAttempts: number;
  lockRetryIntervalMs: number;
  /** [conductor]automated_clean */
  automatedClean: boolean;
  /** How many nodes power sync reads in parallel (sync_power_state_workers). */
  powerSyncWorkers: number;
  /** [conductor]allow_deleting_available_nodes */
  allowDeletingAvailableNodes: boolean;
}

export const DEFAULT_CONDUCTOR_OPTIONS: Omit<ConductorOptions, 'name'> = {
  group: '',
  heartbeatIntervalMs: 10_000,
  heartbeatTimeoutMs: 60_000,
  powerSyncIntervalMs: 60_000,
  powerSyncMaxRetries: 3,
  forcePowerStateDuringSync: true,
  powerFailureRecoveryIntervalMs: 300_000,
  powerTimeoutMs: 60_000,
  checkProvisionStateIntervalMs: 60_000,
  callbackTimeoutMs: { deploy: 1_800_000, clean: 1_800_000, inspect: 1_800_000, rescue: 1_800_000 },
  taskMaxAttempts: 3,
  retryDelayMs: 2_000,
  lockRetryAttempts: 3,
  lockRetryIntervalMs: 1_000,
  automatedClean: true,
  powerSyncWorkers: 8,
  allowDeletingAvailableNodes: true,
};
