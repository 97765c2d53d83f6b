// The gate as the server runs it: the `local` review source, the merger's
// repository cache, one executor, and a scheduler per tenant of the tenant
// file. Other modules reach it through the `gate` service.

import { readFileSync } from 'node:fs';
import { Counter, Gauge } from 'prom-client';
import { hostname } from 'node:os';
import path from 'node:path';
import { InvalidInputError, NotFoundError, faults, type Logger, type ModuleContext, type Principal } from '../core/index.js';
import { CachingReader, GitReader, parseTenantConfig, type AuthorizationRule, type LoadOptions, type TenantConfigFile } from './config/index.js';
import { EventLog } from './db/events.js';
import { queryBuilds, type BuildRecord } from './db/state-store.js';
import { Executor, ProcessRuntime, type BuildRuntime } from './executor/index.js';
import type { DecryptedSecrets } from './executor/executor.js';
import { decryptData } from './secrets/decrypt.js';
import { ProjectKeys } from './secrets/project-keys.js';
import { Autoholds } from './api/autoholds.js';
import { parseLabels, type LabelSpec } from './nodepool/labels.js';
import { NodePool } from './nodepool/nodepool.js';
import type { MetalPools } from '../metal/index.js';

/** metal's POOLS_SERVICE (named here so the gate loads none of metal's code). */
const METAL_POOLS = 'metal.pools';
import type { GateEvent } from './db/events.js';
import { Merger, RepoCache } from './merger/index.js';
import type { AnsibleSecret, Build } from './model.js';
import { Reporter } from './reporters/index.js';
import { SpeculativeReader } from './scheduler/config-reader.js';
import { TenantScheduler } from './scheduler/tenant-scheduler.js';
import { LocalSource } from './sources/index.js';

export interface GateOptions {
  /** Zuul's main.yaml: the tenants to schedule. Without it the review source works and nothing is gated. */
  tenantConfig?: string;
  /** Where project `org/a` is `<root>/org/a`. */
  gitRoot: string;
  executorConcurrency: number;
  /** The build runtime untrusted jobs run in when sandboxes are available. */
  untrustedRuntime: string;
  /** The host's /usr (and /lib, /lib64 from it) an Ansible node sandbox gets read-only, for Python; null: none. */
  nodeUserland: string | null;
  /** Nodepool labels (quotas, metal pools, min-ready); absent: labels are sandbox classes without quota. */
  labels: LabelSpec[];
}

/** A Debian (merged-/usr) userland as an Ansible node's read-only mounts. */
export function userlandMounts(usr: string | null): Array<{ source: string; target: string; readOnly: boolean }> {
  if (!usr) return [];
  return [
    { source: usr, target: '/usr', readOnly: true },
    { source: path.join(usr, 'lib'), target: '/lib', readOnly: true },
    { source: path.join(usr, 'lib64'), target: '/lib64', readOnly: true },
  ];
}

export function gateOptions(ctx: ModuleContext): GateOptions {
  const o = ctx.config.options;
  const concurrency = o.gateExecutorConcurrency === undefined ? 4 : Number(o.gateExecutorConcurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidInputError(`--gate-executor-concurrency must be a positive integer (got ${o.gateExecutorConcurrency})`);
  return {
    tenantConfig: typeof o.gateTenantConfig === 'string' ? path.resolve(o.gateTenantConfig) : undefined,
    gitRoot: path.resolve(typeof o.gateGitRoot === 'string' ? o.gateGitRoot : path.join(ctx.config.dataDir, 'gate', 'git')),
    executorConcurrency: concurrency,
    untrustedRuntime: typeof o.gateUntrustedRuntime === 'string' ? o.gateUntrustedRuntime : 'default',
    nodeUserland: o.gateNodeUserland === '' ? null : path.resolve(typeof o.gateNodeUserland === 'string' ? o.gateNodeUserland : '/usr'),
    labels: typeof o.gateLabels === 'string' ? readLabels(path.resolve(o.gateLabels)) : [],
  };
}

function readLabels(file: string): LabelSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read the gate's labels ${file}: ${(err as Error).message}`);
  }
  try {
    return parseLabels(text, file);
  } catch (err) {
    throw new InvalidInputError(`invalid gate labels: ${(err as Error).message}`);
  }
}

