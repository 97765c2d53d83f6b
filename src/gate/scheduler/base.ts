// The pipeline manager base (Zuul's PipelineManager): how a change enters a
// pipeline, and one pass over its queues deciding, for every item, whether
// it is tested on the right base, what to prepare, which builds to start,
// cancel or skip, and when it reports. Pure: every entry point takes a
// state and returns a new state and the actions for the imperative shell;
// the input state is never modified.
//
// Each manager (independent, dependent, serial, supercedent) is a subclass
// overriding a few hooks: which queue a change goes to, how its
// dependencies are handled, and the window.

import type { BuildResult, Change, ChangeQueue, Changeish, PipelineState, QueueItem } from '../model.js';
import {
  activeBuilds, areAllJobsComplete, didAllJobsSucceed, didAnyJobFail, holdsFollowingChanges, jobsToRun, newBuildSet,
  syntheticBuild,
} from './build-set.js';
import { cycleOf } from './dependencies.js';
import type {
  Action, BuildCompletion, EnqueueOptions, EnqueueOutcome, ManagerEnv, ManagerName, Outcome, PipelineSettings,
  PrepareResult, QueueSpec, ReportKind, ReportOutcome,
} from './types.js';
import { decreaseWindow, increaseWindow, isActionable } from './window.js';
import { buildMachine, buildSetMachine, itemMachine } from '../machines.js';
import { dequeueItem, settleItem } from './item-state.js';

/** One call's working context: the draft state (a private copy), the environment and the actions so far. */
export interface Run {
  state: PipelineState;
  env: ManagerEnv;
  actions: Action[];
  enqueued: Changeish[];
}

export interface EnqueueAttempt {
  ok: boolean;
  reason?: string;
  /** Not an error: a dependency is not in the queue yet (or must merge first). */
  waiting?: boolean;
  /** Tell the change why (an unallowed cycle). */
  report?: boolean;
}

