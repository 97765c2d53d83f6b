/**
 * Takeover (Ironic's base_manager: _fail_transient_state at start-up,
 * _check_orphan_nodes, and the takeover of a dead conductor's tasks): what a
 * conductor does with nodes whose owner is gone, as the table's TAKEOVER
 * rules say. Call-back timeouts of the waiting states are here too: a wait
 * nobody answers fails the same way.
 */
import { STUCK_STATES, TAKEOVER, type ProvisionState, type TakeoverRule, type TransientState } from '../states/index.js';
import { nodes } from '../db/tables.js';
import { clearReservationsOf } from '../db/nodes.js';
import { allConductors, isAlive } from '../db/conductors.js';
import type { NodeRecord } from '../db/records.js';
import type { ConductorCore } from './core.js';
import { finishTask } from './tasks.js';

/** A task's owner died mid-work: do what the table says for the state it left the node in. */
export async function takeOverNode(c: ConductorCore, node: NodeRecord, taskId: string): Promise<unknown> {
  const rule = TAKEOVER[node.provision_state as TransientState];
  if (rule?.action === 'fail') {
    const lastError = `The ${node.provision_state} state can't be resumed by conductor ${c.name}. Moving to fail state.`;
    const moved = await c.failNode(node, lastError, { taskId });
    return { takeover: 'failed', state: moved?.provision_state };
  }
  await finishTask(c, node, taskId);
  return { takeover: 'released', state: node.provision_state };
}

export class Takeover {
  constructor(private readonly c: ConductorCore) {}

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
}
