// The pipeline manager base (Zuul's PipelineManager): how a change enters a
// pipeline (with what it needs ahead of it, as one item with its cycle if
// allowed), and the entry points through which the shell reports what
// happened (prepared, a build started or ended, an item reported). Pure:
// every entry point takes a state and returns a new state and the actions
// for the imperative shell; the input state is never modified. The pass
// over the queues is pass.ts; the edits it shares are queue-edits.ts.
//
// Each manager (independent, dependent, serial, supercedent) is a subclass
// overriding a few hooks: which queue a change goes to, how its
// dependencies are handled, and the window.

import type { Change, ChangeQueue, Changeish, PipelineState, QueueItem } from '../model.js';
import { buildMachine, buildSetMachine, itemMachine } from '../machines.js';
import { newBuildSet } from './build-set.js';
import { cycleOf } from './dependencies.js';
import { processOneQueue } from './pass.js';
import { cancelBuilds, dequeue, dropEmptyDynamicQueues, findBuild, findItem as findItemIn, resetBuildSet } from './queue-edits.js';
import { clone, cloneItem, cloneState, describe, itemHas, type AddOptions, type EnqueueAttempt, type ManagerTraits, type Run } from './run.js';
import type {
  BuildCompletion, EnqueueOptions, EnqueueOutcome, ManagerEnv, ManagerName, Outcome, PipelineSettings, PrepareResult, QueueSpec,
  ReportOutcome,
} from './types.js';
import { decreaseWindow, increaseWindow } from './window.js';

export abstract class PipelineManager {
  abstract readonly name: ManagerName;

  constructor(readonly settings: PipelineSettings) {}

  // ------------------------------------------------------------ hooks

  /** The window a new queue starts with (0: unlimited). */
  protected initialWindow(): number {
    return this.settings.window.window;
  }

  /** Whether the window moves after merges and failures. */
  protected windowMoves(): boolean {
    return false;
  }

  /** Whether changes share long-lived queues (all but independent). */
  protected sharesQueues(): boolean {
    return true;
  }

  /** Whether Depends-On and git parents are followed (enqueued ahead, checked before merging). */
  protected handlesDependencies(): boolean {
    return !this.settings.ignoreDependencies;
  }

  /**
   * Whether an item whose needed change is failing stops testing and waits
   * to be dequeued with it (dependent pipelines, where the needed change
   * will not merge); elsewhere the item just reports what its tests say.
   */
  protected stopsOnFailingNeeds(): boolean {
    return false;
  }

  /** The queue a change goes to, creating it if needed. */
  protected abstract queueFor(run: Run, change: Changeish, spec: QueueSpec, opts: AddOptions): ChangeQueue;

  /** Enqueues (or finds) one needed, open change ahead of the change needing it. */
  protected abstract enqueueNeed(run: Run, queue: ChangeQueue, needed: Change, opts: AddOptions): EnqueueAttempt;

  /** After an item entered a queue (the supercedent manager prunes there). */
  protected afterEnqueue(_run: Run, _queue: ChangeQueue, _item: QueueItem): void {}

  // ------------------------------------------------------------ pure entry points

  initialState(): PipelineState {
    return { name: this.settings.name, queues: [], consecutiveFailures: 0, disabled: false, queueSeq: 0 };
  }

  private begin(state: PipelineState, env: ManagerEnv): Run {
    return { settings: this.settings, state: cloneState(state), env, actions: [], enqueued: [] };
  }

  /** Enqueues a change (Zuul's addChange): with what it needs ahead of it, as one item with its cycle if allowed. */
  addChange(state: PipelineState, change: Changeish, env: ManagerEnv, opts: EnqueueOptions = {}): EnqueueOutcome {
    const run = this.begin(state, env);
    const r = this.add(run, change, {
      live: true,
      quiet: opts.quiet ?? false,
      ignoreRequirements: opts.ignoreRequirements ?? false,
      cause: opts.cause ?? 'enqueue',
      history: new Set(),
    });
    dropEmptyDynamicQueues(run);
    if (!r.ok && r.report && change.kind === 'change') {
      // Tell the change why it was not enqueued; there is no item, so report a transient one.
      const transient = this.newItem(run, [change], true, true, opts.cause ?? 'enqueue');
      run.actions.push({ type: 'report', pipeline: this.settings.name, itemId: transient.id, kind: 'failure', final: false, submit: false, item: transient, message: r.reason });
    }
    return { state: run.state, actions: run.actions, enqueued: run.enqueued, rejected: r.ok ? undefined : r.reason, waiting: r.waiting };
  }

  /**
   * Removes the live items holding a change that matches (a new patchset,
   * an abandoned change, a supersedence): their builds are cancelled and
   * items needing them leave at the next pass.
   */
  removeChanges(state: PipelineState, matches: (c: Changeish) => boolean, reason: string, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    for (const queue of [...run.state.queues]) {
      for (const item of [...queue.items]) {
        if (!item.live || !item.changes.some(matches)) continue;
        cancelBuilds(run, item);
        dequeue(run, queue, item, false, reason);
        run.actions.push({ type: 'report', pipeline: this.settings.name, itemId: item.id, kind: 'dequeue', final: false, submit: false, item: cloneItem(item), message: reason });
      }
    }
    dropEmptyDynamicQueues(run);
    return { state: run.state, actions: run.actions };
  }

