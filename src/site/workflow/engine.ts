/**
 * The workflow engine: an action is a graph of steps stored with it; each
 * step runs as a durable core task (`site.step`), so a server that dies
 * mid-step leaves a task whose lease runs out and which a restarted (or
 * another) server takes over, running the step again from what metal and
 * the sandboxes report. After every step, `advance` queues the steps whose
 * dependencies ended, and ends the action when none is left.
 */
import { setMaxListeners } from 'node:events';
import type { Logger, Principal, TaskContext, TaskRunner } from '../../core/index.js';
import { ConflictError, InvalidInputError, StrataError } from '../../core/index.js';
import { ActionStore, type ActionRecord, type StepRecord } from './action-store.js';
import { CommitRefused, type ConfigDocs } from './configdocs.js';
import type { SiteDesign } from './design.js';
import { buildSteps, isActionName, ACTIONS } from './graph.js';
import { computePlan, type Plan } from './plan.js';
import type { MachinePort, WorkloadPort } from './ports.js';
import { STEP_KINDS, type StepContext } from './steps.js';
import { STEP_DONE, actionMachine } from './states.js';
import { validationStatus } from './validation.js';
import { detectDrift, type DriftItem } from './drift.js';

export const STEP_TASK = 'site.step';
/** The actions that apply documents, to which Shipyard's intermediate-commit check applies. */
const SITE_ACTIONS: readonly string[] = ['deploy_site', 'update_site', 'update_software'];

interface StepPayload {
  actionId: string;
  stepId: string;
}

export interface EngineOptions {
  nodeTimeoutMs?: number;
  pollMs?: number;
}

export interface EngineDeps {
  actions: ActionStore;
  tasks: TaskRunner;
  configdocs: ConfigDocs;
  machines: MachinePort;
  workloads: WorkloadPort;
  log: Logger;
}

const isAbort = (signal: AbortSignal, code: string) => signal.aborted && (signal.reason as StrataError | undefined)?.code === code;

