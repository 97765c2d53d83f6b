// A discrete-event driver for a pipeline manager, with no git and no
// processes: prepares succeed (or conflict) after a merge time, builds end
// after a job time with the result an outcome function decides, reports
// happen at once and submits succeed. The property tests use it to check
// the queue algorithm against random outcomes; bench/gate-throughput uses
// its clock to compare speculative gating with serial gating.

import type { BuildResult, Change, ChangeNeed, FrozenJob, PipelineState, QueueItem } from '../model.js';
import { changeKey, changeRef } from '../model.js';
import { changeMachine } from '../machines.js';
import type { PipelineManager } from './base.js';
import { createManager } from './managers.js';
import type { Action, ManagerEnv, ManagerName, PipelineSettings, QueueSpec, ReportKind } from './types.js';
import { DEFAULT_WINDOW } from './window.js';

export function settings(name: string, manager: ManagerName, over: Partial<PipelineSettings> = {}): PipelineSettings {
  return {
    name,
    manager,
    precedence: 'normal',
    dequeueOnNewPatchset: true,
    ignoreDependencies: false,
    window: { ...DEFAULT_WINDOW },
    changesMerge: manager === 'dependent',
    disableAfterConsecutiveFailures: null,
    ...over,
  };
}

export function makeChange(number: number, over: Partial<Change> = {}): Change {
  const patchset = over.patchset ?? 1;
  return {
    kind: 'change',
    key: changeKey(number, patchset),
    number,
    patchset,
    project: 'org/a',
    branch: 'main',
    ref: changeRef(number, patchset),
    commit: `c${number}p${patchset}`.padEnd(40, '0'),
    parents: [],
    message: `change ${number}`,
    subject: `change ${number}`,
    topic: null,
    url: `http://strata/gate/changes/${number}`,
    status: 'NEW',
    currentPatchset: patchset,
    owner: { username: 'dev' },
    approvals: [],
    needs: [],
    createdOn: 0,
    ...over,
  };
}

export function dependsOn(...numbers: number[]): ChangeNeed[] {
  return numbers.map((n) => ({ number: n, patchset: null, via: 'depends-on' as const }));
}

export function makeJob(name: string, change: string, over: Partial<FrozenJob> = {}): FrozenJob {
  return {
    uid: name, name, change, project: 'org/a', branch: 'main', dependencies: [], voting: true, holdFollowingChanges: false,
    timeout: null, postTimeout: null, attempts: 3, preRun: [], run: ['true'], postRun: [], cleanupRun: [], vars: {},
    requiredProjects: [], runtime: 'process', ...over,
  };
}

export interface Report {
  itemId: string;
  kind: ReportKind;
  final: boolean;
  changes: string[];
  /** The speculative state the item was tested on. */
  testedOn: string[];
  message?: string;
  time: number;
}

export interface SimOptions {
  manager?: ManagerName;
  settings?: Partial<PipelineSettings>;
  /** Jobs of a change (default: one job `test`). */
  jobs?(change: Change): FrozenJob[];
  /** The result of a job run on a speculative state (change keys, own last). */
  outcome?(job: FrozenJob, changes: string[], rng: () => number): BuildResult;
  /** Change keys whose merge conflicts with their base. */
  conflicts?: Set<string>;
  /** How long a build takes: a number, or drawn per build. */
  jobTime?: number | ((rng: () => number) => number);
  mergeTime?: number;
  /** Queue spec for a project (default: one shared queue `integrated`). */
  queueFor?(project: string, branch: string | null): QueueSpec | null;
  meetsRequirements?(change: Change): boolean;
  seed?: number;
}