  /**
   * Zuul's promote: the items holding `keys` move to the head of their
   * queue in that order, the others keep theirs behind them, and every
   * item of a reordered queue starts over (its builds are cancelled).
   */
  promote(state: PipelineState, keys: string[], env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    for (const queue of run.state.queues) {
      const chosen: QueueItem[] = [];
      for (const k of keys) {
        const item = queue.items.find((i) => i.live && i.changes.some((c) => c.key === k));
        if (item && !chosen.includes(item)) chosen.push(item);
      }
      if (chosen.length === 0) continue;
      queue.items = [...chosen, ...queue.items.filter((i) => !chosen.includes(i))];
      let ahead: QueueItem | null = null;
      for (const item of queue.items) {
        item.aheadId = ahead?.id ?? null;
        resetBuildSet(run, item);
        ahead = item;
      }
    }
    return { state: run.state, actions: run.actions };
  }

  /** One pass over every queue (Zuul's processQueue). Call again while it returns actions. */
  processQueue(state: PipelineState, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    const traits: ManagerTraits = { windowMoves: this.windowMoves(), handlesDependencies: this.handlesDependencies(), stopsOnFailingNeeds: this.stopsOnFailingNeeds() };
    for (const queue of [...run.state.queues]) processOneQueue(traits, run, queue);
    dropEmptyDynamicQueues(run);
    return { state: run.state, actions: run.actions };
  }

  /** The merger and job freezing finished for a build set (ignored when the item moved on meanwhile). */
  onPrepared(state: PipelineState, itemId: string, seq: number, result: PrepareResult, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    const item = findItemIn(run.state, itemId)?.item;
    if (!item || item.buildSet.seq !== seq || item.buildSet.state !== 'preparing') return { state, actions: [] };
    const bs = item.buildSet;
    if (result.ok) {
      bs.state = buildSetMachine.next(bs.state, 'prepared');
      bs.commits = result.commits;
      bs.files = result.files;
      bs.jobs = result.jobs;
      bs.updatesConfig = result.updatesConfig;
      bs.configChanges = result.configChanges;
      bs.failFast = result.failFast;
    } else {
      bs.state = buildSetMachine.next(bs.state, result.kind === 'merge-conflict' ? 'conflict' : 'config-error');
      bs.error = result.error;
      if (result.commits) bs.commits = result.commits;
    }
    return { state: run.state, actions: run.actions };
  }

  onBuildStarted(state: PipelineState, buildId: string, startTime: number, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    const found = findBuild(run.state, buildId);
    if (!found || !buildMachine.can(found.build.status, 'start')) return { state, actions: [] };
    found.build.status = buildMachine.next(found.build.status, 'start');
    found.build.startTime = startTime;
    return { state: run.state, actions: [] };
  }

  onBuildCompleted(state: PipelineState, buildId: string, c: BuildCompletion, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    const found = findBuild(run.state, buildId);
    if (!found || !buildMachine.can(found.build.status, 'finish')) return { state, actions: [] };
    const b = found.build;
    b.status = buildMachine.next(b.status, 'finish');
    b.result = c.result;
    b.endTime = c.endTime;
    if (c.startTime !== undefined) b.startTime = c.startTime;
    if (c.message) b.message = c.message;
    return { state: run.state, actions: [] };
  }

  /** The shell performed an item's final report (and the submit, if any): the item leaves its queue. */
  onReported(state: PipelineState, itemId: string, outcome: ReportOutcome, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    const found = findItemIn(run.state, itemId);
    if (!found) return { state, actions: [] };
    const { queue, item } = found;
    const merged = this.settings.changesMerge && outcome.merged;
    if (this.windowMoves()) {
      queue.window = merged ? increaseWindow(queue.window, this.settings.window) : decreaseWindow(queue.window, this.settings.window);
    }
    if (this.settings.changesMerge && !merged && item.failingReasons.length === 0) {
      item.failingReasons = [outcome.error ? `it did not merge: ${outcome.error}` : 'it did not merge'];
    }
    dequeue(run, queue, item, merged, merged ? 'merged' : 'reported');
    dropEmptyDynamicQueues(run);
    return { state: run.state, actions: run.actions };
  }

  // ------------------------------------------------------------ enqueue

  protected newItem(run: Run, changes: Changeish[], live: boolean, quiet: boolean, cause: string): QueueItem {
    const id = run.env.newId();
    return {
      id, state: itemMachine.spec.initial, changes: clone(changes), live, aheadId: null, enqueueTime: run.env.now, active: false, quiet,
      buildSet: newBuildSet(id, 0), failingReasons: [], cause,
    };
  }

