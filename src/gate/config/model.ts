// The parsed configuration objects of a tenant layout, named as Zuul names
// them (zuul/model.py): pipelines, jobs and their variants, nodesets,
// secrets, semaphores, queues, projects and project templates. Plain data;
// the rules that combine them live in layout.ts and freeze.ts.

import type { BranchMatcher } from './change-matcher.js';
import type { CronSpec } from './cron.js';
import type { ZuulRegex } from './regex.js';

/** The configuration classes a tenant project may load (tenant include/exclude). */
export const CONFIG_CLASSES = [
  'pipeline', 'job', 'semaphore', 'project', 'project-template', 'nodeset', 'secret', 'queue',
] as const;
export type ConfigClass = (typeof CONFIG_CLASSES)[number];

/** Where a configuration object was read from (Zuul's SourceContext). */
export interface SourceContext {
  project: string;
  canonicalProject: string;
  connection: string;
  branch: string;
  path: string;
  trusted: boolean;
  /** From the tenant file or a pragma: force (true) or suppress (false) implied branch matchers. */
  impliedBranchMatchers?: boolean;
  /** From a pragma: the implied branches to use instead of this branch. */
  impliedBranches?: BranchMatcher[];
}

/** An object's origin: its file and the line of its stanza. */
export interface Origin {
  source: SourceContext;
  line: number;
  /** Line of each attribute of the stanza, for errors about one attribute. */
  attrLines?: Record<string, number>;
}

// ---------------------------------------------------------------- pipelines

export type ManagerName = 'independent' | 'dependent' | 'serial' | 'supercedent';
export const MANAGERS: readonly ManagerName[] = ['independent', 'dependent', 'serial', 'supercedent'];
export type Precedence = 'high' | 'normal' | 'low';
export type WindowType = 'linear' | 'exponential';

/** The trigger events of Gerrit, which Strata's `local` review source also emits. */
export const GERRIT_EVENTS = [
  'patchset-created', 'draft-published', 'change-abandoned', 'change-restored', 'change-merged',
  'comment-added', 'ref-updated', 'pending-check', 'vote-deleted', 'hashtags-changed', 'wip-state-changed',
] as const;

/** An approval requirement on a change (Gerrit `require`/`reject` approval). */
export interface ApprovalRequirement {
  /** Label -> accepted values. */
  labels: Record<string, number[]>;
  username?: ZuulRegex;
  email?: ZuulRegex;
  /** Seconds: the approval must be at least this old. */
  olderThan?: number;
  /** Seconds: the approval must be at most this old. */
  newerThan?: number;
}

/** A pipeline `require` or `reject` entry for one connection (Gerrit ref filter). */
export interface RefFilter {
  connection: string;
  supported: boolean;
  open?: boolean;
  currentPatchset?: boolean;
  wip?: boolean;
  status?: string[];
  hashtags?: ZuulRegex[];
  approvals: ApprovalRequirement[];
  /** The connection's raw configuration (for drivers Strata lacks). */
  raw: unknown;
}

/** A Gerrit-style trigger event filter (also what the `local` source speaks). */
export interface ChangeEventFilter {
  kind: 'change';
  connection: string;
  supported: boolean;
  /** Event types, as regexes (Zuul compiles them). */
  events: ZuulRegex[];
  branches: ZuulRegex[];
  refs: ZuulRegex[];
  comments: ZuulRegex[];
  emails: ZuulRegex[];
  usernames: ZuulRegex[];
  /** Approvals the event itself must carry, e.g. {Workflow: 1}. */
  approvals: Record<string, unknown>;
  approvalChanges: Record<string, unknown>;
  added: ZuulRegex[];
  removed: ZuulRegex[];
  ignoreDeletes: boolean;
  /** Requirements on the change at event time. */
  require?: Omit<RefFilter, 'connection' | 'supported' | 'raw'>;
  reject?: Omit<RefFilter, 'connection' | 'supported' | 'raw'>;
  line?: number;
}

export interface TimerEventFilter {
  kind: 'timer';
  connection: string;
  supported: true;
  time: string;
  cron: CronSpec;
  line?: number;
}

