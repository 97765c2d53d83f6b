/**
 * The provision task: it adopts the node's reservation, runs the state's
 * flow (flows.ts) through the driver and fires the resulting events through
 * the table; when the next state is working too (deleting → cleaning) it
 * runs that flow in the same task. A flow that waits for a call-back leaves
 * the node unlocked in a waiting state. Failures fire `fail` (failNode).
 */
import { RetryTaskError, type Task, type TaskContext } from '../../core/index.js';
import { DriverError, type ComposedDriver, type DriverContext } from '../drivers/index.js';
import { advance, failureMessage, historyTypeOf, provisionMachine, STATE_INFO, type ProvisionState } from '../states/index.js';
import { nodes } from '../db/tables.js';
import { writeNode, type NodeChanges, type NodeGuard } from '../db/node-states.js';
import type { NodeRecord } from '../db/records.js';
import { PROVISION_TASK, type ConductorCore, type FailGuard, type ProvisionPayload } from './core.js';
import { internalInfoChange } from './driver-node.js';
import { FLOWS, type FlowContext } from './flows.js';
import { adoptNode, finishTask } from './tasks.js';
import { releaseAllocation } from './deployments.js';
import { abortCleaning, cleanFailure } from './cleaning.js';
import { abortInspection, addPorts, cacheBios } from './inspection.js';
import { takeOverNode } from './takeover.js';

/** What undoes a wait an operator aborted, and how its failure reads. */
const ABORT_CLEANUP: Partial<Record<ProvisionState, { what: string; run: (driver: ComposedDriver, dctx: DriverContext) => Promise<NodeChanges> }>> = {
  'clean wait': { what: 'tear down cleaning', run: abortCleaning },
  'inspect wait': { what: 'stop the inspection', run: abortInspection },
};

export class ProvisionTasks {
  constructor(private readonly c: ConductorCore) {}

  register(): void {
    this.c.deps.tasks.register<ProvisionPayload>(PROVISION_TASK, {
      run: (ctx) => this.run(ctx),
      onFailed: (task, error) => this.failed(task, error),
    });
  }

