// The scheduler's imperative shell for one tenant (Zuul's Scheduler plus
// the managers' I/O): a single loop that reads events from the store in
// order, asks the pure managers what to do, performs reports and merges,
// persists the state, then starts merges and builds. Results (a build
// ended, an item was prepared) come back into the loop as inbox entries.
// Only one process runs a tenant's scheduler at a time (a lease in the
// store); after a crash the next one resumes from the persisted state.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import {
  changedFiles, isAncestor, type Merger, type RepoCache,
} from '../merger/index.js';
import {
  introducedErrors, isConfigFile, loadTenantLayout, nextCronTime, pipelineAccepts, pipelineTriggerFor, type CachingReader,
  type ConfigError, type Layout, type LoadOptions, type Pipeline, type TenantConfig,
} from '../config/index.js';
import type { FaultReporter, Logger } from '../../core/index.js';
import type { EventLog, GateEvent } from '../db/events.js';
import { StateStore, buildRecord } from '../db/state-store.js';
import type { BuildOutcome, Executor } from '../executor/index.js';
import type { ZuulItem } from '../executor/ansible/zuul-vars.js';
import type { Build, Change, Changeish, PipelineState, QueueItem, RefUpdate } from '../model.js';
import { refKey } from '../model.js';
import type { Reporter } from '../reporters/index.js';
import type { LocalSource } from '../sources/index.js';
import type { PipelineManager } from './base.js';
import { changeState, pipelineSettings, PRECEDENCE_RANK, queueSpec, triggerEvent } from './layout-adapter.js';
import { createManager } from './managers.js';
import { buildMachine, buildSetMachine, changeMachine } from '../machines.js';
import { submitStates } from '../db/state-columns.js';
import { moveState } from '../../core/index.js';
import { prepareItem } from './preparer.js';
import { statusPipeline, type StatusPipeline } from './status.js';
import type { Action, LaunchAction, ManagerEnv, PrepareAction, ReportAction, ReportKind, ReportOutcome } from './types.js';

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

interface Managed {
  pipeline: Pipeline;
  manager: PipelineManager;
}

const LEASE_MS = 30_000;

export class TenantScheduler {
  readonly name: string;
  private layout: Layout | null = null;

  get tenantConfig(): TenantConfig {
    return this.deps.tenantConfig;
  }

  /** The tenant's current layout (null before the first load). */
  get currentLayout(): Layout | null {
    return this.layout;
  }
  private configErrors: ConfigError[] = [];
  private lastReconfigured = 0;
  private readonly managers = new Map<string, Managed>();
  private states = new Map<string, PipelineState>();
  private readonly changes = new Map<number, Change>();
  private readonly inbox: Array<() => void> = [];
  private effects: Action[] = [];
  private readonly buildPipelines = new Map<string, string>();
  private readonly store: StateStore;
  private cursor = 0;
  private preparing = 0;
  private busy = false;
  private stopped = false;
  private leader = false;
  private wakeUp: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private leaseTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Pipelines whose 600.001 this process last set (true) or cleared (false). */
  private readonly alarmed = new Map<string, boolean>();

  constructor(private readonly deps: TenantSchedulerDeps) {
    this.name = deps.tenantConfig.name;
    this.store = new StateStore(deps.db, this.name);
  }

  // ------------------------------------------------------------ life cycle

  async start(): Promise<void> {
    this.unsubscribe = this.deps.events.onAppended(() => this.wake());
    await this.tryLead();
    this.leaseTimer = setInterval(() => void this.tryLead().catch((err) => this.deps.log.warn({ err }, 'scheduler lease')), LEASE_MS / 3);
    this.leaseTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    for (const t of this.timers) clearTimeout(t);
    this.unsubscribe?.();
    this.wake();
    await this.loopDone;
    if (this.leader) {
      await this.deps.db.deleteFrom('gate_leases').where('name', '=', this.leaseName()).where('owner', '=', this.deps.owner).execute().catch(() => undefined);
    }
  }

