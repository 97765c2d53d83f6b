// The scheduler's imperative shell for one tenant (Zuul's Scheduler plus
// the managers' I/O), composed of its flows (scheduler/tenant/): leadership
// (a lease: one process runs a tenant's scheduler at a time), recovery from
// the persisted state, the loop of rounds, reconfiguration, events, the
// actions of the pure managers, dispatch of merges and builds, and status.

import type { Layout, TenantConfig } from '../config/index.js';
import type { BuildOutcome } from '../executor/index.js';
import type { Build, QueueItem } from '../model.js';
import { TenantContext, type TenantSchedulerDeps } from './tenant/context.js';
import { onBuildFinished, onBuildStarted } from './tenant/dispatch.js';
import { LEASE_RENEW_MS, releaseLease, tryLead } from './tenant/leader.js';
import { isIdle, runLoop } from './tenant/loop.js';
import { reconfigure } from './tenant/reconfiguration.js';
import { recover } from './tenant/recovery.js';
import { tenantItems, tenantStatus, type TenantStatus } from './tenant/status.js';

export type { TenantSchedulerDeps } from './tenant/context.js';
export { isDeadLocalProcess } from './tenant/leader.js';

export class TenantScheduler {
  readonly name: string;
  private readonly t: TenantContext;
  private loopDone: Promise<void> = Promise.resolve();
  private leaseTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(deps: TenantSchedulerDeps) {
    this.t = new TenantContext(deps);
    this.name = this.t.name;
  }

  get tenantConfig(): TenantConfig {
    return this.t.deps.tenantConfig;
  }

  /** The tenant's current layout (null before the first load). */
  get currentLayout(): Layout | null {
    return this.t.layout;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.t.deps.events.onAppended(() => this.wake());
    await this.lead();
    this.leaseTimer = setInterval(() => void this.lead().catch((err) => this.t.deps.log.warn({ err }, 'scheduler lease')), LEASE_RENEW_MS);
    this.leaseTimer.unref?.();
  }

  async stop(): Promise<void> {
    const t = this.t;
    t.stopped = true;
    clearInterval(this.leaseTimer);
    for (const x of t.timers) clearTimeout(x);
    this.unsubscribe?.();
    this.wake();
    await this.loopDone;
    await releaseLease(t);
  }

  /** Claims or renews the lease; the first claim recovers and starts the loop. */
  private lead(): Promise<void> {
    return tryLead(this.t, async () => {
      await recover(this.t);
      this.loopDone = runLoop(this.t);
    });
  }

  wake(): void {
    this.t.wake();
  }

  reconfigure(initial = false): Promise<boolean> {
    return reconfigure(this.t, initial);
  }

  isIdle(lastEventId: number): Promise<boolean> {
    return isIdle(this.t, lastEventId);
  }

  itemCount(): number {
    return this.t.itemCount();
  }

  onBuildStarted(buildId: string, time: number): void {
    onBuildStarted(this.t, buildId, time);
  }

  onBuildFinished(buildId: string, outcome: BuildOutcome): void {
    onBuildFinished(this.t, buildId, outcome);
  }

  status(logUrl: (b: Build) => string): TenantStatus {
    return tenantStatus(this.t, logUrl);
  }

  items(): Array<{ pipeline: string; item: QueueItem }> {
    return tenantItems(this.t);
  }
}