  private async run(ctx: TaskContext<ProvisionPayload>): Promise<unknown> {
    const c = this.c;
    const { task } = ctx;
    let node = await adoptNode(c, task.payload.node, task.id);
    if (!node) return { skipped: 'the node no longer waits for this task' };
    if (ctx.takeover) return takeOverNode(c, node, task.id);
    if (task.payload.args?.abort_from) return this.cleanUpAbort(node, task.payload.args.abort_from, ctx);

    let phase = task.payload.phase;
    for (;;) {
      const state = node.provision_state;
      const flow = FLOWS[state];
      if (!flow) {
        await finishTask(c, node, task.id);
        return { state };
      }
      const { driver, dctx } = c.driverFor(node, ctx.signal);
      const internalBefore = node.driver_internal_info;
      let current: NodeRecord = node;
      const fc: FlowContext = {
        node,
        dnode: dctx.node,
        driver,
        dctx,
        args: task.payload.args ?? {},
        phase,
        automatedClean: node.automated_clean ?? c.opts.automatedClean,
        save: async (changes) => {
          const internal = internalInfoChange(current.driver_internal_info, dctx.node);
          const saved = await nodes.update(c.db, current.id, { ...changes, ...(internal ? { driver_internal_info: internal } : {}), updated_at: Date.now() }, { task_id: task.id });
          if (!saved) throw new Error(`node ${current.uuid} was taken from this task`);
          current = saved;
        },
        addPorts: (macs, pxeMacs) => addPorts(c.db, current, macs, pxeMacs),
        cacheBios: (settings) => cacheBios(c.db, current, settings),
      };
      let outcome;
      try {
        outcome = await flow(fc);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof DriverError && err.retryable && task.attempts < task.maxAttempts) {
          // Keep the node and its lock; record why, and try again shortly.
          await nodes.update(c.db, current.id, { last_error: failureMessage(state, current, message), updated_at: Date.now() }, { task_id: task.id });
          throw new RetryTaskError(message, c.opts.retryDelayMs);
        }
        throw new Error(failureMessage(state, current, message));
      }
      // Flows power nodes on and off through the interfaces (as Ironic's do
      // through node_power_action, which records it): record where the node
      // ended up, or power sync would later "correct" the hardware back.
      if (outcome.power === undefined) {
        const power = await driver.power.getPowerState(dctx).catch(() => undefined);
        if (power !== undefined) outcome = { ...outcome, power };
      }
      const internal = internalInfoChange(internalBefore, dctx.node) ?? current.driver_internal_info;
      const next = advance(current, outcome.event);
      const changes: NodeChanges = {
        ...outcome.changes,
        driver_internal_info: internal,
        target_provision_state: next.target_provision_state,
        provision_updated_at: Date.now(),
      };
      if (state === 'deleting') await releaseAllocation(c.db, current, changes);
      if (STATE_INFO[next.provision_state].kind === 'working') {
        const saved = await writeNode(c.db, current, { provision: outcome.event, power: outcome.power, changes: { ...changes, updated_at: Date.now() }, guard: { task_id: task.id }, by: c.name });
        if (!saved) return { skipped: 'the node was taken from this task' };
        node = saved;
        phase = 'start';
        continue;
      }
      const done = await finishTask(c, current, task.id, { changes, provision: outcome.event, power: outcome.power });
      return { state: done?.provision_state ?? next.provision_state };
    }
  }

  /**
   * After an abort of a wait: the interface undoes what the wait prepared
   * (tear down cleaning, stop an asynchronous inspection) while the node,
   * already in its failed state, stays locked; a failure is recorded.
   */
  private async cleanUpAbort(node: NodeRecord, from: ProvisionState, ctx: TaskContext<ProvisionPayload>): Promise<unknown> {
    const { driver, dctx } = this.c.driverFor(node, ctx.signal);
    const cleanup = ABORT_CLEANUP[from];
    let changes: NodeChanges = {};
    try {
      if (cleanup) changes = await cleanup.run(driver, dctx);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      changes.last_error = `Failed to ${cleanup!.what} after aborting the operation: ${err instanceof Error ? err.message : String(err)}`;
    }
    await finishTask(this.c, node, ctx.task.id, { changes });
    return { aborted: from };
  }

  private async failed(task: Task<ProvisionPayload>, error: string): Promise<void> {
    const node = await nodes.byUuid(this.c.db, task.payload.node);
    if (!node || node.task_id !== task.id) return;
    await this.failNode(node, error, { taskId: task.id });
  }

  /**
   * Fires `fail` from the node's working or waiting state, records last_error
   * and history, and releases the lock. Cleaning failures also put the node
   * into maintenance with fault `clean failure`, as Ironic does.
   */
  async failNode(node: NodeRecord, lastError: string, guard: FailGuard): Promise<NodeRecord | undefined> {
    const c = this.c;
    if (!provisionMachine.can(node.provision_state, 'fail')) {
      return guard.taskId ? finishTask(c, node, guard.taskId, { changes: { last_error: lastError } }) : undefined;
    }
    const next = advance(node, 'fail', guard.keepTarget ? { target: node.target_provision_state } : {});
    const changes: NodeChanges = {
      target_provision_state: next.target_provision_state,
      provision_updated_at: Date.now(),
      last_error: lastError,
      deploy_step: null,
      clean_step: null,
      task_id: null,
      reservation: null,
      updated_at: Date.now(),
      ...(next.provision_state === 'clean failed' ? cleanFailure(lastError) : {}),
    };
    const where: NodeGuard = {};
    if (guard.taskId) where.task_id = guard.taskId;
    if (guard.unreserved) where.reservation = null;
    const moved = await writeNode(c.db, node, { provision: 'fail', changes, guard: where, by: c.name });
    if (moved) {
      c.log.warn({ node: node.uuid, from: node.provision_state, to: moved.provision_state, error: lastError }, 'node failed');
      await c.history(moved, lastError, historyTypeOf(node.provision_state), 'ERROR');
      await c.alarms.provisionState(moved);
    }
    return moved;
  }
}