  /**
   * Alarm 600.001 is set exactly while a pipeline is disabled (Zuul's
   * disable-after-consecutive-failures); only changes reach the fault manager.
   */
  private async syncAlarms(): Promise<void> {
    const fm = this.deps.faults;
    if (!fm) return;
    const clean = (v: string) => v.replace(/[\s.=]/g, '_');
    const entity = (p: string) => `tenant=${clean(this.name)}.pipeline=${clean(p)}`;
    for (const [name, state] of this.states) {
      if (this.alarmed.get(name) === state.disabled) continue;
      this.alarmed.set(name, state.disabled);
      if (state.disabled) await fm.raise({ alarmId: '600.001', entityInstanceId: entity(name), reasonText: `Pipeline ${name} of tenant ${this.name} was disabled after ${state.consecutiveFailures} consecutive failures.` });
      else await fm.clear('600.001', entity(name));
    }
    for (const name of [...this.alarmed.keys()]) {
      if (this.states.has(name)) continue;
      this.alarmed.delete(name);
      await fm.clear('600.001', entity(name));
    }
  }

  private leaseName(): string {
    return `scheduler:${this.name}`;
  }

  /** Claims (or renews) the tenant's scheduler lease; the first claim starts the loop. */
  private async tryLead(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    const db = this.deps.db;
    const name = this.leaseName();
    // A holder that was a process on this host which no longer exists (a crash) need not be waited for.
    const held = await db.selectFrom('gate_leases').select(['owner', 'expires_at']).where('name', '=', name).executeTakeFirst();
    const deadHolder = held && held.owner !== this.deps.owner && isDeadLocalProcess(held.owner) ? held.owner : null;
    const r = await db.updateTable('gate_leases').set({ owner: this.deps.owner, expires_at: now + LEASE_MS })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('owner', '=', this.deps.owner), eb('expires_at', '<', now), ...(deadHolder ? [eb('owner', '=', deadHolder)] : [])]))
      .executeTakeFirst();
    let ours = Number(r.numUpdatedRows) === 1;
    if (!ours) {
      try {
        await db.insertInto('gate_leases').values({ name, owner: this.deps.owner, expires_at: now + LEASE_MS }).execute();
        ours = true;
      } catch {
        ours = false;
      }
    }
    if (ours && !this.leader) {
      this.leader = true;
      await this.recover();
      this.loopDone = this.loop();
    } else if (!ours && this.leader) {
      this.deps.log.error({ tenant: this.name }, 'lost the scheduler lease; stopping this scheduler');
      this.stopped = true;
      this.wake();
    }
  }

  private async recover(): Promise<void> {
    await this.reconfigure(true);
    const loaded = await this.store.load();
    this.cursor = loaded.cursor ?? (await this.deps.events.lastId());
    const interrupted: string[] = [];
    for (const [name, state] of loaded.pipelines) {
      if (!this.managers.has(name)) continue; // a pipeline gone from the configuration
      for (const q of state.queues) {
        for (const item of q.items) {
          const bs = item.buildSet;
          // Work in flight when the previous process stopped is redone: merges, and builds (their processes were killed).
          if (bs.state === 'preparing') bs.state = buildSetMachine.next(bs.state, 'restart');
          for (const [uid, b] of Object.entries(bs.builds)) {
            if (!buildMachine.can(b.status, 'interrupt')) continue;
            interrupted.push(b.id);
            delete bs.builds[uid];
          }
        }
      }
      // A restart is a reconfiguration: as Zuul, it enables a pipeline disabled after consecutive failures.
      this.states.set(name, state.disabled ? { ...state, disabled: false, consecutiveFailures: 0 } : state);
    }
    await this.store.interruptBuilds(interrupted, Date.now());
    for (const state of this.states.values()) for (const q of state.queues) for (const i of q.items) for (const c of i.changes) if (c.kind === 'change') await this.loadClosure(c);
    await this.repairMerges();
    this.deps.log.info({ tenant: this.name, cursor: this.cursor, items: this.itemCount() }, 'gate scheduler started');
  }

  /** Submits recorded but not marked done: done if the branch is where the submit was taking it. */
  private async repairMerges(): Promise<void> {
    const rows = await this.deps.db.selectFrom('gate_merges').selectAll().where('tenant', '=', this.name).where('state', '=', 'pending').execute();
    for (const r of rows) {
      const tip = await this.deps.repos.branchTip(r.project, r.branch);
      if (tip === r.new_sha) {
        await moveState(this.deps.db, submitStates, r.buildset, 'pending', 'advanced', {
          set: { detail: 'completed before a restart', updated_at: Date.now() }, where: { project: r.project, branch: r.branch }, by: 'gate-scheduler',
        });
        this.deps.log.warn({ project: r.project, branch: r.branch, changes: r.changes }, 'a submit interrupted by a restart had moved the branch: recorded as done');
      }
    }
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.round();
      } catch (err) {
        this.deps.log.error({ err, tenant: this.name }, 'scheduler round failed');
        await new Promise((r) => setTimeout(r, 500));
      }
      if (!worked && !this.stopped) {
        await new Promise<void>((r) => {
          this.wakeUp = r;
          setTimeout(r, 1000).unref?.();
        });
      }
    }
  }

  /** One round: events, results, passes, persist, then start what was decided. True when anything happened. */
  private async round(): Promise<boolean> {
    this.busy = true;
    try {
      let worked = false;
      const events = await this.deps.events.after(this.cursor, 100);
      for (const e of events) {
        await this.handleEvent(e);
        this.cursor = e.id;
        worked = true;
      }
      while (this.inbox.length > 0) {
        this.inbox.shift()!();
        worked = true;
      }
      if (await this.processAll()) worked = true;
      await this.store.save(this.states, this.cursor);
      await this.syncAlarms();
      if (this.effects.length) worked = true;
      this.dispatch();
      return worked;
    } finally {
      this.busy = false;
    }
  }

  /** Idle: nothing pending, nothing in any queue, nothing being prepared or started. */
  async isIdle(lastEventId: number): Promise<boolean> {
    if (!this.leader) return this.storeIdle(lastEventId);
    return !this.busy && this.inbox.length === 0 && this.effects.length === 0 && this.preparing === 0 &&
      this.cursor >= lastEventId && this.itemCount() === 0;
  }

  /** What a standby (another process leads this tenant) can tell from the store. */
  private async storeIdle(lastEventId: number): Promise<boolean> {
    const db = this.deps.db;
    const cursor = await db.selectFrom('gate_cursors').select(['event_id']).where('tenant', '=', this.name).executeTakeFirst();
    if (!cursor || Number(cursor.event_id) < lastEventId) return false;
    const item = await db.selectFrom('gate_items').select(['id']).where('tenant', '=', this.name).limit(1).executeTakeFirst();
    return item === undefined;
  }

  itemCount(): number {
    let n = 0;
    for (const s of this.states.values()) for (const q of s.queues) n += q.items.length;
    return n;
  }

  // ------------------------------------------------------------ configuration

  private pipelineOrder(): string[] {
    return [...this.managers.entries()]
      .sort(([, a], [, b]) => PRECEDENCE_RANK[b.pipeline.precedence] - PRECEDENCE_RANK[a.pipeline.precedence])
      .map(([n]) => n);
  }

  /** Loads the layout from the branch tips; a layout with new errors never replaces the current one. */
  async reconfigure(initial = false): Promise<boolean> {
    this.deps.reader.invalidate();
    const candidate = await loadTenantLayout(this.deps.tenantConfig, this.deps.reader, this.deps.loadOptions);
    if (!initial && this.layout) {
      const introduced = introducedErrors(this.layout, candidate);
      if (introduced.length) {
        this.deps.log.error({ tenant: this.name, errors: introduced.map((e) => e.message) }, 'the new configuration has errors: keeping the last good one');
        this.configErrors = introduced;
        return false;
      }
    } else if (candidate.errors.errors.length) {
      this.deps.log.warn({ tenant: this.name, errors: candidate.errors.errors.map((e) => e.message) }, 'the configuration has errors; objects with errors are left out');
    }
    this.layout = candidate;
    this.configErrors = candidate.errors.errors;
    this.lastReconfigured = Date.now();
    const seen = new Set<string>();
    for (const [name, p] of candidate.pipelines) {
      const manager = createManager(pipelineSettings(p));
      this.managers.set(name, { pipeline: p, manager });
      const prev = this.states.get(name);
      if (!prev) this.states.set(name, manager.initialState());
      // As Zuul: a pipeline disabled after consecutive failures is enabled again by a reconfiguration.
      else if (prev.disabled) this.states.set(name, { ...prev, disabled: false, consecutiveFailures: 0 });
      seen.add(name);
    }
    for (const name of [...this.managers.keys()]) {
      if (seen.has(name)) continue;
      const state = this.states.get(name);
      for (const q of state?.queues ?? []) for (const i of q.items) for (const b of Object.values(i.buildSet.builds)) if (b.status !== 'completed') this.deps.executor.cancel(b.id);
      this.managers.delete(name);
      this.states.delete(name);
    }
    this.setupTimers();
    return true;
  }

  private setupTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.stopped) return;
    for (const [name, { pipeline }] of this.managers) {
      for (const trigger of pipeline.triggers) {
        if (trigger.kind !== 'timer') continue;
        const arm = () => {
          const next = nextCronTime(trigger.cron, new Date()).getTime();
          const t = setTimeout(() => {
            this.timers = this.timers.filter((x) => x !== t);
            if (this.stopped || this.managers.get(name)?.pipeline !== pipeline) return;
            void this.deps.db.transaction().execute((trx) => this.deps.events.append(trx, { type: 'timer', connection: trigger.connection, tenant: this.name, pipeline: name }))
              .then(() => this.deps.events.notify())
              .catch((err) => this.deps.log.error({ err }, 'recording a timer event failed'));
            arm();
          }, Math.max(0, next - Date.now()));
          t.unref?.();
          this.timers.push(t);
        };
        arm();
      }
    }
  }

  // ------------------------------------------------------------ changes

  private async loadChange(n: number): Promise<Change | undefined> {
    const c = await this.deps.source.getChange(n);
    if (c) this.changes.set(n, c);
    else this.changes.delete(n);
    return c;
  }

  /** Loads a change's dependencies (transitively) so the managers can look them up. */
  private async loadClosure(c: Change): Promise<void> {
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

  private env(name: string): ManagerEnv {
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

  // ------------------------------------------------------------ events

  private async handleEvent(e: GateEvent): Promise<void> {
    if (!this.layout) return;
    if (e.type.startsWith('admin-')) {
      if (e.tenant === this.name && e.pipeline && this.managers.has(e.pipeline)) await this.handleAdmin(e);
      return;
    }
    if (e.type === 'timer') {
      if (e.tenant === this.name && e.pipeline && this.managers.has(e.pipeline)) await this.timerFired(e.pipeline);
      return;
    }
    if (e.connection !== 'local' || !e.project) return;
    let inTenant = false;
    try {
      inTenant = this.layout.tenant.getProject(e.project) !== undefined;
    } catch {
      inTenant = false;
    }
    if (!inTenant) return;
    if (e.change) await this.loadChange(e.change.number);
    const n = e.change?.number;
    if (e.type === 'patchset-created' && n !== undefined) {
      for (const name of this.pipelineOrder()) {
        this.dropWaiting(name, n);
        if (this.managers.get(name)!.pipeline.dequeueOnNewPatchset) {
          await this.remove(name, (c) => c.kind === 'change' && c.number === n && c.patchset < e.change!.patchset, `a new patchset (${n},${e.change!.patchset}) was uploaded`);
        }
      }
    } else if (e.type === 'change-abandoned' && n !== undefined) {
      for (const name of this.pipelineOrder()) {
        this.dropWaiting(name, n);
        await this.remove(name, (c) => c.kind === 'change' && c.number === n, `change ${n} was abandoned`);
      }
    } else if (e.type === 'ref-updated') {
      await this.maybeReconfigure(e);
    }

    let subject: Changeish | undefined;
    if (e.change) subject = await this.deps.source.getChange(e.change.number, e.change.patchset);
    else if (e.type === 'ref-updated' && e.ref && e.newrev) {
      subject = {
        kind: 'ref', key: refKey(e.project, e.ref, e.newrev), project: e.project, branch: e.branch ?? null, ref: e.ref,
        oldrev: e.oldrev ?? '0'.repeat(40), newrev: e.newrev,
      } satisfies RefUpdate;
    }
    if (!subject) return;
    if (subject.kind === 'change') await this.loadClosure(subject);
    const te = triggerEvent(e);
    const cs = changeState(subject);
    for (const name of this.pipelineOrder()) {
      const managed = this.managers.get(name);
      if (!managed || !pipelineTriggerFor(managed.pipeline, te, cs, Date.now() / 1000)) continue;
      await this.enqueue(name, subject, describeEvent(e), true);
    }
    if (e.type === 'change-merged' && n !== undefined) {
      // Changes that waited for this one to merge (it was in a queue they do not share) may enter now.
      for (const name of this.pipelineOrder()) {
        const state = this.states.get(name)!;
        for (const w of [...(state.waiting ?? [])]) {
          const c = await this.loadChange(w);
          if (c && c.needs.some((x) => x.number === n)) await this.enqueue(name, c, `change ${n}, which it needs, merged`, true);
        }
      }
    }
  }

  /** Zuul's management events: enqueue (requirements not checked, as Zuul), dequeue, promote. */
  private async handleAdmin(e: GateEvent): Promise<void> {
    const name = e.pipeline!;
    const by = e.account ? ` by ${e.account.username}` : '';
    if (e.type === 'admin-promote') {
      const managed = this.managers.get(name)!;
      const out = managed.manager.promote(this.states.get(name)!, e.changes ?? [], this.env(name));
      this.states.set(name, out.state);
      await this.handleActions(name, out.actions);
      return;
    }
    let subject: Changeish | undefined;
    if (e.change) subject = await this.deps.source.getChange(e.change.number, e.change.patchset);
    else if (e.project && e.ref && e.newrev) {
      subject = {
        kind: 'ref', key: refKey(e.project, e.ref, e.newrev), project: e.project, branch: e.ref.startsWith('refs/heads/') ? e.ref.slice(11) : null,
        ref: e.ref, oldrev: e.oldrev ?? '0'.repeat(40), newrev: e.newrev,
      } satisfies RefUpdate;
    }
    if (!subject) return;
    if (e.type === 'admin-enqueue') {
      if (subject.kind === 'change') await this.loadClosure(subject);
      await this.enqueue(name, subject, `enqueued${by}`, false, new Set(), true);
    } else {
      const key = subject.key;
      await this.remove(name, (c) => c.key === key || (c.kind === 'ref' && subject!.kind === 'ref' && c.project === subject!.project && c.ref === subject!.ref), `dequeued${by}`);
    }
  }

  private dropWaiting(name: string, n: number): void {
    const state = this.states.get(name);
    if (state?.waiting?.includes(n)) this.states.set(name, { ...state, waiting: state.waiting.filter((x) => x !== n) });
  }

  private async enqueue(name: string, change: Changeish, cause: string, fromTrigger: boolean, visited = new Set<string>(), ignoreRequirements = false): Promise<void> {
    if (visited.has(`${name} ${change.key}`)) return;
    visited.add(`${name} ${change.key}`);
    const managed = this.managers.get(name);
    if (!managed) return;
    if (change.kind === 'change') await this.loadClosure(change);
    const out = managed.manager.addChange(this.states.get(name)!, change, this.env(name), { cause, ignoreRequirements });
    this.states.set(name, out.state);
    await this.handleActions(name, out.actions);
    if (change.kind === 'change' && out.waiting && fromTrigger && managed.manager.name === 'dependent') {
      const state = this.states.get(name)!;
      if (!state.waiting?.includes(change.number)) this.states.set(name, { ...state, waiting: [...(state.waiting ?? []), change.number] });
      this.deps.log.info({ pipeline: name, change: change.key, reason: out.rejected }, 'change waits for a dependency');
    } else if (out.rejected) {
      this.deps.log.info({ pipeline: name, change: change.key, reason: out.rejected }, 'change not enqueued');
    }
    if (out.enqueued.length === 0) return;
    for (const c of out.enqueued) if (c.kind === 'change') this.dropWaiting(name, c.number);
    for (const other of managed.pipeline.supercedes) {
      if (!this.managers.has(other)) continue;
      const keys = new Set(out.enqueued.map((c) => c.key));
      await this.remove(other, (c) => keys.has(c.key), `superseded by pipeline ${name}`);
    }
    if (managed.manager.name === 'dependent') {
      // Zuul's enqueueChangesBehind: changes needing what just entered follow it (if they meet the requirements).
      for (const c of out.enqueued) {
        if (c.kind !== 'change') continue;
        for (const n of await this.deps.source.neededBy(c.number)) {
          const d = await this.loadChange(n);
          if (d) await this.enqueue(name, d, `${c.key}, which it needs, was enqueued`, false, visited);
        }
      }
    }
  }

  private async remove(name: string, matches: (c: Changeish) => boolean, reason: string): Promise<void> {
    const managed = this.managers.get(name)!;
    const out = managed.manager.removeChanges(this.states.get(name)!, matches, reason, this.env(name));
    this.states.set(name, out.state);
    await this.handleActions(name, out.actions);
  }

  private async timerFired(name: string): Promise<void> {
    const layout = this.layout!;
    for (const tp of layout.tenant.projects) {
      if (!tp.available) continue;
      for (const branch of tp.branches) {
        if (!layout.getProjectPipelineConfig({ project: tp.name, branch }, name)) continue;
        const tip = await this.deps.repos.branchTip(tp.name, branch);
        if (!tip) continue;
        const ref = `refs/heads/${branch}`;
        const subject: RefUpdate = { kind: 'ref', key: refKey(tp.name, ref, tip), project: tp.name, branch, ref, oldrev: tip, newrev: tip };
        await this.enqueue(name, subject, 'timer', true);
      }
    }
  }

  private async maybeReconfigure(e: GateEvent): Promise<void> {
    const tp = this.layout?.tenant.getProject(e.project!);
    if (!tp || !e.newrev) return;
    let touches = true;
    if (e.oldrev && !/^0+$/.test(e.oldrev)) {
      try {
        const src = this.deps.repos.sourceDir(tp.name);
        touches = (await isAncestor(src, e.oldrev, e.newrev)) &&
          (await changedFiles(src, e.newrev, e.oldrev)).some((f) => isConfigFile(f, tp.entry.extraConfigFiles, tp.entry.extraConfigDirs));
      } catch {
        touches = true;
      }
    }
    if (touches) {
      this.deps.log.info({ tenant: this.name, project: tp.name, branch: e.branch }, 'configuration changed: reconfiguring');
      await this.reconfigure();
    }
  }

  // ------------------------------------------------------------ passes and actions

  private async processAll(): Promise<boolean> {
    if (!this.layout) return false;
    let worked = false;
    for (let pass = 0; pass < 100_000; pass++) {
      let any = false;
      for (const name of this.pipelineOrder()) {
        const managed = this.managers.get(name);
        if (!managed) continue;
        const out = managed.manager.processQueue(this.states.get(name)!, this.env(name));
        this.states.set(name, out.state);
        if (out.actions.length) {
          any = true;
          await this.handleActions(name, out.actions);
        }
      }
      if (!any) return worked;
      worked = true;
    }
    throw new Error('the scheduler does not settle');
  }

  private async handleActions(name: string, actions: Action[]): Promise<void> {
    for (const a of actions) {
      switch (a.type) {
        case 'prepare':
        case 'launch':
          this.effects.push(a);
          break;
        case 'cancel': {
          this.effects.push(a);
          const b = Object.values(a.item.buildSet.builds).find((x) => x.id === a.buildId);
          if (b) this.store.noteBuild(buildRecord(this.name, name, a.item, b, a.item.buildSet.jobs.find((j) => j.uid === b.job)));
          break;
        }
        case 'dequeued':
          for (const b of Object.values(a.item.buildSet.builds)) {
            this.store.noteBuild(buildRecord(this.name, name, a.item, b, a.item.buildSet.jobs.find((j) => j.uid === b.job)));
          }
          break;
        case 'report':
          if (a.final) await this.finalReport(name, a);
          else await this.deps.reporter.report(this.name, this.managers.get(name)!.pipeline, a);
          break;
      }
    }
  }

  private async finalReport(name: string, a: ReportAction): Promise<void> {
    const managed = this.managers.get(name)!;
    // The verdict's inputs (build results) are durable before anything moves.
    await this.store.save(this.states, this.cursor);
    let outcome: ReportOutcome = { merged: false };
    let kind: ReportKind = a.kind;
    let extra = a.message;
    let merged: Array<{ project: string; branch: string; sha: string }> = [];
    if (a.submit) {
      const r = await this.deps.reporter.submit(this.name, a.item);
      outcome = { merged: r.merged, ...(r.error ? { error: r.error } : {}) };
      merged = r.advanced;
      if (!r.merged) {
        kind = 'failure';
        extra = `The change passed its jobs but could not be merged: ${r.error}.`;
      }
    }
    await this.deps.reporter.report(this.name, managed.pipeline, a, { kind, extra, merged });
    for (const t of merged) {
      for (const c of a.item.changes) {
        if (c.kind !== 'change' || c.project !== t.project || c.branch !== t.branch) continue;
        const cached = this.changes.get(c.number);
        if (cached && changeMachine.can(cached.status, 'merge')) this.changes.set(c.number, { ...cached, status: changeMachine.next(cached.status, 'merge') });
      }
    }
    const out = managed.manager.onReported(this.states.get(name)!, a.itemId, outcome, this.env(name));
    this.states.set(name, out.state);
    await this.handleActions(name, out.actions);
  }

  /** Starts what the round decided, now that it is persisted. */
  private dispatch(): void {
    const effects = this.effects;
    this.effects = [];
    for (const a of effects) {
      if (a.type === 'prepare') this.startPrepare(a);
      else if (a.type === 'launch') this.launch(a);
      else if (a.type === 'cancel') this.deps.executor.cancel(a.buildId);
    }
  }

  private startPrepare(a: PrepareAction): void {
    this.preparing++;
    const layout = this.layout!;
    prepareItem({
      merger: this.deps.merger,
      repos: this.deps.repos,
      tenantConfig: this.deps.tenantConfig,
      reader: this.deps.reader,
      layout: () => layout,
      runtimes: this.deps.runtimes(),
      isolatedRuntimes: this.deps.runtimePolicy?.().isolated,
      untrustedRuntime: this.deps.runtimePolicy?.().untrusted,
      loadOptions: this.deps.loadOptions,
      mergeConflictMessage: (p) => this.managers.get(p)?.pipeline.messages.mergeConflict ?? 'Merge Failed.',
    }, a)
      .catch((err) => {
        this.deps.log.error({ err, item: a.itemId }, 'preparing an item failed');
        return { ok: false as const, kind: 'merge-conflict' as const, error: `The gate could not prepare this change: ${(err as Error).message}` };
      })
      .then((result) => {
        this.preparing--;
        this.inbox.push(() => {
          const managed = this.managers.get(a.pipeline);
          if (!managed) return;
          this.states.set(a.pipeline, managed.manager.onPrepared(this.states.get(a.pipeline)!, a.itemId, a.seq, result, this.env(a.pipeline)).state);
        });
        this.wake();
      });
  }

  private launch(a: LaunchAction): void {
    const managed = this.managers.get(a.pipeline);
    const found = managed?.manager.findItem(this.states.get(a.pipeline)!, a.itemId);
    const item = found?.item;
    if (!item || item.buildSet.id !== a.buildSet || !item.buildSet.builds[a.job.uid] || item.buildSet.builds[a.job.uid]!.id !== a.build.id) return;
    const own = item.changes.find((c) => c.key === a.job.change) ?? item.changes[0]!;
    this.buildPipelines.set(a.build.id, a.pipeline);
    this.deps.claimBuild(a.build.id);
    this.deps.executor.submit({
      buildId: a.build.id,
      tenant: this.name,
      pipeline: a.pipeline,
      job: a.job,
      change: own.kind === 'change' ? own.key : '',
      changes: item.buildSet.changes.filter((k) => /^\d+,\d+$/.test(k)),
      ...(own.kind === 'ref' ? { ref: own.ref, newrev: own.newrev } : {}),
      commits: item.buildSet.commits,
      priority: PRECEDENCE_RANK[managed!.pipeline.precedence],
      buildset: item.buildSet.id,
      items: this.zuulItems(a.pipeline, item),
    });
  }

  /** The changes of an item's speculative state, in queue order (Zuul's zuul.items): those of the items ahead, then its own. */
  private zuulItems(pipeline: string, item: QueueItem): ZuulItem[] {
    const managed = this.managers.get(pipeline)!;
    const state = this.states.get(pipeline)!;
    const chain: QueueItem[] = [];
    for (let it: QueueItem | undefined = item; it; it = it.aheadId ? managed.manager.findItem(state, it.aheadId)?.item : undefined) {
      chain.unshift(it);
      if (chain.length > 1000) break;
    }
    return chain.flatMap((it) => it.changes).map((c): ZuulItem => c.kind === 'change'
      ? { project: c.project, branch: c.branch, change: c.number, patchset: c.patchset, ref: c.ref, changeUrl: c.url, topic: c.topic }
      : { project: c.project, branch: c.branch ?? c.ref, ref: c.ref, oldrev: c.oldrev, newrev: c.newrev });
  }

  onBuildStarted(buildId: string, time: number): void {
    const name = this.buildPipelines.get(buildId);
    if (!name) return;
    this.inbox.push(() => {
      const managed = this.managers.get(name);
      if (managed) this.states.set(name, managed.manager.onBuildStarted(this.states.get(name)!, buildId, time, this.env(name)).state);
    });
    this.wake();
  }

  onBuildFinished(buildId: string, outcome: BuildOutcome): void {
    const name = this.buildPipelines.get(buildId);
    if (!name) return;
    this.buildPipelines.delete(buildId);
    this.inbox.push(() => {
      const managed = this.managers.get(name);
      if (!managed) return;
      this.states.set(name, managed.manager.onBuildCompleted(this.states.get(name)!, buildId, {
        result: outcome.result, endTime: outcome.endTime, startTime: outcome.startTime, ...(outcome.message ? { message: outcome.message } : {}),
      }, this.env(name)).state);
    });
    this.wake();
  }

  // ------------------------------------------------------------ views

  status(logUrl: (b: Build) => string): { tenant: string; leader: boolean; last_reconfigured: number; config_errors: string[]; pipelines: StatusPipeline[] } {
    return {
      tenant: this.name,
      leader: this.leader,
      last_reconfigured: this.lastReconfigured,
      config_errors: this.configErrors.map((e) => e.message),
      pipelines: this.pipelineOrder().map((n) => statusPipeline(this.managers.get(n)!.pipeline, this.states.get(n)!, logUrl)),
    };
  }

  items(): Array<{ pipeline: string; item: QueueItem }> {
    const out: Array<{ pipeline: string; item: QueueItem }> = [];
    for (const [pipeline, s] of this.states) for (const q of s.queues) for (const item of q.items) out.push({ pipeline, item });
    return out;
  }
}

/** `host:pid:…` naming a process of this host that is gone. */
export function isDeadLocalProcess(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function describeEvent(e: GateEvent): string {
  if (e.type === 'comment-added') {
    const votes = (e.approvals ?? []).filter((a) => a.oldValue !== undefined).map((a) => `${a.label}${a.value > 0 ? '+' : ''}${a.value}`);
    return `comment-added${votes.length ? ` ${votes.join(' ')}` : ''}${e.account ? ` by ${e.account.username}` : ''}`;
  }
  return `${e.type}${e.account ? ` by ${e.account.username}` : ''}`;
}