/** A trigger of a connection whose driver Strata lacks: kept, never matched. */
export interface UnsupportedEventFilter {
  kind: 'unsupported';
  connection: string;
  supported: false;
  raw: unknown;
  line?: number;
}

export type EventFilter = ChangeEventFilter | TimerEventFilter | UnsupportedEventFilter;

export const REPORTER_ACTIONS = [
  'enqueue', 'start', 'success', 'failure', 'merge-conflict', 'config-error', 'no-jobs', 'disabled', 'dequeue',
] as const;
export type ReporterAction = (typeof REPORTER_ACTIONS)[number];

/** What a reporter does on one connection, e.g. `local: {Verified: 1, submit: true}`. */
export interface Reporter {
  connection: string;
  supported: boolean;
  action: ReporterAction;
  /** Votes to set (Gerrit labels). */
  labels: Record<string, number>;
  submit: boolean;
  comment: boolean;
  /** The raw parameters (all of them, for unsupported drivers). */
  raw: unknown;
}

export interface PipelineMessages {
  success: string;
  failure: string;
  mergeConflict: string;
  start: string;
  enqueue: string;
  noJobs: string;
  dequeue: string;
  footer: string;
}

export interface Pipeline extends Origin {
  name: string;
  description?: string;
  manager: ManagerName;
  precedence: Precedence;
  postReview: boolean;
  allowOtherConnections: boolean;
  supercedes: string[];
  dequeueOnNewPatchset: boolean;
  ignoreDependencies: boolean;
  disableAfterConsecutiveFailures?: number;
  messages: PipelineMessages;
  window: number;
  windowFloor: number;
  /** null: no ceiling (Zuul: infinity). */
  windowCeiling: number | null;
  windowIncreaseType: WindowType;
  windowIncreaseFactor: number;
  windowDecreaseType: WindowType;
  windowDecreaseFactor: number;
  triggers: EventFilter[];
  require: RefFilter[];
  reject: RefFilter[];
  /** Reporters by action; merge-conflict and config-error fall back to failure as in Zuul. */
  reporters: Record<ReporterAction, Reporter[]>;
  /** Every connection named by a trigger, reporter or requirement. */
  connections: string[];
}

// ---------------------------------------------------------------- nodesets

export interface Node {
  /** One or more inventory names sharing the node. */
  name: string[];
  label: string;
}

export interface NodeGroup {
  name: string;
  nodes: string[];
}

export interface NodeSet {
  name?: string;
  nodes: Node[];
  groups: NodeGroup[];
  /** Alternatives: names of nodesets or anonymous nodesets, tried in order. */
  alternatives: Array<string | NodeSet>;
  origin?: Origin;
}

// ---------------------------------------------------------------- secrets, semaphores, queues

export interface Secret extends Origin {
  name: string;
  /** The data, with `!encrypted/pkcs1-oaep` values kept as EncryptedValue. */
  data: Record<string, unknown>;
}

export interface Semaphore {
  name: string;
  max: number;
  global: boolean;
  origin?: Origin;
}

export interface Queue extends Origin {
  name: string;
  perBranch: boolean;
  allowCircularDependencies: boolean;
  dependenciesByTopic: boolean;
}

// ---------------------------------------------------------------- jobs

/** A command to run (`run`, `pre-run`, …): a shell command line, or a playbook path Strata refuses. */
export interface RunStep {
  kind: 'command' | 'playbook';
  /** The command line (run with /bin/sh -c in the workspace) or the playbook path. */
  command: string;
  semaphores: string[];
  cleanup: boolean;
  /** Where it is defined: runs in the trusted context when that project is a config project. */
  source: SourceContext;
  line: number;
  /** Secrets usable by this step: those of the job variant defining it (plus pass-to-parent). */
  secrets: SecretUse[];
}

export interface SecretUse {
  /** The secret's name in the layout. */
  secret: string;
  /** The variable name the job sees. */
  alias: string;
  passToParent: boolean;
}

export interface JobDependency {
  name: string;
  soft: boolean;
}

export interface JobProject {
  /** Canonical project name. */
  project: string;
  name: string;
  overrideBranch?: string;
  overrideCheckout?: string;
}

export interface JobSemaphore {
  name: string;
  resourcesFirst: boolean;
}

