// What the executor is given and what it answers: a build request (one
// frozen job at an item's state), the outcome, the listener told of starts
// and ends, and the executor's options.

import type { Logger } from '../../core/index.js';
import type { HoldCandidate } from '../api/autoholds.js';
import type { Commits, RepoCache } from '../merger/index.js';
import type { AnsibleSecret, BuildResult, FrozenJob } from '../model.js';
import type { NodePool } from '../nodepool/nodepool.js';
import type { ZuulItem } from './ansible/zuul-vars.js';
import type { BuildRuntime } from './runtime.js';

export interface BuildRequest {
  buildId: string;
  tenant: string;
  pipeline: string;
  job: FrozenJob;
  /** The item's change as `N,P` (empty for a ref item). */
  change: string;
  /** Every change of the speculative state, in queue order. */
  changes: string[];
  /** For a ref item: the ref and its new commit. */
  ref?: string;
  newrev?: string;
  commits: Commits;
  /** Higher runs first. */
  priority: number;
  /** For Zuul's variables: the build set, and the item's changes in queue order (its own last). */
  buildset?: string;
  items?: ZuulItem[];
}

/** Decrypts a job's secrets (the gate's project keys); throws with what and where when one cannot be. */
export type SecretDecrypter = (secrets: AnsibleSecret[]) => Promise<DecryptedSecrets>;

export interface DecryptedSecrets {
  byAlias: Record<string, { project: string; data: unknown }>;
  /** Every plaintext, to redact from logs. */
  values: string[];
}

/** Zuul's autohold: true when the nodes are kept (`release` frees them later). */
export type NodeHolder = (c: HoldCandidate, release: () => Promise<void>) => Promise<boolean>;
export interface BuildOutcome {
  result: BuildResult;
  startTime: number | null;
  endTime: number;
  message?: string;
}

export interface ExecutorListener {
  started(buildId: string, time: number): void;
  finished(buildId: string, outcome: BuildOutcome): void;
}

export interface ExecutorOptions {
  concurrency: number;
  repos: RepoCache;
  /** Workspaces go under here (one directory per build). */
  workRoot: string;
  /** Logs go under here (one file per build). */
  logRoot: string;
  runtimes: Record<string, BuildRuntime>;
  log: Logger;
  listener: ExecutorListener;
  /** Nodepool: label quotas and metal machines for Ansible jobs' nodes. */
  nodepool?: NodePool;
  /** Autohold: asked whether a failed build's nodes are kept. */
  hold?: NodeHolder;
  /** Decrypts secrets for the playbooks allowed them; without it a job with secrets is an ERROR. */
  decryptSecrets?: SecretDecrypter;
  /** Host directories an Ansible node gets read-only (the node image's Python userland). */
  nodeUserland?: Array<{ source: string; target: string; readOnly: boolean }>;
  /** Names this executor's processes (see orphans.ts); default: a hash of workRoot. */
  marker?: string;
}

/** A build the executor runs now. */
export interface Running {
  req: BuildRequest;
  abort: AbortController;
  followers: Set<(chunk: Buffer | null) => void>;
  done: Promise<void>;
}