export interface AddOptions {
  live: boolean;
  quiet: boolean;
  ignoreRequirements: boolean;
  cause: string;
  /** The queue to use (needed changes go into the queue of the change that needs them). */
  queue?: ChangeQueue;
  /** Change keys being enqueued up the call chain (a guard against loops). */
  history: Set<string>;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * A copy of an item deep enough for the core to change it: the item, its
 * build set and its builds. The rest (changes, frozen jobs, commits, files)
 * is never modified once made, so copies share it.
 */
export function cloneItem(item: QueueItem): QueueItem {
  const bs = item.buildSet;
  const builds: Record<string, QueueItem['buildSet']['builds'][string]> = {};
  for (const k in bs.builds) builds[k] = { ...bs.builds[k]! };
  return { ...item, buildSet: { ...bs, builds } };
}

/** A private copy of a pipeline state for one call of the core (see cloneItem). */
export function cloneState(state: PipelineState): PipelineState {
  return {
    ...state,
    queues: state.queues.map((q) => ({ ...q, items: q.items.map(cloneItem) })),
    ...(state.waiting ? { waiting: [...state.waiting] } : {}),
  };
}

export function itemHas(item: QueueItem, key: string): boolean {
  return item.changes.some((c) => c.key === key);
}

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
    return { state: cloneState(state), env, actions: [], enqueued: [] };
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
    this.dropEmptyDynamicQueues(run);
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
        this.cancelBuilds(run, item);
        this.dequeue(run, queue, item, false, reason);
        run.actions.push({ type: 'report', pipeline: this.settings.name, itemId: item.id, kind: 'dequeue', final: false, submit: false, item: cloneItem(item), message: reason });
      }
    }
    this.dropEmptyDynamicQueues(run);
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
        this.resetBuildSet(run, item);
        ahead = item;
      }
    }
    return { state: run.state, actions: run.actions };
  }

  /** One pass over every queue (Zuul's processQueue). Call again while it returns actions. */
  processQueue(state: PipelineState, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    for (const queue of [...run.state.queues]) this.processOneQueue(run, queue);
    this.dropEmptyDynamicQueues(run);
    return { state: run.state, actions: run.actions };
  }

  /** The merger and job freezing finished for a build set (ignored when the item moved on meanwhile). */
  onPrepared(state: PipelineState, itemId: string, seq: number, result: PrepareResult, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    const item = this.findItem(run.state, itemId)?.item;
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
    const found = this.findBuild(run.state, buildId);
    if (!found || found.build.status !== 'queued') return { state, actions: [] };
    found.build.status = buildMachine.next(found.build.status, 'start');
    found.build.startTime = startTime;
    return { state: run.state, actions: [] };
  }

  onBuildCompleted(state: PipelineState, buildId: string, c: BuildCompletion, env: ManagerEnv): Outcome {
    const run = this.begin(state, env);
    const found = this.findBuild(run.state, buildId);
    if (!found || found.build.status === 'completed') return { state, actions: [] };
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
    const found = this.findItem(run.state, itemId);
    if (!found) return { state, actions: [] };
    const { queue, item } = found;
    const merged = this.settings.changesMerge && outcome.merged;
    if (this.windowMoves()) {
      queue.window = merged ? increaseWindow(queue.window, this.settings.window) : decreaseWindow(queue.window, this.settings.window);
    }
    if (this.settings.changesMerge && !merged && item.failingReasons.length === 0) {
      item.failingReasons = [outcome.error ? `it did not merge: ${outcome.error}` : 'it did not merge'];
    }
    this.dequeue(run, queue, item, merged, merged ? 'merged' : 'reported');
    this.dropEmptyDynamicQueues(run);
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

  // ------------------------------------------------------------ the pass

  private processOneQueue(run: Run, queue: ChangeQueue): void {
    let nnfi: QueueItem | null = null;
    const failing = new Set<string>();
    const byId = new Map(queue.items.map((i) => [i.id, i]));
    let index = 0;
    for (const item of [...queue.items]) {
      if (!byId.has(item.id)) continue;
      const r = this.processItem(run, queue, item, index, nnfi, failing, byId);
      if (r === 'stop') return;
      if (r.stayed) index++;
      nnfi = r.nnfi;
    }
  }

  private processItem(
    run: Run, queue: ChangeQueue, item: QueueItem, index: number, nnfi: QueueItem | null, failing: Set<string>,
    byId: Map<string, QueueItem>,
  ): 'stop' | { nnfi: QueueItem | null; stayed: boolean } {
    const reasons: string[] = [];
    if (this.handlesDependencies()) {
      const problem = this.unmergeableNeed(queue, item, index, run.env);
      if (problem) {
        this.cancelBuilds(run, item);
        item.dequeuedNeedingChange = problem;
        item.failingReasons = [`it needs a change that can no longer merge: ${problem}`];
        this.dequeue(run, queue, item, false, `a needed change cannot merge: ${problem}`, byId);
        if (item.live) {
          this.countReport(run, 'failure');
          if (this.windowMoves()) queue.window = decreaseWindow(queue.window, this.settings.window);
          run.actions.push({
            type: 'report', pipeline: this.settings.name, itemId: item.id, kind: run.state.disabled ? 'disabled' : 'failure', final: false,
            submit: false, item: cloneItem(item), message: `This change depends on a change that failed to merge: ${problem}.`,
          });
        }
        return { nnfi, stayed: false };
      }
    }

    let ahead = item.aheadId ? byId.get(item.aheadId) ?? null : null;
    const actionable = isActionable(queue.window, index);
    item.active = actionable;

    if (this.handlesDependencies() && this.stopsOnFailingNeeds() && this.needsFailingItem(queue, item, index, failing)) {
      reasons.push('a needed change is failing');
      this.cancelBuilds(run, item);
    } else {
      const effectiveAhead = ahead && ahead.live ? ahead : null;
      if ((effectiveAhead?.id ?? null) !== (nnfi?.id ?? null) && !(ahead && !ahead.live)) {
        // Something ahead failed: test on the nearest non-failing item instead.
        item.aheadId = nnfi ? nnfi.id : null;
        ahead = nnfi;
      }
      const base = ahead ? ahead.buildSet.id : null;
      if (item.buildSet.state !== 'new' && item.buildSet.aheadBuildSet !== base) this.resetBuildSet(run, item);
      if (actionable) this.advance(run, queue, item, ahead, byId);
      if (item.buildSet.state === 'merge-conflict') reasons.push('it has a merge conflict');
      if (item.buildSet.state === 'config-error') reasons.push('it has a configuration error');
    }
    if (didAnyJobFail(item)) reasons.push('at least one job failed');

    if (!item.live && !queue.items.some((i) => i.aheadId === item.id)) {
      this.dequeue(run, queue, item, false, 'a non-live item with no items behind', byId);
      return { nnfi, stayed: false };
    }
    item.failingReasons = reasons;
    settleItem(item);
    const liveAhead = ahead && ahead.live ? ahead : null;
    if (!liveAhead && item.live && areAllJobsComplete(item)) {
      this.finalReport(run, item);
      return 'stop';
    }
    if (reasons.length) failing.add(item.id);
    else if (item.live) nnfi = item;
    return { nnfi, stayed: true };
  }

  /** Prepare the build set, then start (or skip) jobs, within the window. */
  private advance(run: Run, queue: ChangeQueue, item: QueueItem, ahead: QueueItem | null, byId: Map<string, QueueItem>): void {
    const bs = item.buildSet;
    if (bs.state === 'new') {
      if (ahead && ahead.buildSet.state === 'merge-conflict') {
        // A change this one is tested with (a dependency ahead) does not merge, so neither does this state.
        bs.state = buildSetMachine.next(bs.state, 'ahead-conflict');
        bs.aheadBuildSet = ahead.buildSet.id;
        bs.error = `a change ahead of it (${ahead.changes.map((c) => c.key).join(', ')}) cannot be merged: ${ahead.buildSet.error ?? 'merge conflict'}`;
        return;
      }
      const aheadReady = !ahead || ahead.buildSet.state === 'ready' || (ahead.buildSet.state === 'config-error' && !ahead.live);
      if (!aheadReady) return;
      bs.state = buildSetMachine.next(bs.state, 'prepare');
      bs.aheadBuildSet = ahead ? ahead.buildSet.id : null;
      bs.changes = [...(ahead ? ahead.buildSet.changes : []), ...item.changes.map((c) => c.key)];
      run.actions.push({
        type: 'prepare', pipeline: this.settings.name, itemId: item.id, buildSet: bs.id, seq: bs.seq, live: item.live,
        changes: clone(item.changes),
        ahead: ahead
          ? {
            buildSet: ahead.buildSet.id, commits: clone(ahead.buildSet.commits), changes: [...ahead.buildSet.changes],
            updatesConfig: ahead.buildSet.updatesConfig, configChanges: clone(ahead.buildSet.configChanges),
          }
          : null,
      });
      return;
    }
    if (bs.state !== 'ready' || !item.live) return;
    if (bs.failFast && didAnyJobFail(item)) {
      for (const b of activeBuilds(bs)) this.cancelBuild(run, item, b.id, 'fail-fast: another job failed');
      for (const job of bs.jobs) {
        if (!bs.builds[job.uid]) bs.builds[job.uid] = syntheticBuild(run.env.newId(), job, 'SKIPPED', run.env.now, 'fail-fast: another job failed');
      }
      return;
    }
    for (;;) {
      const { run: ready, skip } = jobsToRun(bs);
      for (const s of skip) bs.builds[s.job.uid] = syntheticBuild(run.env.newId(), s.job, 'SKIPPED', run.env.now, s.reason);
      if (skip.length > 0) continue;
      if (ready.length === 0) return;
      if (this.aheadHolds(ahead, byId)) return;
      for (const job of ready) {
        const build = {
          id: run.env.newId(), job: job.uid, name: job.name, status: buildMachine.spec.initial, result: null, voting: job.voting,
          launchTime: run.env.now, startTime: null, endTime: null,
        };
        bs.builds[job.uid] = build;
        run.actions.push({ type: 'launch', pipeline: this.settings.name, itemId: item.id, buildSet: bs.id, build: clone(build), job: clone(job) });
      }
      if (!item.startReported && !item.quiet) {
        item.startReported = true;
        run.actions.push({ type: 'report', pipeline: this.settings.name, itemId: item.id, kind: 'start', final: false, submit: false, item: cloneItem(item) });
      }
      return;
    }
  }

  private aheadHolds(ahead: QueueItem | null, byId: Map<string, QueueItem>): boolean {
    for (let a = ahead; a; a = a.aheadId ? byId.get(a.aheadId) ?? null : null) if (holdsFollowingChanges(a)) return true;
    return false;
  }

  /** A need of the item that is neither merged nor ahead of it in the queue: the item cannot merge any more. */
  private unmergeableNeed(queue: ChangeQueue, item: QueueItem, index: number, env: ManagerEnv): string | null {
    const inItem = new Set(item.changes.map((c) => (c.kind === 'change' ? c.number : -1)));
    let aheadKeys: Set<string> | undefined;
    for (const c of item.changes) {
      if (c.kind !== 'change') continue;
      for (const need of c.needs) {
        if (inItem.has(need.number)) continue;
        const needed = env.change(need.number);
        if (!needed) return `change ${need.number} does not exist`;
        if (needed.status === 'MERGED') continue;
        if (needed.status === 'ABANDONED') return `change ${need.number} was abandoned`;
        if (need.patchset !== null && need.patchset !== needed.currentPatchset) return `patchset ${need.patchset} of change ${need.number} is outdated`;
        aheadKeys ??= new Set(queue.items.slice(0, index).flatMap((i) => i.changes.map((x) => x.key)));
        if (!aheadKeys.has(needed.key)) return `change ${needed.key} is neither merged nor ahead of it in the queue`;
      }
    }
    return null;
  }

  private needsFailingItem(queue: ChangeQueue, item: QueueItem, index: number, failing: Set<string>): boolean {
    if (failing.size === 0) return false;
    const needed = new Set(item.changes.flatMap((c) => (c.kind === 'change' ? c.needs.map((n) => n.number) : [])));
    if (needed.size === 0) return false;
    for (const other of queue.items.slice(0, index)) {
      if (!failing.has(other.id)) continue;
      if (other.changes.some((c) => c.kind === 'change' && needed.has(c.number))) return true;
    }
    return false;
  }

  private finalReport(run: Run, item: QueueItem): void {
    const bs = item.buildSet;
    let kind: ReportKind;
    if (bs.state === 'merge-conflict') kind = 'merge-conflict';
    else if (bs.state === 'config-error') kind = 'config-error';
    else if (bs.jobs.length === 0) kind = 'no-jobs';
    else if (didAllJobsSucceed(item)) kind = 'success';
    else kind = 'failure';
    const wasDisabled = run.state.disabled;
    this.countReport(run, kind);
    run.actions.push({
      type: 'report', pipeline: this.settings.name, itemId: item.id, kind: wasDisabled ? 'disabled' : kind, final: true,
      submit: kind === 'success' && this.settings.changesMerge && !wasDisabled, item: cloneItem(item),
    });
  }

  /** Zuul's consecutive-failure accounting: a success resets it; enough failures disable the pipeline. */
  private countReport(run: Run, kind: ReportKind): void {
    if (kind === 'success') run.state.consecutiveFailures = 0;
    else if (kind === 'failure' || kind === 'merge-conflict' || kind === 'config-error') run.state.consecutiveFailures++;
    const limit = this.settings.disableAfterConsecutiveFailures;
    if (limit !== null && !run.state.disabled && run.state.consecutiveFailures >= limit) run.state.disabled = true;
  }

  // ------------------------------------------------------------ queue edits

  protected cancelBuild(run: Run, item: QueueItem, buildId: string, message: string): void {
    const b = Object.values(item.buildSet.builds).find((x) => x.id === buildId);
    if (!b || b.status === 'completed') return;
    b.status = buildMachine.next(b.status, 'finish');
    b.result = 'ABORTED' satisfies BuildResult;
    b.endTime = run.env.now;
    b.message = message;
    run.actions.push({ type: 'cancel', pipeline: this.settings.name, itemId: item.id, buildId, item: cloneItem(item) });
  }

  protected cancelBuilds(run: Run, item: QueueItem): void {
    for (const b of activeBuilds(item.buildSet)) this.cancelBuild(run, item, b.id, 'cancelled');
  }

  /** Its base changed: cancel what runs and start over with a new build set. */
  protected resetBuildSet(run: Run, item: QueueItem): void {
    this.cancelBuilds(run, item);
    item.buildSet = newBuildSet(item.id, item.buildSet.seq + 1);
  }

  /**
   * Removes an item. Items behind it move onto its own base. When it merged,
   * their state stays valid (what they were tested on is now the branch);
   * otherwise their build sets no longer match their base and are reset at
   * the next pass.
   */
  protected dequeue(run: Run, queue: ChangeQueue, item: QueueItem, merged: boolean, reason: string, byId?: Map<string, QueueItem>): void {
    const at = queue.items.indexOf(item);
    if (at === -1) return;
    queue.items.splice(at, 1);
    byId?.delete(item.id);
    dequeueItem(item);
    for (const behind of queue.items) {
      if (behind.aheadId !== item.id) continue;
      behind.aheadId = item.aheadId;
      if (merged && behind.buildSet.aheadBuildSet === item.buildSet.id) behind.buildSet.aheadBuildSet = item.buildSet.aheadBuildSet;
    }
    run.actions.push({ type: 'dequeued', pipeline: this.settings.name, item: cloneItem(item), merged, reason });
  }

  private dropEmptyDynamicQueues(run: Run): void {
    run.state.queues = run.state.queues.filter((q) => !q.dynamic || q.items.length > 0);
  }

  // ------------------------------------------------------------ lookups

  findItem(state: PipelineState, itemId: string): { queue: ChangeQueue; item: QueueItem } | undefined {
    for (const queue of state.queues) {
      const item = queue.items.find((i) => i.id === itemId);
      if (item) return { queue, item };
    }
    return undefined;
  }

  private findBuild(state: PipelineState, buildId: string) {
    for (const queue of state.queues) {
      for (const item of queue.items) {
        for (const build of Object.values(item.buildSet.builds)) if (build.id === buildId) return { queue, item, build };
      }
    }
    return undefined;
  }
}

export function describe(c: Changeish): string {
  return c.kind === 'change' ? `change ${c.key}` : `${c.project} ${c.ref}`;
}
