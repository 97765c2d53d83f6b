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
 */
import { DriverError, type PowerState } from '../drivers/index.js';
import { STUCK_STATES, SYNC_EXCLUDED_STATES, TAKEOVER, type ProvisionState, type TakeoverRule, type TransientState } from '../states.js';
import { nodes } from '../db/tables.js';
import { clearReservationsOf } from '../db/nodes.js';
import { writeNode, type NodeChanges } from '../db/node-states.js';
import { allConductors, isAlive, touchConductor } from '../db/conductors.js';
import type { NodeRecord } from '../db/records.js';
import type { Logger, Store } from '../../core/index.js';
import type { ComposedDriver, DriverContext } from '../drivers/index.js';
import type { HistoryEventType } from '../db/history.js';
import type { RingMember } from './hash-ring.js';
import type { ConductorOptions } from './options.js';
import type { NodeAlarms } from './alarms.js';

/** What the periodic tasks use of their conductor (an interface of their own: the conductor starts them). */
export interface PeriodicHost {
  readonly name: string;
  readonly opts: ConductorOptions;
  readonly db: Store['db'];
  readonly alarms: NodeAlarms;
  log: Logger;
  refreshMembers(): Promise<RingMember[]>;
  isMine(node: Pick<NodeRecord, 'uuid' | 'conductor_group'>): boolean;
  driverFor(node: NodeRecord, signal?: AbortSignal): { driver: ComposedDriver; dctx: DriverContext };
  withLock<T>(node: NodeRecord, fn: (locked: NodeRecord) => Promise<{ result: T; changes?: NodeChanges; power?: PowerState | null }>): Promise<T>;
  failNode(node: NodeRecord, lastError: string, guard: { taskId?: string; unreserved?: boolean; keepTarget?: boolean }): Promise<NodeRecord | undefined>;
  history(node: NodeRecord, event: string, eventType: HistoryEventType, severity?: 'ERROR' | 'INFO' | 'WARNING'): Promise<void>;
}

export class Periodic {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = true;
  /** Consecutive power sync failures per node (Ironic keeps them in memory per conductor too). */
  readonly syncFailures = new Map<string, number>();

  constructor(private readonly c: PeriodicHost) {}

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
  async clearOwnReservations(): Promise<void> {
    await this.abortPowerOperationsOf(this.c.name);
    await clearReservationsOf(this.c.db, this.c.name);
  }

  /**
   * Takes over from a conductor that stopped (this one's previous process at
   * start-up, or a dead peer): aborts its pending power operations, clears its
   * reservations, then fails every node left in a working state without a
   * lock, with Ironic's message.
   */
  async takeOverFrom(holder: string): Promise<number> {
    await this.abortPowerOperationsOf(holder);
    const cleared = await clearReservationsOf(this.c.db, holder);
    if (cleared.length) this.c.log.warn({ holder, nodes: cleared.length }, 'cleared reservations of a conductor that stopped');
    return this.failStuckNodes();
  }

  private async abortPowerOperationsOf(holder: string): Promise<void> {
    await this.c.db
      .updateTable('metal_nodes')
      .set({ target_power_state: null, task_id: null, last_error: 'Pending power operation was aborted due to conductor take over', updated_at: Date.now() })
      .where('reservation', '=', holder)
      .where('target_power_state', 'is not', null)
      .execute();
  }

  /** Fails unlocked nodes in working states (the work died with its conductor). */
  async failStuckNodes(): Promise<number> {
    const rows = await this.c.db
      .selectFrom('metal_nodes')
      .selectAll()
      .where('provision_state', 'in', STUCK_STATES as ProvisionState[])
      .where('reservation', 'is', null)
      .orderBy('provision_updated_at')
      .execute();
    let failed = 0;
    for (const row of rows) {
      const node = nodes.decode(row);
      const rule = TAKEOVER[node.provision_state as TransientState];
      if (rule?.action !== 'fail') continue;
      const msg = `The ${node.provision_state} state can't be resumed by conductor ${this.c.name}. Moving to fail state.`;
      if (await this.c.failNode(node, msg, { unreserved: true })) failed++;
    }
    return failed;
  }