export function readTenantFile(file: string): TenantConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read the tenant configuration ${file}: ${(err as Error).message}`);
  }
  const parsed = parseTenantConfig(text, file);
  if (parsed.errors.errors.length) {
    throw new InvalidInputError(`invalid tenant configuration: ${parsed.errors.errors.map((e) => e.message).join('; ')}`);
  }
  return parsed;
}

/** Decrypts each secret with its project's key. */
async function decryptWith(keys: ProjectKeys, secrets: AnsibleSecret[]): Promise<DecryptedSecrets> {
  const out: DecryptedSecrets = { byAlias: {}, values: [] };
  for (const s of secrets) {
    const key = await keys.get(s.canonicalProject);
    out.byAlias[s.alias] = { project: s.project, data: decryptData(key.privatePem, s.data, `secret ${s.alias} of ${s.project}`, out.values).data };
  }
  return out;
}

export class GateService {
  readonly events: EventLog;
  readonly repos: RepoCache;
  readonly source: LocalSource;
  readonly merger: Merger;
  readonly executor: Executor;
  readonly reporter: Reporter;
  readonly schedulers = new Map<string, TenantScheduler>();
  private readonly buildOwners = new Map<string, TenantScheduler>();
  private readonly log: Logger;
  readonly runtimes: Record<string, BuildRuntime>;
  private readonly isolatedRuntimes = new Set<string>();
  private untrustedRuntime: string | undefined;

  readonly keys: ProjectKeys;
  readonly autoholds: Autoholds;
  readonly nodepool?: NodePool;
  private tenantFile: TenantConfigFile | null = null;

  constructor(private readonly ctx: ModuleContext, readonly options: GateOptions) {
    this.log = ctx.log;
    this.keys = new ProjectKeys(ctx.store.db, ctx.secrets);
    this.autoholds = new Autoholds(ctx.store.db);
    // The metal module (when it runs) provides the pools; asked for when a metal label is requested.
    if (options.labels.length) this.nodepool = new NodePool(options.labels, () => ctx.services.maybe<MetalPools>(METAL_POOLS), ctx.log.child({ component: 'nodepool' }));
    const gateDir = path.join(ctx.config.dataDir, 'gate');
    this.events = new EventLog(ctx.store.db);
    this.repos = new RepoCache(options.gitRoot, path.join(gateDir, 'cache'));
    this.source = new LocalSource(ctx.store, this.repos, this.events, () => ctx.url());
    this.merger = new Merger(this.repos);
    this.runtimes = { process: new ProcessRuntime() };
    const builds = new Counter({ name: 'strata_gate_builds_total', help: 'Builds finished, by result', labelNames: ['result'], registers: [ctx.metrics] });

    this.executor = new Executor({
      concurrency: options.executorConcurrency,
      repos: this.repos,
      workRoot: path.join(gateDir, 'work'),
      logRoot: path.join(gateDir, 'logs'),
      runtimes: this.runtimes,
      nodeUserland: userlandMounts(options.nodeUserland),
      decryptSecrets: (secrets) => this.decryptSecrets(secrets),
      hold: (c, release) => this.autoholds.hold(c, release),
      ...(this.nodepool ? { nodepool: this.nodepool } : {}),
      log: ctx.log.child({ component: 'executor' }),
      listener: {
        started: (id, time) => this.buildOwners.get(id)?.onBuildStarted(id, time),
        finished: (id, outcome) => {
          builds.inc({ result: outcome.result });
          this.buildOwners.get(id)?.onBuildFinished(id, outcome);
          this.buildOwners.delete(id);
        },
      },
    });
    const executorGauge: Gauge = new Gauge({
      name: 'strata_gate_executor_builds', help: 'Builds the executor runs or holds queued', labelNames: ['state'], registers: [ctx.metrics],
      collect: () => {
        executorGauge.set({ state: 'running' }, this.executor.activeCount);
        executorGauge.set({ state: 'queued' }, this.executor.queuedCount);
      },
    });
    const itemsGauge: Gauge = new Gauge({
      name: 'strata_gate_queue_items', help: 'Items in the pipelines of each tenant', labelNames: ['tenant', 'pipeline'], registers: [ctx.metrics],
      collect: () => {
        itemsGauge.reset();
        for (const [tenant, s] of this.schedulers) {
          const counts = new Map<string, number>();
          for (const { pipeline } of s.items()) counts.set(pipeline, (counts.get(pipeline) ?? 0) + 1);
          for (const [pipeline, n] of counts) itemsGauge.set({ tenant, pipeline }, n);
        }
      },
    });
    this.reporter = new Reporter({
      db: ctx.store.db,
      source: this.source,
      events: this.events,
      repos: this.repos,
      log: ctx.log.child({ component: 'reporter' }),
      logUrl: (b) => this.logUrl(b),
      statusUrl: () => `${ctx.url()}/gate/api/status`,
    });
    if (options.tenantConfig) {
      const file = readTenantFile(options.tenantConfig);
      this.tenantFile = file;
      const reader = new CachingReader(new SpeculativeReader(new GitReader(options.gitRoot), new GitReader(path.join(gateDir, 'cache'))));
      const loadOptions: LoadOptions = { globalSemaphores: file.globalSemaphores };
      const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
      for (const tenantConfig of file.tenants) {
        const scheduler: TenantScheduler = new TenantScheduler({
          tenantConfig,
          loadOptions,
          db: ctx.store.db,
          events: this.events,
          source: this.source,
          repos: this.repos,
          merger: this.merger,
          executor: this.executor,
          reporter: this.reporter,
          reader,
          log: ctx.log.child({ tenant: tenantConfig.name }),
          runtimes: () => Object.keys(this.runtimes),
          runtimePolicy: () => ({ isolated: [...this.isolatedRuntimes], untrusted: this.untrustedRuntime }),
          claimBuild: (id) => this.buildOwners.set(id, scheduler),
          logUrl: (b) => this.logUrl(b),
          owner,
          faults: faults(ctx.services, ctx.log),
        });
        this.schedulers.set(tenantConfig.name, scheduler);
      }
    }
  }

  decryptSecrets(secrets: AnsibleSecret[]): Promise<DecryptedSecrets> {
    return decryptWith(this.keys, secrets);
  }

  /**
   * Adds a build runtime (the sandbox module's `vm`, …): jobs whose nodeset
   * label names it run there from then on.
   */
  registerRuntime(runtime: BuildRuntime, opts: { isolated?: boolean } = {}): void {
    if (this.runtimes[runtime.name]) throw new InvalidInputError(`a build runtime named ${runtime.name} is already registered`);
    this.runtimes[runtime.name] = runtime;
    if (opts.isolated) this.isolatedRuntimes.add(runtime.name);
  }

  /**
   * Sends untrusted projects' jobs to an isolating runtime (by name) unless
   * their nodeset label names another isolating one: their code never runs
   * as host processes.
   */
  isolateUntrustedJobsIn(runtime: string): void {
    if (!this.isolatedRuntimes.has(runtime)) throw new InvalidInputError(`--gate-untrusted-runtime ${runtime} is not an isolating build runtime (known: ${[...this.isolatedRuntimes].join(', ') || 'none'})`);
    this.untrustedRuntime = runtime;
  }

  logUrl(b: Pick<Build, 'id'>): string {
    return `${this.ctx.url()}/gate/api/builds/${b.id}/log`;
  }

  async start(): Promise<void> {
    const killed = this.executor.recover();
    if (killed.length) this.log.warn({ pids: killed }, 'killed build processes left by a previous run');
    for (const s of this.schedulers.values()) await s.start();
    // min-ready machines deploy in the background.
    void this.nodepool?.refill().catch((err) => this.log.warn({ err }, 'nodepool refill failed'));
  }

  async stop(): Promise<void> {
    for (const s of this.schedulers.values()) await s.stop();
    await this.executor.stop();
    await this.autoholds.releaseAll();
    await this.nodepool?.stop();
  }

  /** The tenant file's authorization rules (admin-rules of a tenant name them). */
  authorizationRules(): AuthorizationRule[] {
    return this.tenantFile?.authorizationRules ?? [];
  }

  /**
   * Queues one of Zuul's management events for a tenant's scheduler, after
   * checking what it names exists: the pipeline, the change and patchset (or
   * the ref), for promote that the pipeline is a dependent one.
   */
  async adminEvent(tenant: string, type: 'admin-enqueue' | 'admin-dequeue' | 'admin-promote',
    body: { pipeline: string; project?: string; change?: string; ref?: string; oldrev?: string; newrev?: string; changes?: string[] }, by: Principal): Promise<void> {
    const s = this.scheduler(tenant);
    const pipeline = s.currentLayout?.pipelines.get(body.pipeline);
    if (!pipeline) throw new NotFoundError(`pipeline ${body.pipeline} is not in tenant ${tenant}`);
    const event: Omit<GateEvent, 'id' | 'time'> = { type, connection: 'admin', tenant, pipeline: body.pipeline, account: { username: by.name, name: by.name } };
    if (type === 'admin-promote') {
      if (pipeline.manager !== 'dependent') throw new InvalidInputError(`promote: pipeline ${body.pipeline} is ${pipeline.manager}; only a dependent pipeline's queue can be reordered`);
      const queued = new Set(s.items().filter((i) => i.pipeline === body.pipeline).flatMap((i) => i.item.changes.map((c) => c.key)));
      const missing = (body.changes ?? []).filter((c) => !queued.has(c));
      if (missing.length) throw new InvalidInputError(`promote: ${missing.join(', ')} not in pipeline ${body.pipeline}`);
      event.changes = body.changes;
    } else if (body.change) {
      const [n, ps] = body.change.split(',').map(Number) as [number, number];
      const c = await this.source.getChange(n, ps);
      if (!c) throw new NotFoundError(`change ${body.change} not found`);
      if (c.project !== body.project) throw new InvalidInputError(`change ${body.change} is of project ${c.project}, not ${body.project}`);
      event.project = c.project;
      event.change = { number: n, patchset: ps };
    } else if (body.ref) {
      if (type === 'admin-enqueue' && !body.newrev) throw new InvalidInputError('enqueue: a ref needs newrev (and oldrev)');
      Object.assign(event, { project: body.project, ref: body.ref, oldrev: body.oldrev, newrev: body.newrev ?? '0'.repeat(40) });
    } else {
      throw new InvalidInputError(`${type.slice(6)}: give a change (N,P) or a ref`);
    }
    await this.ctx.store.db.transaction().execute((trx) => this.events.append(trx, event));
    this.events.notify();
  }

  scheduler(tenant?: string): TenantScheduler {
    if (tenant === undefined) {
      if (this.schedulers.size === 1) return [...this.schedulers.values()][0]!;
      if (this.schedulers.size === 0) throw new NotFoundError('no tenant is configured (start the server with --gate-tenant-config FILE)');
      throw new InvalidInputError(`several tenants are configured (${[...this.schedulers.keys()].join(', ')}): name one`);
    }
    const s = this.schedulers.get(tenant);
    if (!s) throw new NotFoundError(`tenant ${tenant} not found`);
    return s;
  }

  /** Idle: no event pending, no item with work left, no build running, no report or merge outstanding. */
  async isIdle(): Promise<boolean> {
    if (this.executor.activeCount > 0 || this.executor.queuedCount > 0) return false;
    const last = await this.events.lastId();
    for (const s of this.schedulers.values()) if (!(await s.isIdle(last))) return false;
    return this.executor.activeCount === 0 && this.executor.queuedCount === 0;
  }

  /** Resolves true once idle (seen twice, 20 ms apart), false at the timeout. */
  async waitIdle(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let streak = 0;
    for (;;) {
      if (signal?.aborted) return false;
      streak = (await this.isIdle()) ? streak + 1 : 0;
      if (streak >= 2) return true;
      if (Date.now() >= deadline && streak === 0) return false;
      await new Promise((r) => setTimeout(r, streak ? 20 : 50));
    }
  }

  builds(filter: { tenant?: string; pipeline?: string; change?: number; project?: string; id?: string; limit?: number }): Promise<BuildRecord[]> {
    return queryBuilds(this.ctx.store.db, filter);
  }
}