export interface JobRole {
  kind: 'zuul' | 'galaxy';
  /** Project (zuul) or galaxy name. */
  target: string;
  name: string;
  implicit: boolean;
}

export interface IncludeVars {
  name: string;
  /** Canonical project, or null for "the project of the item" (zuul-project). */
  project: string | null;
  required: boolean;
  useRef: boolean;
}

/** Attributes whose combination can be controlled with !override / !inherit. */
export type OverridableAttr =
  | 'files' | 'irrelevantFiles' | 'tags' | 'provides' | 'requires' | 'dependencies' | 'vars' | 'extraVars'
  | 'hostVars' | 'groupVars' | 'includeVars' | 'requiredProjects' | 'failureOutput';

/**
 * One definition of a job (a variant): what the stanza sets and nothing else.
 * `undefined` means "not set here", which is what inheritance needs to know.
 */
export interface JobVariant extends Origin {
  name: string;
  /** Defined inline in a project or template pipeline (not a top-level job). */
  projectPipeline: boolean;
  /** null: a base job (parent: null); undefined: the tenant default parent. */
  parent?: string | null;
  description?: string;
  variantDescription?: string;
  // context attributes (may change even on a final job, in a project pipeline)
  voting?: boolean;
  holdFollowingChanges?: boolean;
  failureMessage?: string;
  successMessage?: string;
  branches?: BranchMatcher[];
  files?: ZuulRegex[];
  irrelevantFiles?: ZuulRegex[];
  matchOnConfigUpdates?: boolean;
  deduplicate?: boolean | 'auto';
  tags?: string[];
  provides?: string[];
  requires?: string[];
  dependencies?: JobDependency[];
  ignoreAllowedProjects?: boolean;
  // execution attributes
  timeout?: number;
  postTimeout?: number;
  vars?: Record<string, unknown>;
  extraVars?: Record<string, unknown>;
  hostVars?: Record<string, Record<string, unknown>>;
  groupVars?: Record<string, Record<string, unknown>>;
  includeVars?: IncludeVars[];
  nodeset?: string | NodeSet;
  preRun?: RunStep[];
  postRun?: RunStep[];
  cleanupRun?: RunStep[];
  run?: RunStep[];
  ansibleVersion?: string;
  ansibleSplitStreams?: boolean;
  semaphores?: JobSemaphore[];
  attempts?: number;
  final?: boolean;
  abstract?: boolean;
  intermediate?: boolean;
  protected?: boolean;
  roles?: JobRole[];
  requiredProjects?: JobProject[];
  allowedProjects?: string[];
  overrideBranch?: string;
  overrideCheckout?: string;
  postReview?: boolean;
  workspaceScheme?: 'golang' | 'flat' | 'unique';
  workspaceCheckout?: boolean | 'auto';
  failureOutput?: string[];
  imageBuildName?: string;
  // not inheritable
  secrets: SecretUse[];
  /** Explicit !override (true) / !inherit (false) per attribute. */
  overrideControl: Partial<Record<OverridableAttr, boolean>>;
  /** attribute-control: {attr: {final: true}}. */
  finalControl: Partial<Record<string, true>>;
}

// ---------------------------------------------------------------- projects

export interface ProjectPipeline {
  /** Job name -> the variants listed for it, in order. */
  jobs: Map<string, JobVariant[]>;
  debug: boolean;
  failFast?: boolean;
}

export type MergeMode = 'merge' | 'merge-resolve' | 'merge-recursive' | 'merge-ort' | 'cherry-pick' | 'squash-merge' | 'rebase';

/** A `project` or `project-template` stanza (Zuul's ProjectConfig). */
export interface ProjectConfig extends Origin {
  /** Canonical project name, a `^regex`, or the template name. */
  name: string;
  isTemplate: boolean;
  description?: string;
  templates: string[];
  pipelines: Map<string, ProjectPipeline>;
  /** MatchAny; empty: applies to every branch. */
  branchMatchers: BranchMatcher[];
  variables: Record<string, unknown>;
  mergeMode?: MergeMode;
  defaultBranch?: string;
  queueName?: string;
}

/** What the layout knows about a project from all of its stanzas (first value wins). */
export interface ProjectMetadata {
  mergeMode?: MergeMode;
  defaultBranch?: string;
  queueName?: string;
}