/** Mulberry32: a small seeded generator, so runs are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  at: number;
  seq: number;
  run(): void;
}

export class Simulation {
  readonly manager: PipelineManager;
  state: PipelineState;
  now = 0;
  readonly changes = new Map<number, Change>();
  readonly reports: Report[] = [];
  /**
   * Change keys in the order they merged, with the queue items each was
   * tested with (`testedOn`) and the whole tree it was tested on (`state`:
   * the branch as it was when prepared, plus the items). `exact` says the
   * tested tree is the tree that merged.
   */
  readonly merged: Array<{ change: string; testedOn: string[]; state: string[]; exact: boolean; time: number }> = [];
  /** The branch: merged change keys, in order. */
  readonly branch: string[] = [];
  readonly launches: Array<{ job: string; changes: string[]; time: number; itemId: string }> = [];
  readonly cancels: string[] = [];
  readonly rng: () => number;
  /** Changes that got a negative verdict. */
  readonly voted = new Set<string>();
  private ids = 0;
  private seq = 0;
  private pending: Pending[] = [];
  private readonly opts: SimOptions;

  constructor(opts: SimOptions = {}) {
    this.opts = opts;
    this.manager = createManager(settings('gate', opts.manager ?? 'dependent', opts.settings));
    this.state = this.manager.initialState();
    this.rng = seeded(opts.seed ?? 1);
  }

  env(): ManagerEnv {
    return {
      now: this.now,
      change: (n) => this.changes.get(n),
      queueFor: this.opts.queueFor ?? (() => ({ key: 'integrated', name: 'integrated', allowCircularDependencies: false })),
      // A change reported as failing no longer meets a gate's requirements (the reporter voted Verified -2).
      meetsRequirements: (c) => c.kind !== 'change' || (!this.voted.has(c.key) && (this.opts.meetsRequirements?.(c) ?? true)),
      newId: () => `id${++this.ids}`,
    };
  }

  addChange(change: Change): ReturnType<PipelineManager['addChange']> {
    this.changes.set(change.number, change);
    const out = this.manager.addChange(this.state, change, this.env(), { cause: 'test' });
    this.state = out.state;
    this.execute(out.actions);
    this.settle();
    return out;
  }

  /** Upload a new patchset (dequeue-on-new-patchset) or abandon: the shell's job, done as the shell does it. */
  updateChange(change: Change, reason: string): void {
    this.changes.set(change.number, change);
    const out = this.manager.removeChanges(this.state, (c) => c.kind === 'change' && c.number === change.number && c.key !== change.key, reason, this.env());
    this.state = out.state;
    this.execute(out.actions);
    this.settle();
  }

  abandon(number: number): void {
    const c = this.changes.get(number)!;
    this.changes.set(number, { ...c, status: changeMachine.next(c.status, 'abandon') });
    const out = this.manager.removeChanges(this.state, (x) => x.kind === 'change' && x.number === number, `change ${number} abandoned`, this.env());
    this.state = out.state;
    this.execute(out.actions);
    this.settle();
  }

  /** Zuul's promote, as an admin asks for it. */
  promote(keys: string[]): void {
    const out = this.manager.promote(this.state, keys, this.env());
    this.state = out.state;
    this.execute(out.actions);
    this.settle();
  }

  /** Runs the manager until it asks for nothing more at this instant. */
  settle(): void {
    for (let i = 0; i < 100_000; i++) {
      const out = this.manager.processQueue(this.state, this.env());
      this.state = out.state;
      if (out.actions.length > 0) {
        this.execute(out.actions);
        continue;
      }
      // Events due now (zero-time merges) are part of this instant.
      const due = this.pending.filter((p) => p.at <= this.now).sort((x, y) => x.seq - y.seq);
      if (due.length === 0) return;
      this.pending = this.pending.filter((p) => p.at > this.now);
      for (const p of due) p.run();
    }
    throw new Error('the scheduler did not settle');
  }

  private at(delay: number, run: () => void): void {
    this.pending.push({ at: this.now + delay, seq: this.seq++, run });
  }

  private execute(actions: Action[]): void {
    for (const a of actions) {
      if (a.type === 'prepare') {
        this.at(this.opts.mergeTime ?? 0, () => {
          // The merger starts from the ahead item's frozen tree, or from the branch as it is now.
          const base = a.ahead ? (a.ahead.commits['org/a']?.main ?? '').split('+').filter(Boolean) : [...this.branch];
          const tree = [...base, ...a.changes.map((c) => c.key)];
          const conflict = a.changes.some((c) => this.opts.conflicts?.has(c.key));
          const result = conflict
            ? { ok: false as const, kind: 'merge-conflict' as const, error: 'Merge Failed' }
            : {
              ok: true as const,
              commits: { 'org/a': { main: tree.join('+') } },
              files: [],
              jobs: a.changes.flatMap((c) => (c.kind === 'change' && this.opts.jobs ? this.opts.jobs(c) : [makeJob('test', c.key)])),
              updatesConfig: false,
              configChanges: [],
              failFast: false,
            };
          this.state = this.manager.onPrepared(this.state, a.itemId, a.seq, result, this.env()).state;
        });
      } else if (a.type === 'launch') {
        const item = this.manager.findItem(this.state, a.itemId)?.item;
        const changes = item ? item.buildSet.changes : [];
        this.launches.push({ job: a.job.uid, changes: [...changes], time: this.now, itemId: a.itemId });
        const result = this.opts.outcome?.(a.job, changes, this.rng) ?? 'SUCCESS';
        this.state = this.manager.onBuildStarted(this.state, a.build.id, this.now, this.env()).state;
        const jt = this.opts.jobTime;
        this.at(typeof jt === 'function' ? jt(this.rng) : jt ?? 1, () => {
          this.state = this.manager.onBuildCompleted(this.state, a.build.id, { result, endTime: this.now }, this.env()).state;
        });
      } else if (a.type === 'cancel') {
        this.cancels.push(a.buildId);
      } else if (a.type === 'report') {
        const keys = a.item.changes.map((c) => c.key);
        this.reports.push({ itemId: a.itemId, kind: a.kind, final: a.final, changes: keys, testedOn: [...a.item.buildSet.changes], message: a.message, time: this.now });
        if ((a.final && a.kind !== 'success') || a.kind === 'failure') for (const k of keys) this.voted.add(k);
        if (a.final) {
          if (a.submit) {
            const state = (a.item.buildSet.commits['org/a']?.main ?? '').split('+').filter(Boolean);
            const exact = JSON.stringify(state) === JSON.stringify([...this.branch, ...keys]);
            for (const k of keys) {
              this.branch.push(k);
              this.merged.push({ change: k, testedOn: [...a.item.buildSet.changes], state, exact, time: this.now });
              const c = [...this.changes.values()].find((x) => x.key === k);
              if (c) this.changes.set(c.number, { ...c, status: changeMachine.next(c.status, 'merge') });
            }
          }
          this.state = this.manager.onReported(this.state, a.itemId, { merged: a.submit }, this.env()).state;
        }
      }
    }
  }

  /** Advances the clock to the next event(s) and applies them; false when nothing is pending. */
  step(): boolean {
    if (this.pending.length === 0) return false;
    this.pending.sort((x, y) => x.at - y.at || x.seq - y.seq);
    const next = this.pending[0]!.at;
    this.now = next;
    while (this.pending.length && this.pending[0]!.at === next) this.pending.shift()!.run();
    this.settle();
    return true;
  }

  runToEnd(maxSteps = 1_000_000): void {
    this.settle();
    for (let i = 0; i < maxSteps; i++) if (!this.step()) return;
    throw new Error('the simulation did not end');
  }

  items(): QueueItem[] {
    return this.state.queues.flatMap((q) => q.items);
  }

  finalReports(): Report[] {
    return this.reports.filter((r) => r.final || r.kind === 'failure');
  }
}