export class WorkflowEngine {
  private readonly designs = new Map<number, SiteDesign>();
  private readonly nodeTimeoutMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly deps: EngineDeps,
    opts: EngineOptions = {},
  ) {
    this.nodeTimeoutMs = opts.nodeTimeoutMs ?? 1_800_000;
    this.pollMs = opts.pollMs ?? 500;
  }

  register(): void {
    this.deps.tasks.register<StepPayload>(STEP_TASK, { run: (ctx) => this.runStep(ctx) });
  }

  /** The design of a revision (revisions never change, so it is kept). */
  async designOf(revision: number): Promise<SiteDesign> {
    const hit = this.designs.get(revision);
    if (hit) return hit;
    const report = await this.deps.configdocs.validateRevision(revision);
    if (!report.design) throw new CommitRefused(validationStatus(report, `revision ${revision}`));
    this.designs.set(revision, report.design);
    while (this.designs.size > 8) this.designs.delete(this.designs.keys().next().value!);
    return report.design;
  }

  private async committed(): Promise<number> {
    const rev = await this.deps.configdocs.committedRevision();
    if (rev === undefined) throw new ConflictError('no committed configdocs: POST /configdocs/{collection} then POST /commitconfigdocs first');
    return rev;
  }

  async observe() {
    return { nodes: await this.deps.machines.list(), replicas: await this.deps.workloads.list() };
  }

  /** The plan of the committed design against what runs now. */
  async plan(): Promise<{ revision: number; plan: Plan }> {
    const revision = await this.committed();
    return { revision, plan: computePlan(await this.designOf(revision), await this.observe()) };
  }

  /** Drift of the site from its last successful action's design (else the committed one). */
  async drift(): Promise<{ revision: number; drift: DriftItem[] }> {
    const revision = (await this.deps.configdocs.revisionOf('successful_site_action')) ?? (await this.committed());
    return { revision, drift: detectDrift(await this.designOf(revision), await this.observe()) };
  }

  async create(name: unknown, parameters: Record<string, unknown>, principal: Principal, opts: { allowIntermediateCommits?: boolean } = {}): Promise<ActionRecord> {
    if (!isActionName(name)) throw new InvalidInputError(`action name must be one of ${ACTIONS.join(', ')} (got ${JSON.stringify(name)})`);
    // Shipyard's dag_concurrency_check: one action at a time changes the site.
    const busy = (await this.deps.actions.list()).find((a) => a.lifecycle === 'Pending' || a.lifecycle === 'Processing' || a.lifecycle === 'Paused');
    if (busy) throw new ConflictError(`action ${busy.name} ${busy.id} is ${busy.lifecycle}: wait for it to end, or stop it`);
    const revision = await this.committed();
    const intermediate = SITE_ACTIONS.includes(name) && !opts.allowIntermediateCommits ? await this.deps.configdocs.intermediateCommits() : [];
    if (intermediate.length) {
      throw new ConflictError(`revision${intermediate.length > 1 ? 's' : ''} ${intermediate.join(', ')} ${intermediate.length > 1 ? 'were' : 'was'} committed after the last site action and never applied: use allow-intermediate-commits=true to apply them together with revision ${revision}`);
    }
    const design = await this.designOf(revision);
    const steps = buildSteps(name, parameters, design);
    const action = await this.deps.actions.create({ name, parameters, revisionId: revision, user: principal.name }, steps);
    this.deps.log.info({ action: action.id, name, revision }, 'site action created');
    await this.advance(action.id);
    return this.deps.actions.get(action.id);
  }

  async control(id: string, verb: string, principal: Principal): Promise<void> {
    const a = await this.deps.actions.get(id);
    const audit = { command: verb, user: principal.name, at: Date.now() };
    if (verb === 'pause') {
      if (!actionMachine.can(a.lifecycle, 'pause')) throw new ConflictError(`action ${id} is ${a.lifecycle}: it cannot be paused`);
      await this.deps.actions.move(id, 'pause', { control: 'pause', audit });
    } else if (verb === 'unpause') {
      if (!actionMachine.can(a.lifecycle, 'unpause')) throw new ConflictError(`action ${id} is ${a.lifecycle}: only a paused action can be unpaused`);
      await this.deps.actions.move(id, 'unpause', { control: 'run', audit });
      await this.advance(id);
    } else if (verb === 'stop') {
      if (!actionMachine.can(a.lifecycle, 'stop')) throw new ConflictError(`action ${id} is ${a.lifecycle}: it cannot be stopped`);
      await this.deps.actions.setControl(id, 'stop', audit);
      for (const s of await this.deps.actions.steps(id)) {
        if (s.state === 'pending' || s.state === 'queued') {
          if (s.taskId) await this.deps.tasks.tasks.cancel(s.taskId);
          await this.deps.actions.moveStep(id, s.id, 'skip');
        } else if (s.state === 'running' && s.taskId) await this.deps.tasks.tasks.cancel(s.taskId);
      }
      await this.advance(id);
    } else throw new InvalidInputError(`control must be pause, unpause or stop (got ${verb})`);
  }

  /**
   * Advances every action that has not ended: at start and now and then,
   * so an action whose advance was lost (an error between a step's end and
   * the next step's queueing) still goes on.
   */
  async sweep(): Promise<void> {
    for (const a of await this.deps.actions.list()) {
      if (a.lifecycle === 'Complete' || a.lifecycle === 'Failed') continue;
      await this.advance(a.id).catch((err) => this.deps.log.warn({ err, action: a.id }, 'advancing a site action failed'));
    }
  }

  /** Queues what can run next; ends the action when every step has ended. Safe to call at any time. */
  async advance(id: string): Promise<void> {
    for (let round = 0; round < 64; round++) {
      const a = await this.deps.actions.get(id);
      if (a.lifecycle === 'Complete' || a.lifecycle === 'Failed') return;
      const steps = await this.deps.actions.steps(id);
      const byId = new Map(steps.map((s) => [s.id, s]));
      const criticalFailed = steps.some((s) => s.critical && (s.state === 'failed' || s.state === 'upstream_failed'));
      let changed = false;
      for (const s of steps) {
        if (s.state !== 'pending') continue;
        const deps = s.deps.map((d) => ({ hard: d.hard, step: byId.get(d.step)! }));
        if (deps.some((d) => d.hard && (d.step.state === 'failed' || d.step.state === 'upstream_failed'))) {
          changed = (await this.deps.actions.moveStep(id, s.id, 'upstream_fail')) || changed;
          continue;
        }
        if (criticalFailed || a.control === 'stop' || deps.some((d) => d.hard && d.step.state === 'skipped')) {
          changed = (await this.deps.actions.moveStep(id, s.id, 'skip')) || changed;
          continue;
        }
        if (!deps.every((d) => STEP_DONE.includes(d.step.state)) || a.control === 'pause') continue;
        const taskId = `site-step:${id}:${s.id}`;
        try {
          await this.deps.tasks.enqueue<StepPayload>({ id: taskId, kind: STEP_TASK, subject: id, payload: { actionId: id, stepId: s.id }, maxAttempts: 20 });
        } catch (err) {
          // another advance enqueued it first
          if (!/unique|duplicate|constraint/i.test(String((err as Error).message))) throw err;
        }
        changed = (await this.deps.actions.moveStep(id, s.id, 'queue', { taskId })) || changed;
      }
      if (changed) continue;
      const now = await this.deps.actions.steps(id);
      if (now.every((s) => STEP_DONE.includes(s.state))) await this.finish(a, now);
      return;
    }
  }

  private async finish(a: ActionRecord, steps: StepRecord[]): Promise<void> {
    const failed = a.control === 'stop' || steps.some((s) => s.critical && (s.state === 'failed' || s.state === 'upstream_failed'));
    // Tag first (an upsert, safe to repeat): whoever sees the action ended sees its tag.
    await this.deps.configdocs.tagAction(a.revisionId, !failed, a.id);
    const moved = await this.deps.actions.move(a.id, a.control === 'stop' ? 'stop' : failed ? 'fail' : 'finish');
    if (!moved) return;
    this.deps.log.info({ action: a.id, name: a.name, lifecycle: moved.lifecycle }, 'site action ended');
  }

  private async runStep(ctx: TaskContext<StepPayload>): Promise<void> {
    const { actionId, stepId } = ctx.task.payload;
    const store = this.deps.actions;
    let s = await store.step(actionId, stepId);
    if (STEP_DONE.includes(s.state)) return this.advance(actionId);
    if (s.state === 'pending') await store.moveStep(actionId, stepId, 'queue', { taskId: ctx.task.id });
    const a = await store.get(actionId);
    if (a.control === 'stop' || a.lifecycle === 'Failed' || a.lifecycle === 'Complete') {
      await store.moveStep(actionId, stepId, 'skip');
      return this.advance(actionId);
    }
    await store.moveStep(actionId, stepId, 'start');
    await store.move(actionId, 'start');
    // a deploy step waits on every node of its group at once, each wait listening to the signal
    setMaxListeners(0, ctx.signal);
    // one append at a time: the nodes of a group log concurrently, and an append rewrites the log
    let logged: Promise<void> = Promise.resolve();
    const log = (line: string) => (logged = logged.catch(() => undefined).then(() => store.appendLog(actionId, stepId, `${new Date().toISOString()} ${line}\n`)));
    if (ctx.takeover) await log(`resumed: the server running this step stopped (attempt ${ctx.task.attempts})`);
    s = await store.step(actionId, stepId);
    const memo = (s.result && typeof s.result === 'object' && 'memo' in (s.result as object) ? (s.result as { memo: Record<string, unknown> }).memo : {}) ?? {};
    try {
      const design = await this.designOf(a.revisionId);
      const stepCtx: StepContext = {
        design,
        plan: ((await store.get(actionId)).plan as Plan | null) ?? null,
        params: s.params,
        actionName: a.name,
        machines: this.deps.machines,
        workloads: this.deps.workloads,
        signal: ctx.signal,
        log,
        setPlan: (p) => store.setPlan(actionId, p),
        memo,
        saveMemo: () => store.setResult(actionId, stepId, { memo }),
        nodeTimeoutMs: this.nodeTimeoutMs,
        pollMs: this.pollMs,
      };
      const run = STEP_KINDS[s.kind];
      if (!run) throw new StrataError(`step ${stepId} has unknown kind ${s.kind}`);
      const out = await run(stepCtx);
      await log(out.message);
      await store.moveStep(actionId, stepId, out.ok ? 'succeed' : 'fail', { result: { memo, message: out.message, ...(out.result !== undefined ? { detail: out.result } : {}) } });
    } catch (err) {
      if (isAbort(ctx.signal, 'shutdown') || isAbort(ctx.signal, 'lease_lost')) throw err;
      const message = isAbort(ctx.signal, 'cancelled') ? 'stopped by control/stop' : (err as Error).message;
      await log(`failed: ${message}`);
      await store.moveStep(actionId, stepId, 'fail', { result: { memo, message } });
    }
    await this.advance(actionId);
  }
}
