/**
 * Power sync (Ironic's _sync_power_states and do_sync_power_state): reads
 * each of this conductor's nodes' power state, records changes through the
 * power machine, forces the recorded state back when asked, and after
 * repeated failures puts the node into maintenance with fault `power
 * failure`; power failure recovery (_power_failure_recovery) clears that
 * fault once the BMC answers again.
 */
import { DriverError, type PowerState } from '../drivers/index.js';
import { SYNC_EXCLUDED_STATES, type ProvisionState } from '../states/index.js';
import { nodes } from '../db/tables.js';
import { writeNode } from '../db/node-states.js';
import type { NodeRecord } from '../db/records.js';
import type { ConductorCore } from './core.js';

export class PowerSync {
  /** Consecutive power sync failures per node (Ironic keeps them in memory per conductor too). */
  readonly syncFailures = new Map<string, number>();

  constructor(private readonly c: ConductorCore) {}

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
