/**
 * Drives sw-update-strategies. Each step on a subcloud is a durable task
 * (`edge.strategy-step`), enqueued in the same transaction that moves the
 * step to applying, so a controller killed at any point loses nothing:
 * the restarted one (or another on the store) takes the task over once its
 * lease runs out and runs the step again (steps are idempotent). Between
 * steps the orchestrator is level-triggered: `advance` reads the strategy
 * and its steps, asks the pure planner what next, and records it; it runs
 * after apply and abort, after every step, and for every active strategy
 * at start.
 */
import { RetryTaskError, type Logger, type Task, type TaskRunner } from '../../core/index.js';
import { plan } from './strategy-plan.js';
import { PeerError } from './peer.js';
import type { Step, Strategies, Strategy } from './strategies.js';
import type { StepKind } from './step-kinds.js';
import type { Subclouds } from './subclouds.js';

export const STEP_TASK = 'edge.strategy-step';

interface StepPayload {
  strategy: number;
  step: number;
}

export interface OrchestratorDeps {
  strategies: Strategies;
  subclouds: Subclouds;
  tasks: TaskRunner;
  kinds: Partial<Record<string, StepKind>>;
  log: Logger;
  /** Delay before a transient failure is tried again. */
  retryMs?: number;
  maxAttempts?: number;
}

export class Orchestrator {
  // One advance at a time per strategy in this process, so two steps ending together cannot both start the same room.
  private readonly chains = new Map<number, Promise<void>>();

  constructor(private readonly deps: OrchestratorDeps) {
    deps.tasks.register<StepPayload>(STEP_TASK, {
      run: ({ task, takeover, signal }) => this.runStep(task, takeover, signal),
      onFailed: (task, error) => this.stepFailed(task, error),
    });
  }

  /** Picks up every strategy a previous process left applying or aborting. */
  async resume(): Promise<void> {
    for (const s of await this.deps.strategies.active()) {
      // A step whose task ended for good while its outcome was not recorded (the process died in between) is failed now.
      for (const step of await this.deps.strategies.steps(s.id)) {
        if (step.state !== 'applying') continue;
        const t = await this.deps.tasks.tasks.get(stepTaskId(step.id)).catch(() => undefined);
        if (!t || t.state === 'failed' || t.state === 'cancelled') await this.deps.strategies.moveStep(step, 'fail', t?.error ?? 'its task is gone');
      }
      await this.advance(s.id);
    }
  }

  async apply(s: Strategy): Promise<void> {
    await this.deps.strategies.transition(s, 'apply');
    await this.advance(s.id);
  }

  async abort(s: Strategy): Promise<void> {
    await this.deps.strategies.transition(s, 'abort');
    await this.advance(s.id);
  }

  advance(id: number): Promise<void> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(() => this.advanceNow(id)).catch((err) => this.deps.log.error({ err, strategy: id }, 'advancing the strategy failed'));
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  private async advanceNow(id: number): Promise<void> {
    for (;;) {
      const s = await this.deps.strategies.byId(id);
      if (!s) return;
      if (s.state === 'abort-requested') {
        await this.deps.strategies.transition(s, 'abort_started');
        continue;
      }
      const steps = await this.deps.strategies.steps(id);
      const d = plan({ state: s.state, applyType: s.applyType, maxParallel: s.maxParallel, stopOnFailure: s.stopOnFailure, steps: steps.map((x) => ({ subcloud: x.cloud, state: x.state })) });
      if (d.kind === 'idle' || d.kind === 'wait') return;
      if (d.kind === 'start') {
        const picked = steps.filter((x) => d.subclouds.includes(x.cloud));
        await this.deps.strategies.transaction(async (trx) => {
          for (const step of picked) {
            if (!(await this.deps.strategies.moveStep(step, 'start', 'applying', trx))) continue;
            await this.deps.tasks.enqueue({ id: stepTaskId(step.id), kind: STEP_TASK, subject: step.cloud, payload: { strategy: id, step: step.id }, maxAttempts: this.deps.maxAttempts ?? 5 }, trx);
          }
        });
        this.deps.tasks.wake();
        this.deps.log.info({ strategy: id, subclouds: d.subclouds }, 'strategy steps started');
        return;
      }
      // finish: the steps never started are skipped (their subclouds untouched), then the strategy rests.
      const why = s.state === 'aborting' ? 'not started: the strategy was aborted' : 'not started: a step failed and stop-on-failure is set';
      for (const step of steps.filter((x) => d.skip.includes(x.cloud))) await this.deps.strategies.moveStep(step, 'skip', why);
      await this.deps.strategies.transition(s, d.event);
      this.deps.log.info({ strategy: id, event: d.event }, 'strategy finished');
      return;
    }
  }

  private async runStep(task: Task<StepPayload>, takeover: boolean, signal: AbortSignal): Promise<unknown> {
    const step = await this.deps.strategies.step(task.payload.step);
    if (!step || step.state !== 'applying') return { skipped: `step is ${step?.state ?? 'gone'}` };
    const s = await this.deps.strategies.byId(step.strategyId);
    const kind = s && this.deps.kinds[s.type];
    if (!s || !kind) return { skipped: 'no strategy for it' };
    const sub = await this.deps.subclouds.get(String(step.subcloudId)).catch(() => undefined);
    if (!sub) {
      await this.finishStep(step, 'fail', `subcloud ${step.cloud} was deleted`);
      return { failed: 'subcloud deleted' };
    }
    if (takeover) await this.deps.strategies.setDetails(step.id, `applying (resumed by ${this.deps.tasks.owner} after the previous controller stopped)`);
    let details: string;
    try {
      details = await kind.apply({ name: sub.name, endpoint: sub.endpoint, token: this.deps.subclouds.token(sub) }, s.extraArgs, signal);
    } catch (err) {
      if (err instanceof PeerError && err.transient) throw new RetryTaskError(err.message, this.deps.retryMs ?? 2000);
      throw err;
    }
    await this.finishStep(step, 'succeed', `${details}${task.attempts > 1 ? ` (attempt ${task.attempts})` : ''}`);
    return { details };
  }

  private async stepFailed(task: Task<StepPayload>, error: string): Promise<void> {
    const step = await this.deps.strategies.step(task.payload.step);
    if (step?.state === 'applying') await this.finishStep(step, 'fail', error);
  }

  private async finishStep(step: Step, event: 'succeed' | 'fail', details: string): Promise<void> {
    await this.deps.strategies.moveStep(step, event, details);
    // After this task's outcome is recorded: the next advance may start new steps.
    setImmediate(() => void this.advance(step.strategyId));
  }
}

export const stepTaskId = (stepId: number) => `edge-strategy-step-${stepId}`;