  protected liveItemWith(state: PipelineState, key: string): QueueItem | undefined {
    for (const q of state.queues) for (const i of q.items) if (i.live && itemHas(i, key)) return i;
    return undefined;
  }

  protected sharedQueue(run: Run, spec: QueueSpec): ChangeQueue {
    let q = run.state.queues.find((x) => x.key === spec.key);
    if (!q) {
      q = { key: spec.key, name: spec.name, dynamic: false, allowCircularDependencies: spec.allowCircularDependencies, window: this.initialWindow(), items: [] };
      run.state.queues.push(q);
    }
    return q;
  }

  protected add(run: Run, change: Changeish, opts: AddOptions): EnqueueAttempt {
    if (opts.history.has(change.key)) return { ok: false, reason: `dependency loop through ${change.key}` };
    if (opts.live && this.liveItemWith(run.state, change.key)) return { ok: true };
    if (change.kind === 'change') {
      if (change.status !== 'NEW') return { ok: false, reason: `change ${change.number} is ${change.status.toLowerCase()}` };
      if (change.patchset !== change.currentPatchset) return { ok: false, reason: `${change.key} is not the current patchset of change ${change.number}` };
    }
    if (!opts.ignoreRequirements && !run.env.meetsRequirements(change)) {
      return { ok: false, waiting: !opts.live, reason: `${describe(change)} does not meet the requirements of pipeline ${this.settings.name}` };
    }
    const spec = run.env.queueFor(change.project, change.branch);
    // A dependency tested with a live change needs no jobs of its own in this pipeline.
    if (!spec && !(opts.queue && !opts.live)) return { ok: false, reason: `project ${change.project} has no jobs in pipeline ${this.settings.name}` };
    const allowCycles = spec ? spec.allowCircularDependencies : opts.queue!.allowCircularDependencies;
    const queueName = spec ? spec.name : opts.queue!.name;

    let bundle: Changeish[] = [change];
    if (change.kind === 'change' && this.handlesDependencies()) {
      const cycle = cycleOf(change, (n) => run.env.change(n));
      if (cycle.length > 1) {
        const names = cycle.map((c) => c.key).join(', ');
        if (!allowCycles) {
          return { ok: false, report: true, reason: `Dependency cycle detected (changes ${names}) and queue ${queueName} does not allow circular dependencies` };
        }
        for (const m of cycle) {
          const mspec = run.env.queueFor(m.project, m.branch);
          if (this.sharesQueues() && (!mspec || !spec || mspec.key !== spec.key)) {
            return { ok: false, report: true, reason: `Dependency cycle (changes ${names}) spans projects that do not share queue ${queueName}` };
          }
          if (m.number !== change.number && !opts.ignoreRequirements && !run.env.meetsRequirements(m)) {
            return { ok: false, waiting: true, reason: `change ${m.number} of the dependency cycle (${names}) does not meet the requirements of pipeline ${this.settings.name}` };
          }
        }
        bundle = cycle;
      }
    }

    const queue = opts.queue ?? this.queueFor(run, change, spec!, opts);
    const history = new Set(opts.history);
    for (const c of bundle) history.add(c.key);
    if (this.handlesDependencies()) {
      const inBundle = new Set(bundle.map((c) => (c.kind === 'change' ? c.number : -1)));
      for (const c of bundle) {
        if (c.kind !== 'change') continue;
        for (const need of c.needs) {
          if (inBundle.has(need.number)) continue;
          const needed = run.env.change(need.number);
          if (!needed) return { ok: false, reason: `${c.key} needs change ${need.number}, which does not exist` };
          if (needed.status === 'MERGED') continue;
          if (needed.status === 'ABANDONED') return { ok: false, reason: `${c.key} needs change ${need.number}, which is abandoned` };
          if (need.patchset !== null && need.patchset !== needed.currentPatchset) {
            return { ok: false, waiting: true, reason: `${c.key} needs patchset ${need.patchset} of change ${need.number}, which is outdated` };
          }
          const r = this.enqueueNeed(run, queue, needed, { ...opts, history });
          if (!r.ok) return { ok: false, waiting: r.waiting ?? true, reason: r.reason };
        }
      }
    }
    if (bundle.some((c) => queue.items.some((i) => itemHas(i, c.key)))) return { ok: true };

    const item = this.newItem(run, bundle, opts.live, opts.quiet, opts.cause);
    const last = queue.items[queue.items.length - 1];
    item.aheadId = last ? last.id : null;
    queue.items.push(item);
    run.enqueued.push(...bundle);
    if (opts.live && !opts.quiet) {
      run.actions.push({ type: 'report', pipeline: this.settings.name, itemId: item.id, kind: 'enqueue', final: false, submit: false, item: cloneItem(item) });
    }
    this.afterEnqueue(run, queue, item);
    return { ok: true };
  }


  // ------------------------------------------------------------ lookups

  findItem(state: PipelineState, itemId: string): { queue: ChangeQueue; item: QueueItem } | undefined {
    return findItemIn(state, itemId);
  }
}