  /** Offline conductors' nodes: release and fail (Ironic's _check_orphan_nodes). */
  async checkOrphans(): Promise<void> {
    const now = Date.now();
    const all = await allConductors(this.c.db);
    const dead = all.filter((x) => x.hostname !== this.c.name && !isAlive(x, this.c.opts.heartbeatTimeoutMs, now));
    const held = dead.length
      ? await this.c.db.selectFrom('metal_nodes').select('reservation').where('reservation', 'in', dead.map((d) => d.hostname)).groupBy('reservation').execute()
      : [];
    for (const { reservation } of held) await this.takeOverFrom(reservation as string);
    // Working nodes can also be unlocked by a peer's graceful shutdown.
    await this.failStuckNodes();
  }

  /** Fails nodes that waited too long for a call-back (Ironic's _check_*_timeouts). */
  async checkCallbackTimeouts(): Promise<void> {
    const now = Date.now();
    for (const [state, rule] of Object.entries(TAKEOVER) as [TransientState, TakeoverRule][]) {
      if (rule.action !== 'keep-waiting') continue;
      const { timeout } = rule;
      const ms = this.c.opts.callbackTimeoutMs[timeout.setting];
      if (!ms || ms <= 0) continue;
      const rows = await this.c.db
        .selectFrom('metal_nodes')
        .selectAll()
        .where('provision_state', '=', state)
        .where('reservation', 'is', null)
        .where('maintenance', '=', 0)
        .where('provision_updated_at', '<', now - ms)
        .orderBy('provision_updated_at')
        .execute();
      for (const row of rows) {
        const node = nodes.decode(row);
        const failed = await this.c.failNode(node, timeout.lastError.replace('%s', node.uuid), { unreserved: true, keepTarget: timeout.keepTarget });
        if (failed && timeout.cleanUp) await this.cleanUpAfterTimeout(failed);
      }
    }
  }

  /** Ironic's cleanup_after_timeout: let the deploy interface undo what it prepared. */
  private async cleanUpAfterTimeout(node: NodeRecord): Promise<void> {
    try {
      await this.c.withLock(node, async (locked) => {
        const { driver, dctx } = this.c.driverFor(locked);
        await driver.deploy.cleanUp(dctx);
        return { result: undefined };
      });
    } catch (err) {
      this.c.log.warn({ err, node: node.uuid }, 'cleaning up after a call-back timeout failed');
    }
  }

  // -------------------------------------------------------------------------
  // Power state sync
  // -------------------------------------------------------------------------

