/**
 * Power actions (Ironic's manager.change_node_power_state and
 * utils.node_power_action): a request sets target_power_state under a new
 * task's reservation; the task drives the power interface and records where
 * the hardware ended up through the power machine (power-states.ts).
 */
import { randomUUID } from 'node:crypto';
import { RetryTaskError, type Task, type TaskContext } from '../../core/index.js';
import { DriverError, type PowerState, type PowerTarget } from '../drivers/index.js';
import { reserve } from '../db/nodes.js';
import { nodes } from '../db/tables.js';
import type { NodeRecord } from '../db/records.js';
import { STATE_INFO } from '../states/index.js';
import { POWER_TARGET_INFO, powerTargetState } from '../states/index.js';
import { POWER_TASK, type ConductorCore, type PowerPayload } from './core.js';
import { adoptNode, finishTask } from './tasks.js';
import { invalid, invalidParameter, invalidStateRequested, notAcceptable } from './errors.js';

export class PowerActions {
  constructor(private readonly c: ConductorCore) {}

  register(): void {
    this.c.deps.tasks.register<PowerPayload>(POWER_TASK, {
      run: (ctx) => this.run(ctx),
      onFailed: (task, error) => this.failed(task, error),
    });
  }

  /** `PUT /v1/nodes/{id}/states/power`: sets target_power_state under a new task's reservation. */
  async request(node: NodeRecord, req: { target: string; timeout?: number | null; minor: number }): Promise<NodeRecord> {
    const c = this.c;
    const info = Object.prototype.hasOwnProperty.call(POWER_TARGET_INFO, req.target) ? POWER_TARGET_INFO[req.target as PowerTarget] : undefined;
    // Soft targets and timeouts came with 1.27.
    if ((info && info.minMinor > req.minor) || (req.timeout !== undefined && req.timeout !== null && req.minor < 27)) throw notAcceptable();
    if (req.timeout !== undefined && req.timeout !== null && (!Number.isInteger(req.timeout) || req.timeout < 1)) throw invalid('timeout has to be positive integer');
    if (!info) throw invalidStateRequested(req.target, node.uuid, node.power_state ?? 'None');
    if (STATE_INFO[node.provision_state].noPowerRequests) throw invalidStateRequested(req.target, node.uuid, node.provision_state);
    const target = req.target as PowerTarget;
    const { driver, dctx } = c.driverFor(node);
    try {
      await driver.power.validate(dctx);
      if (!driver.power.supportedPowerStates(dctx).includes(target)) {
        throw invalidParameter(`The requested power state "${target}" is not supported by the ${driver.power.name} power interface of node ${node.uuid}.`);
      }
    } catch (err) {
      if (err instanceof DriverError) throw invalidParameter(err.message);
      throw err;
    }
    const moved = await c.patiently(node, (n) => {
      const taskId = randomUUID();
      return c.db.transaction().execute(async (trx) => {
        const r = await reserve(trx, n, c.name, { changes: { target_power_state: powerTargetState(target), last_error: null, task_id: taskId } });
        if (!r) return undefined;
        await c.deps.tasks.enqueue<PowerPayload>(
          {
            id: taskId,
            kind: POWER_TASK,
            subject: n.uuid,
            payload: { node: n.uuid, target, ...(req.timeout ? { timeoutMs: req.timeout * 1000 } : {}) },
            maxAttempts: c.opts.taskMaxAttempts,
          },
          trx,
        );
        return r;
      });
    });
    c.deps.tasks.wake();
    return moved;
  }

  private async run(ctx: TaskContext<PowerPayload>): Promise<unknown> {
    const c = this.c;
    const { task } = ctx;
    const node = await adoptNode(c, task.payload.node, task.id);
    if (!node) return { skipped: 'the node no longer waits for this task' };
    if (ctx.takeover) {
      await finishTask(c, node, task.id, { changes: { target_power_state: null, last_error: 'Pending power operation was aborted due to conductor take over' } });
      return { takeover: 'aborted' };
    }
    const { target } = task.payload;
    const { driver, dctx } = c.driverFor(node, ctx.signal);
    const timeoutMs = task.payload.timeoutMs ?? c.opts.powerTimeoutMs;
    try {
      let reached: PowerState;
      if (target === 'rebooting') {
        reached = await driver.power.reboot(dctx, { timeoutMs });
      } else {
        // Ironic skips the call when the node is already there.
        const now = target === 'power on' || target === 'power off' ? await driver.power.getPowerState(dctx) : undefined;
        reached = now === target ? now : await driver.power.setPowerState(dctx, target, { timeoutMs });
      }
      await finishTask(c, node, task.id, { changes: { target_power_state: null }, power: reached });
      return { power_state: reached };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const message = `Failed to change power state to '${powerTargetState(target)}' by '${target}'. Error: ${err instanceof Error ? err.message : String(err)}`;
      if (err instanceof DriverError && err.retryable && task.attempts < task.maxAttempts) {
        await nodes.update(c.db, node.id, { last_error: message, updated_at: Date.now() }, { task_id: task.id });
        throw new RetryTaskError(message, c.opts.retryDelayMs);
      }
      throw new Error(message);
    }
  }

  private async failed(task: Task<PowerPayload>, error: string): Promise<void> {
    const node = await nodes.byUuid(this.c.db, task.payload.node);
    if (!node || node.task_id !== task.id) return;
    const done = await finishTask(this.c, node, task.id, { changes: { target_power_state: null, last_error: error } });
    if (done) await this.c.history(done, error, 'monitoring', 'ERROR');
  }
}
