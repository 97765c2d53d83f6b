// The gate's domain model, in Zuul's vocabulary (zuul/model.py): a change
// (or a ref update) is enqueued as a queue item into a change queue of a
// pipeline; each item has a build set (its speculative repository state, its
// frozen job graph and the builds of those jobs); a build is one run of one
// job. Everything here is plain, JSON-serialisable data: the scheduler's
// pure core computes over it and the store persists it as is.

/** Results a build can end with (Zuul's names). */
export const BUILD_RESULTS = [
  'SUCCESS', 'FAILURE', 'ABORTED', 'SKIPPED', 'TIMED_OUT', 'RETRY_LIMIT', 'POST_FAILURE', 'ERROR',
] as const;
export type BuildResult = (typeof BUILD_RESULTS)[number];

export type ChangeStatus = 'NEW' | 'MERGED' | 'ABANDONED';

export interface Account {
  username: string;
  name?: string;
  email?: string;
}

/** A vote on a change's current patchset (Gerrit's approval). */
export interface Approval {
  /** The label: Code-Review, Workflow, Verified… */
  type: string;
  value: number;
  by: Account;
  /** Epoch ms. */
  grantedOn: number;
}

/** What a change needs before it can merge: another change, at its current patchset or at a given one (a git parent). */
export interface ChangeNeed {
  number: number;
  /** Set for a git-parent dependency: the parent commit is this patchset of the change. */
  patchset: number | null;
  /** How the dependency was declared. */
  via: 'depends-on' | 'git-parent';
}

/** A change of the review source, at one patchset: what the scheduler sees. */
export interface Change {
  kind: 'change';
  /** `N,P` as Zuul and Gerrit write it. */
  key: string;
  number: number;
  patchset: number;
  project: string;
  branch: string;
  /** Gerrit's ref of the patchset: refs/changes/NN/N/P. */
  ref: string;
  /** The patchset's commit. */
  commit: string;
  /** The commit's parents. */
  parents: string[];
  /** The commit message. */
  message: string;
  subject: string;
  topic: string | null;
  url: string;
  status: ChangeStatus;
  currentPatchset: number;
  owner: Account;
  /** Current approvals (of the current patchset). */
  approvals: Approval[];
  /** Depends-On footers and git parents that are changes of this source. */
  needs: ChangeNeed[];
  /** When the patchset was created (epoch ms): also the date of speculative merge commits, so they are reproducible. */
  createdOn: number;
}

/** A branch or tag update (post-merge and periodic pipelines). */
export interface RefUpdate {
  kind: 'ref';
  /** `project@ref@newrev`. */
  key: string;
  project: string;
  /** The branch, when the ref is one. */
  branch: string | null;
  ref: string;
  oldrev: string;
  newrev: string;
}

export type Changeish = Change | RefUpdate;

export function changeKey(number: number, patchset: number): string {
  return `${number},${patchset}`;
}

export function refKey(project: string, ref: string, newrev: string): string {
  return `${project}@${ref}@${newrev}`;
}

/** Gerrit's change ref: refs/changes/<last two digits>/<number>/<patchset>. */
export function changeRef(number: number, patchset: number): string {
  return `refs/changes/${String(number % 100).padStart(2, '0')}/${number}/${patchset}`;
}

// ---------------------------------------------------------------- jobs

export interface JobDependencyRef {
  name: string;
  soft: boolean;
}

/** A project a job needs checked out, and which branch of it. */
export interface RequiredProject {
  project: string;
  /** The branch whose speculative state is checked out. */
  branch: string;
}

/** A playbook step: a path in a project's repository, at the item's speculative state. */
export interface PlaybookStep {
  playbook: string;
  /** The project (name) holding it, and its branch. */
  project: string;
  branch: string;
  /** Defined in a config project: runs without the untrusted restrictions. */
  trusted: boolean;
  /** Aliases of the job's secrets this playbook may use. */
  secrets: string[];
}

export type JobStep = string | PlaybookStep;

export function isPlaybook(step: JobStep): step is PlaybookStep {
  return typeof step !== 'string';
}

export function stepLabel(step: JobStep): string {
  return isPlaybook(step) ? `${step.project}/${step.playbook}` : step;
}

export interface AnsibleNode {
  /** Inventory host names (a node may have several, as in Zuul). */
  name: string[];
  label: string;
  /** The build runtime the node is a session of. */
  runtime: string;
}

export interface AnsibleRole {
  /** The project whose repository is (or holds) the role. */
  project: string;
  /** The role name the project provides (Zuul: the repository name, ansible-role- prefix stripped). */
  name: string;
}

export interface AnsibleSecret {
  alias: string;
  /** The project that defines it, by name and canonical name (whose key decrypts it). */
  project: string;
  canonicalProject: string;
  /** As configured: encrypted values in their JSON form. */
  data: Record<string, unknown>;
}

export interface AnsibleJob {
  nodes: AnsibleNode[];
  groups: Array<{ name: string; nodes: string[] }>;
  /** Canonical names of the projects checked out (Zuul's zuul.projects keys). */
  canonicalNames: Record<string, string>;
  /** Job vars (project vars merged), extra-vars, host-vars, group-vars, each at its Ansible precedence. */
  vars: Record<string, unknown>;
  extraVars: Record<string, unknown>;
  hostVars: Record<string, Record<string, unknown>>;
  groupVars: Record<string, Record<string, unknown>>;
  roles: AnsibleRole[];
  secrets: AnsibleSecret[];
  /** The tenant's and job's names for Zuul's variables. */
  tenant: string;
  jobDescription?: string;
}

