// A frozen job (Zuul's frozen Job): every variant applied, references
// resolved, what the executor runs. The builder that makes one from its
// variants is job-builder.ts.

import type { IncludeVars, JobDependency, JobProject, JobRole, JobSemaphore } from './model.js';

/** A step of a frozen job: a command line to run with /bin/sh -c in the workspace. */
export interface FrozenStep {
  kind: 'command' | 'playbook';
  command: string;
  /** Defined in a config project: runs in the trusted context. */
  trusted: boolean;
  project: string;
  branch: string;
  path: string;
  line: number;
  semaphores: string[];
  cleanup: boolean;
  /** Aliases of the job's secrets this step may use. */
  secrets: string[];
  /** Depth in the inheritance chain where the step was added. */
  nestingLevel: number;
}

export interface FrozenSecret {
  /** The variable name the job sees. */
  alias: string;
  secret: string;
  /** The project that defines (and can decrypt) the secret. */
  project: string;
  /** The secret data; encrypted values stay EncryptedValue. */
  data: Record<string, unknown>;
}

export interface FrozenNodeSet {
  name?: string;
  nodes: Array<{ name: string[]; label: string }>;
  groups: Array<{ name: string; nodes: string[] }>;
}

export interface FrozenJobSource {
  project: string;
  branch: string;
  path: string;
  line: number;
}

/** A job as it runs for one item: every attribute resolved. */
export interface FrozenJob {
  name: string;
  description?: string;
  variantDescription?: string;
  /** null: a base job. */
  parent: string | null;
  /** Where each applied variant is defined, base first. */
  inheritancePath: string[];
  /** The reference definition (first variant of the job itself). */
  source?: FrozenJobSource;
  voting: boolean;
  holdFollowingChanges: boolean;
  failureMessage?: string;
  successMessage?: string;
  timeout?: number;
  postTimeout?: number;
  attempts: number;
  preRun: FrozenStep[];
  run: FrozenStep[];
  postRun: FrozenStep[];
  cleanupRun: FrozenStep[];
  vars: Record<string, unknown>;
  extraVars: Record<string, unknown>;
  hostVars: Record<string, Record<string, unknown>>;
  groupVars: Record<string, Record<string, unknown>>;
  includeVars: IncludeVars[];
  requiredProjects: JobProject[];
  /** The nodeset to request first (the first alternative). */
  nodeset: FrozenNodeSet;
  nodesetAlternatives: FrozenNodeSet[];
  semaphores: Array<JobSemaphore & { max: number }>;
  /** Declared dependencies (the graph keeps those that run). */
  dependencies: JobDependency[];
  tags: string[];
  provides: string[];
  requires: string[];
  secrets: FrozenSecret[];
  roles: JobRole[];
  overrideBranch?: string;
  overrideCheckout?: string;
  allowedProjects?: string[];
  postReview: boolean;
  final: boolean;
  abstract: boolean;
  intermediate: boolean;
  protected: boolean;
  matchOnConfigUpdates: boolean;
  deduplicate: boolean | 'auto';
  workspaceScheme: 'golang' | 'flat' | 'unique';
  workspaceCheckout: boolean | 'auto';
  failureOutput: string[];
  ansibleVersion?: string;
  files: string[];
  irrelevantFiles: string[];
  /** False when file matchers say the job is not relevant (it may still run as a hard dependency). */
  matchesFiles: boolean;
  /** A hash of what the job does, to tell whether a config change alters it. */
  configHash: string;
}