  async syncPowerStates(): Promise<void> {
    const rows = await this.c.db
      .selectFrom('metal_nodes')
      .selectAll()
      .where('maintenance', '=', 0)
      .where('reservation', 'is', null)
      .where('target_power_state', 'is', null)
      .where('provision_state', 'not in', SYNC_EXCLUDED_STATES as ProvisionState[])
      .execute();
    // Failing nodes first, so a dead BMC reaches maintenance fast (as Ironic sorts them).
    const mine = rows
      .map((r) => nodes.decode(r))
      .filter((n) => this.c.isMine(n))
      .sort((a, b) => (this.syncFailures.get(b.uuid) ?? 0) - (this.syncFailures.get(a.uuid) ?? 0));
    const seen = new Set(mine.map((n) => n.uuid));
    for (const uuid of this.syncFailures.keys()) if (!seen.has(uuid)) this.syncFailures.delete(uuid);
    let next = 0;
    const worker = async () => {
      while (next < mine.length) {
        const node = mine[next++];
        try {
          const count = await this.syncPowerState(node, this.syncFailures.get(node.uuid) ?? 0);
          if (count) this.syncFailures.set(node.uuid, count);
          else this.syncFailures.delete(node.uuid);
        } catch (err) {
          this.c.log.warn({ err, node: node.uuid }, 'power state sync failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.c.opts.powerSyncWorkers, mine.length)) }, worker));
  }

  /**
   * Ironic's do_sync_power_state for one node; returns the new count of
   * consecutive failures (0 when in sync).
   */
  async syncPowerState(node: NodeRecord, previousFailures: number): Promise<number> {
    const count = previousFailures + 1;
    const max = this.c.opts.powerSyncMaxRetries;
    const { driver, dctx } = this.c.driverFor(node);
    if (node.power_state === null) {
      try {
        await driver.power.validate(dctx);
      } catch (err) {
        if (err instanceof DriverError && (err.kind === 'invalid-parameter' || err.kind === 'missing-parameter')) return 0;
      }
    }
    let actual: PowerState;
    try {
      actual = await driver.power.getPowerState(dctx);
      if (actual === 'error') throw new Error('Power driver returned ERROR state while trying to sync power state.');
    } catch (err) {
      await this.c.alarms.bmcUnreachable(node, err instanceof Error ? err.message : String(err));
      if (count > max) await this.maxRetriesExceeded(node, null, err);
      else this.c.log.warn({ node: node.uuid, attempt: count, retries: max, err: (err as Error).message }, 'could not get the power state during power sync');
      return count;
    }
    // Always, not only after a failure here: the alarm may date from before a restart.
    await this.c.alarms.bmcAnswered(node);
    if (node.power_state === actual) return 0;
    if (node.power_state === null) {
      await writeNode(this.c.db, node, { power: actual, changes: { updated_at: Date.now() }, guard: { reservation: null, power_state: null }, by: this.c.name });
      return 0;
    }
    if (count > max) {
      await this.maxRetriesExceeded(node, actual);
      return count;
    }
    if (this.c.opts.forcePowerStateDuringSync) {
      this.c.log.warn({ node: node.uuid, actual, recorded: node.power_state }, 'power state differs from the recorded one: changing the hardware to the recorded state');
      try {
        await this.c.withLock(node, async (locked) => {
          const { driver: d, dctx: ctx } = this.c.driverFor(locked);
          const reached = await d.power.setPowerState(ctx, node.power_state as 'power on' | 'power off', { timeoutMs: this.c.opts.powerTimeoutMs });
          return { result: reached, power: reached };
        });
      } catch (err) {
        this.c.log.error({ node: node.uuid, attempt: count, retries: max, err: (err as Error).message }, 'failed to force the recorded power state');
      }
      return count;
    }
    await writeNode(this.c.db, node, { power: actual, changes: { updated_at: Date.now() }, guard: { reservation: null }, by: this.c.name });
    return count;
  }

  private async maxRetriesExceeded(node: NodeRecord, actual: PowerState | null, err?: unknown): Promise<void> {
    let msg =
      `During sync_power_state, max retries exceeded for node ${node.uuid}, node state ${actual ?? 'None'} does not match expected state ` +
      `'${node.power_state ?? 'None'}'. Updating DB state to '${actual ?? 'None'}' Switching node to maintenance mode.`;
    if (err !== undefined) msg += ` Error: ${err instanceof Error ? err.message : String(err)}`;
    const updated = await writeNode(this.c.db, node, {
      power: actual,
      changes: { maintenance: true, maintenance_reason: msg, fault: 'power failure', updated_at: Date.now() },
      guard: { reservation: null, maintenance: false },
      by: this.c.name,
    });
    if (updated) {
      this.c.log.error({ node: node.uuid }, msg);
      await this.c.history(updated, msg, 'monitoring', 'ERROR');
      await this.c.alarms.powerFailure(updated);
    }
  }

  /** Nodes in maintenance for a power failure: leave maintenance once the BMC answers. */
  async recoverPowerFailures(): Promise<void> {
    const rows = await this.c.db
      .selectFrom('metal_nodes')
      .selectAll()
      .where('maintenance', '=', 1)
      .where('fault', '=', 'power failure')
      .where('reservation', 'is', null)
      .where('target_power_state', 'is', null)
      .where('provision_state', '!=', 'enroll')
      .execute();
    for (const row of rows) {
      const node = nodes.decode(row);
      if (!this.c.isMine(node)) continue;
      const { driver, dctx } = this.c.driverFor(node);
      let actual: PowerState;
      try {
        await driver.power.validate(dctx);
        actual = await driver.power.getPowerState(dctx);
        if (actual === 'error') continue;
      } catch (err) {
        this.c.log.debug({ node: node.uuid, err: (err as Error).message }, 'power failure recovery: the BMC still does not answer');
        continue;
      }
      const recovered = await writeNode(this.c.db, node, {
        power: actual,
        changes: { maintenance: false, maintenance_reason: null, fault: null, updated_at: Date.now() },
        guard: { reservation: null, fault: 'power failure', maintenance: true },
        by: this.c.name,
      });
      if (recovered) {
        this.syncFailures.delete(node.uuid);
        await this.c.alarms.powerRecovered(recovered);
        this.c.log.info({ node: node.uuid, power_state: actual }, 'node recovered from power failure');
      }
    }
  }
}
