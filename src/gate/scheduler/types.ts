// The vocabulary between the scheduler's pure core (the pipeline managers)
// and its imperative shell: what the core is given (settings, environment)
// and what it asks the shell to do (actions).

import type {
  Build, BuildResult, Change, Changeish, ConfigChange, FrozenJob, PipelineState, QueueItem, WindowSettings,
} from '../model.js';

export type ManagerName = 'independent' | 'dependent' | 'serial' | 'supercedent';
export type Precedence = 'high' | 'normal' | 'low';

/** What a manager needs to know of its pipeline's configuration. */
export interface PipelineSettings {
  name: string;
  manager: ManagerName;
  precedence: Precedence;
  dequeueOnNewPatchset: boolean;
  ignoreDependencies: boolean;
  window: WindowSettings;
  /** A success reporter submits: items merge when they report. */
  changesMerge: boolean;
  /** Disable the pipeline after this many consecutive failures (null: never). */
  disableAfterConsecutiveFailures: number | null;
}

/** The change queue a project-branch belongs to in a pipeline. */
export interface QueueSpec {
  /** Key within the pipeline (the queue name, plus `@branch` for a per-branch queue). */
  key: string;
  name: string;
  allowCircularDependencies: boolean;
}

/** What the core may ask about the world, all pure lookups. */
export interface ManagerEnv {
  now: number;
  /** The review source's current view of a change, or undefined when unknown. */
  change(number: number): Change | undefined;
  /** The queue a project-branch takes in this pipeline; null when the project has no jobs config in it. */
  queueFor(project: string, branch: string | null): QueueSpec | null;
  /** The pipeline's `require` / `reject` on a change. */
  meetsRequirements(change: Changeish): boolean;
  newId(): string;
}

export type ReportKind =
  | 'enqueue' | 'start' | 'success' | 'failure' | 'merge-conflict' | 'config-error' | 'no-jobs' | 'dequeue' | 'disabled';

export interface PrepareAction {
  type: 'prepare';
  pipeline: string;
  itemId: string;
  buildSet: string;
  seq: number;
  live: boolean;
  /** The item's own changes, merged in this order. */
  changes: Changeish[];
  /** The state to merge onto: the item ahead's frozen state (null: the branch tips). */
  ahead: { buildSet: string; commits: Record<string, Record<string, string>>; changes: string[]; updatesConfig: boolean; configChanges: ConfigChange[] } | null;
}

export interface LaunchAction {
  type: 'launch';
  pipeline: string;
  itemId: string;
  buildSet: string;
  build: Build;
  job: FrozenJob;
}

export interface CancelAction {
  type: 'cancel';
  pipeline: string;
  itemId: string;
  buildId: string;
  /** The item as the build was cancelled (the build marked ABORTED), for the record. */
  item: QueueItem;
}

export interface ReportAction {
  type: 'report';
  pipeline: string;
  itemId: string;
  kind: ReportKind;
  /** The item's final report: the shell must answer with onReported (merged or not). */
  final: boolean;
  /** Success reporters submit: merge the item's changes. */
  submit: boolean;
  /** The item as it reports (a copy). */
  item: QueueItem;
  /** A reason to include (why it was dequeued, why it could not be enqueued). */
  message?: string;
}

/** An item left its queue (reported, superseded, abandoned…): the shell records it and frees its resources. */
export interface DequeuedAction {
  type: 'dequeued';
  pipeline: string;
  item: QueueItem;
  merged: boolean;
  reason: string;
}

export type Action = PrepareAction | LaunchAction | CancelAction | ReportAction | DequeuedAction;

export interface Outcome {
  state: PipelineState;
  actions: Action[];
}

export interface EnqueueOutcome extends Outcome {
  /** The changes newly enqueued (live or not), in enqueue order. */
  enqueued: Changeish[];
  /** Why the change was not enqueued (undefined when it was, or already was). */
  rejected?: string;
  /** The change is waiting for a dependency to enter the queue or merge (not an error). */
  waiting?: boolean;
}

export interface EnqueueOptions {
  quiet?: boolean;
  ignoreRequirements?: boolean;
  /** What enqueued it, for the status page. */
  cause?: string;
}

export type PrepareResult =
  | {
    ok: true;
    commits: Record<string, Record<string, string>>;
    files: string[];
    jobs: FrozenJob[];
    updatesConfig: boolean;
    configChanges: ConfigChange[];
    failFast: boolean;
  }
  | { ok: false; kind: 'merge-conflict' | 'config-error'; error: string; commits?: Record<string, Record<string, string>> };

export interface BuildCompletion {
  result: BuildResult;
  endTime: number;
  startTime?: number | null;
  message?: string;
}

export interface ReportOutcome {
  /** For a final report in a merging pipeline: the changes were merged. */
  merged: boolean;
  /** Why the submit failed. */
  error?: string;
}