/**
 * One job of an item's job graph, frozen (all inheritance and variants
 * applied): what the executor runs. For an item holding several changes
 * (a dependency cycle), each change has its own jobs; `uid` tells them apart.
 */
export interface FrozenJob {
  /** Unique within the item: the job name, or `<change key>:<job name>` in a cycle item. */
  uid: string;
  name: string;
  /** The change (key) whose project the job runs for. */
  change: string;
  project: string;
  branch: string | null;
  /** Parent jobs, by name (within the same change). */
  dependencies: JobDependencyRef[];
  voting: boolean;
  /** Items behind wait for this job to finish before starting theirs. */
  holdFollowingChanges: boolean;
  /** Seconds; null: no limit. */
  timeout: number | null;
  postTimeout: number | null;
  /** Attempts before RETRY_LIMIT (pre-run failures and infrastructure errors are retried). */
  attempts: number;
  /** Playbooks, or command lines (Strata's extension: /bin/sh -c in the workspace). */
  preRun: JobStep[];
  run: JobStep[];
  postRun: JobStep[];
  cleanupRun: JobStep[];
  vars: Record<string, unknown>;
  /** Every project checked out in the workspace, the item's own first. */
  requiredProjects: RequiredProject[];
  /** The runtime class the nodeset's label names (today: `process`). */
  runtime: string;
  /** Semaphores the build holds while it runs (keys are tenant- or globally scoped); resources-first ones are taken once its nodes are up. */
  semaphores?: Array<{ key: string; max: number; resourcesFirst: boolean }>;
  /** Set when a step is a playbook: what Ansible needs besides the steps. */
  ansible?: AnsibleJob;
  failureMessage?: string;
  successMessage?: string;
}

// ---------------------------------------------------------------- items

/** A change of gate configuration in a speculative state. */
export interface ConfigChange {
  project: string;
  branch: string;
  files: string[];
}

export type BuildStatus = 'queued' | 'running' | 'completed';

export interface Build {
  id: string;
  /** The FrozenJob uid. */
  job: string;
  name: string;
  status: BuildStatus;
  result: BuildResult | null;
  voting: boolean;
  /** Epoch ms. */
  launchTime: number;
  startTime: number | null;
  endTime: number | null;
  /** Why it ended (for ERROR, SKIPPED, ABORTED). */
  message?: string;
}

/**
 * Where an item's build set is: `new` (nothing done), `preparing` (merger
 * and job freezing at work), `ready` (speculative state and job graph
 * frozen), or one of the two ways preparing fails.
 */
export type BuildSetState = 'new' | 'preparing' | 'ready' | 'merge-conflict' | 'config-error';

export interface BuildSet {
  /** `<item id>#<seq>`. */
  id: string;
  /** Bumped each time the item is reset (its base changed). */
  seq: number;
  state: BuildSetState;
  /** The build set of the item ahead this one was prepared on; null: on the branch tips. */
  aheadBuildSet: string | null;
  /** The speculative state: change keys, in queue order, this item's own last. */
  changes: string[];
  /** Frozen repository state: project → branch → commit. Every job of the item sees exactly these. */
  commits: Record<string, Record<string, string>>;
  /** Files the item's own changes touch. */
  files: string[];
  /** True when the speculative state changes gate configuration (a speculative layout was used). */
  updatesConfig: boolean;
  /** Project-branches whose configuration the speculative state changes (this item's and those ahead), with the files. */
  configChanges: ConfigChange[];
  jobs: FrozenJob[];
  /** By FrozenJob uid. */
  builds: Record<string, Build>;
  /** Set with merge-conflict / config-error: the reason, with file and line for a config error. */
  error?: string;
  failFast: boolean;
}

/** Where a queue item is in its lifecycle (machines.ts itemMachine). */
export type ItemState = 'enqueued' | 'active' | 'failing' | 'dequeued';

export interface QueueItem {
  id: string;
  state: ItemState;
  /** One change, or every change of an allowed dependency cycle. */
  changes: Changeish[];
  /** False for a dependency enqueued only so that the live item is tested with it (independent pipelines). */
  live: boolean;
  /** The item this one is tested on top of. */
  aheadId: string | null;
  enqueueTime: number;
  /** Within the queue's window. */
  active: boolean;
  quiet: boolean;
  buildSet: BuildSet;
  failingReasons: string[];
  /** Set when the item was dequeued because a change it needs can no longer merge. */
  dequeuedNeedingChange?: string;
  /** The 'start' report was sent. */
  startReported?: boolean;
  /** What enqueued it (event type and, for a comment, its text). */
  cause: string;
}

export type WindowType = 'linear' | 'exponential';

export interface WindowSettings {
  /** 0: unlimited. */
  window: number;
  floor: number;
  /** null: no ceiling. */
  ceiling: number | null;
  increaseType: WindowType;
  increaseFactor: number;
  decreaseType: WindowType;
  decreaseFactor: number;
}

export interface ChangeQueue {
  /** Stable key within the pipeline: the queue name (plus `@branch` for per-branch queues), or `dyn:<n>` for an independent pipeline's queues. */
  key: string;
  name: string;
  /** Created for one item (independent pipelines) and removed once empty. */
  dynamic: boolean;
  allowCircularDependencies: boolean;
  /** The current window (0: unlimited). */
  window: number;
  items: QueueItem[];
}

export interface PipelineState {
  name: string;
  queues: ChangeQueue[];
  consecutiveFailures: number;
  disabled: boolean;
  /** Counter for dynamic queue keys. */
  queueSeq: number;
  /**
   * Changes a trigger matched that could not enter yet because a dependency
   * is not in the queue or must merge first (kept by the scheduler's shell,
   * retried when the dependency enters or merges).
   */
  waiting?: number[];
}
