// What the flows of one tenant's scheduler share (leader, recovery, the
// loop, reconfiguration, events, dispatch, status): its dependencies, the
// layout and its managers, the pipelines' states, the changes it knows, and
// the work handed between rounds. Each flow is a file of functions over it.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FaultReporter, Logger } from '../../../core/index.js';
import {
  pipelineAccepts, type CachingReader, type ConfigError, type Layout, type LoadOptions, type Pipeline, type TenantConfig,
} from '../../config/index.js';
import type { EventLog } from '../../db/events.js';
import { StateStore } from '../../db/state-store.js';
import type { Executor } from '../../executor/index.js';
import type { Merger, RepoCache } from '../../merger/index.js';
import type { Build, Change, PipelineState } from '../../model.js';
import type { Reporter } from '../../reporters/index.js';
import type { LocalSource } from '../../sources/index.js';
import type { PipelineManager } from '../base.js';
import { changeState, PRECEDENCE_RANK, queueSpec } from '../layout-adapter.js';
import type { Action, ManagerEnv } from '../types.js';

export interface TenantSchedulerDeps {
  tenantConfig: TenantConfig;
  loadOptions: LoadOptions;
  db: Kysely<any>;
  events: EventLog;
  source: LocalSource;
  repos: RepoCache;
  merger: Merger;
  executor: Executor;
  reporter: Reporter;
  reader: CachingReader;
  log: Logger;
  /** Names of the build runtimes the executor has now (a nodeset label naming one selects it). */
  runtimes(): readonly string[];
  /** Which runtimes isolate a job from the host, and where untrusted jobs go. */
  runtimePolicy?(): { isolated: readonly string[]; untrusted?: string };
  /** Routes the executor's callbacks for a build to this scheduler. */
  claimBuild(buildId: string): void;
  logUrl(b: Build): string;
  /** Identifies this process for the scheduler lease. */
  owner: string;
  /** Where alarm 600.001 (pipeline disabled) goes: core's faults(); none: no alarms. */
  faults?: FaultReporter;
}

export interface Managed {
  pipeline: Pipeline;
  manager: PipelineManager;
}

export class TenantContext {
  readonly name: string;
  readonly store: StateStore;
  layout: Layout | null = null;
  configErrors: ConfigError[] = [];
  lastReconfigured = 0;
  readonly managers = new Map<string, Managed>();
  readonly states = new Map<string, PipelineState>();
  /** The review source's changes as the managers see them (loaded with their dependencies). */
  readonly changes = new Map<number, Change>();
  /** Results (prepared, build started or ended) waiting for the next round. */
  readonly inbox: Array<() => void> = [];
  /** Prepares, launches and cancels decided this round: started once the round is persisted. */
  effects: Action[] = [];
  /** Which pipeline each launched build belongs to. */
  readonly buildPipelines = new Map<string, string>();
  cursor = 0;
  preparing = 0;
  busy = false;
  stopped = false;
  leader = false;
  wakeUp: (() => void) | null = null;
  timers: NodeJS.Timeout[] = [];
  /** Pipelines whose 600.001 this process last set (true) or cleared (false). */
  readonly alarmed = new Map<string, boolean>();

  constructor(readonly deps: TenantSchedulerDeps) {
    this.name = deps.tenantConfig.name;
    this.store = new StateStore(deps.db, this.name);
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** Pipelines by precedence, highest first. */
  pipelineOrder(): string[] {
    return [...this.managers.entries()]
      .sort(([, a], [, b]) => PRECEDENCE_RANK[b.pipeline.precedence] - PRECEDENCE_RANK[a.pipeline.precedence])
      .map(([n]) => n);
  }

  itemCount(): number {
    let n = 0;
    for (const s of this.states.values()) for (const q of s.queues) n += q.items.length;
    return n;
  }

  /** What the pure managers may ask about the world, for one pipeline. */
  env(name: string): ManagerEnv {
    const managed = this.managers.get(name)!;
    const layout = this.layout!;
    return {
      now: Date.now(),
      change: (n) => this.changes.get(n),
      queueFor: (project, branch) => queueSpec(layout, name, project, branch),
      meetsRequirements: (c) => pipelineAccepts(managed.pipeline, 'local', changeState(c), Date.now() / 1000).matches,
      newId: () => randomUUID(),
    };
  }

  async loadChange(n: number): Promise<Change | undefined> {
    const c = await this.deps.source.getChange(n);
    if (c) this.changes.set(n, c);
    else this.changes.delete(n);
    return c;
  }

  /** Loads a change's dependencies (transitively) so the managers can look them up. */
  async loadClosure(c: Change): Promise<void> {
    const todo = c.needs.map((n) => n.number);
    const seen = new Set<number>([c.number]);
    while (todo.length) {
      const n = todo.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const d = this.changes.get(n) ?? (await this.loadChange(n));
      if (d) for (const x of d.needs) todo.push(x.number);
    }
    if (!this.changes.has(c.number) || c.patchset === c.currentPatchset) this.changes.set(c.number, c);
  }
}
