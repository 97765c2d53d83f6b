/**
 * The conductor's periodic work, after Ironic's periodic tasks:
 *
 * - heartbeat: keeps this conductor's row fresh; refreshes the live members;
 * - orphans (_check_orphan_nodes): conductors whose heartbeat stopped are
 *   offline; their reservations are cleared, their pending power operations
 *   aborted, and nodes left in a working state failed (_fail_transient_state);
 * - call-back timeouts (_check_deploy_timeouts and friends): nodes waiting
 *   too long for the agent are failed;
 * - power sync (_sync_power_states): reads each of this conductor's nodes'
 *   power state, records changes, forces the recorded state back when asked,
 *   and after repeated failures puts the node into maintenance with fault
 *   `power failure`;
 * - power failure recovery (_power_failure_recovery): clears that fault once
 *   the BMC answers again.
 *
 * This file schedules them; takeover.ts and power-sync.ts do the work.
 */
import { touchConductor } from '../db/conductors.js';
import type { ConductorCore } from './core.js';
import { Takeover } from './takeover.js';
import { PowerSync } from './power-sync.js';

export class Periodic {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = true;
  readonly takeover: Takeover;
  readonly power: PowerSync;

  constructor(private readonly c: ConductorCore) {
    this.takeover = new Takeover(c);
    this.power = new PowerSync(c);
  }

  start(): void {
    const o = this.c.opts;
    this.stopped = false;
    this.every('heartbeat', o.heartbeatIntervalMs, () => this.heartbeat());
    this.every('orphans', Math.min(o.checkProvisionStateIntervalMs, o.heartbeatTimeoutMs), () => this.checkOrphans());
    this.every('callback timeouts', o.checkProvisionStateIntervalMs, () => this.checkCallbackTimeouts());
    this.every('power sync', o.powerSyncIntervalMs, () => this.syncPowerStates());
    this.every('power failure recovery', o.powerFailureRecoveryIntervalMs, () => this.recoverPowerFailures());
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Runs `job` every `ms` after the previous run ends (0 disables), logging failures. */
  private every(name: string, ms: number, job: () => Promise<unknown>): void {
    if (!ms || ms <= 0) return;
    const schedule = () => {
      if (this.stopped) return;
      const t = setTimeout(async () => {
        try {
          await job();
        } catch (err) {
          this.c.log.error({ err, job: name }, 'conductor periodic job failed');
        }
        schedule();
      }, ms);
      t.unref?.();
      this.timers.set(name, t);
    };
    schedule();
  }

  async heartbeat(): Promise<void> {
    await touchConductor(this.c.db, this.c.name);
    await this.c.refreshMembers();
  }

  /** Releases every lock this conductor holds (graceful shutdown). */
  clearOwnReservations = (): Promise<void> => this.takeover.clearOwnReservations();
  takeOverFrom = (holder: string): Promise<number> => this.takeover.takeOverFrom(holder);
  checkOrphans = (): Promise<void> => this.takeover.checkOrphans();
  checkCallbackTimeouts = (): Promise<void> => this.takeover.checkCallbackTimeouts();
  syncPowerStates = (): Promise<void> => this.power.syncPowerStates();
  recoverPowerFailures = (): Promise<void> => this.power.recoverPowerFailures();
}
