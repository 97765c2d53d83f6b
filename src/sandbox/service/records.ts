/**
 * The sandboxes this server runs and the records of all of them: create
 * (the record first, then the sandbox), find, show, keep each record in
 * step with its sandbox (level-triggered), destroy and remove. Exec and
 * copy (exec.ts, copy.ts) work on the running sandboxes found here.
 */
import { hostname } from 'node:os';
import { ConflictError, InvalidInputError, NotFoundError, canSeeProject, type Logger as CoreLogger, type Principal } from '../../core/index.js';
import type { SandboxManager, Sandbox } from '../manager/index.js';
import { validateSpec } from '../model/index.js';
import { LIVE_STATES } from '../db/lifecycle.js';
import { SandboxRecords, type SandboxRecord } from '../db/records.js';
import { usageOf, type Usage } from '../host/usage.js';
import { plain } from '../api/errors.js';
import { isId, newId } from '../api/ids.js';
import { authorize, resolveRuntime, storedSpec } from './admission.js';
import { devicesFor, type DeviceBinder } from './device-binder.js';
import { ownerAlive, ownerName } from './owner.js';
import type { CreateRequest } from './requests.js';
import type { SandboxServiceOptions, SandboxView } from './views.js';

export interface LiveSandbox {
  record: SandboxRecord;
  sandbox: Sandbox;
  destroying?: Promise<void>;
  execs: number;
}

/** Ended records (stopped, lost) are kept this long for `ls`, then pruned. */
const KEEP_ENDED_MS = 24 * 3600_000;

export class Sandboxes {
  readonly host = hostname();
  readonly owner = ownerName(this.host);
  readonly live = new Map<string, LiveSandbox>();
  /** sandboxes being created right now (their records say creating) */
  readonly starting = new Set<string>();
  readonly records: SandboxRecords;
  readonly defaultClass: string;
  stopping = false;
  binder: DeviceBinder | undefined;
  private lastPrune = 0;

  constructor(
    readonly manager: SandboxManager,
    db: ConstructorParameters<typeof SandboxRecords>[0],
    readonly log: CoreLogger,
    readonly opts: SandboxServiceOptions,
  ) {
    this.records = new SandboxRecords(db);
    this.defaultClass = opts.defaultClass ?? 'default';
  }

  ownerAlive(r: SandboxRecord): boolean {
    return ownerAlive(r, this.host);
  }

  /** A live record of another server that still runs: its sandbox is there, not here. */
  private elsewhere(rec: SandboxRecord): boolean {
    return rec.owner !== this.owner && LIVE_STATES.includes(rec.state) && this.ownerAlive(rec);
  }

  resolveRuntime(spec: { runtime?: string; runtimeClass?: string }): { runtime: string; runtimeClass: string | null } {
    return resolveRuntime(this.manager, this.defaultClass, spec);
  }

  /** Whether a sandbox still exists and may be using what it holds: false once it is gone, stopped, failed or lost. */
  async isAlive(id: string): Promise<boolean> {
    if (this.starting.has(id) || this.live.has(id)) return !this.live.get(id)?.destroying;
    const rec = isId(id) ? await this.records.get(id) : undefined;
    if (!rec) return false;
    if (rec.state === 'creating' || rec.state === 'running') return rec.owner === this.owner || this.ownerAlive(rec);
    return false;
  }

  /** Creates a sandbox on this server and records it; the record is running when this resolves. */
  async launch(caller: Principal, input: CreateRequest, oneShot: boolean): Promise<LiveSandbox> {
    if (this.stopping) throw new ConflictError('the server is shutting down');
    const { accelerators, ...spec } = input;
    validateSpec(spec); // a malformed spec is a 400 before anything is recorded
    if (accelerators !== undefined && (!Array.isArray(accelerators) || accelerators.some((a) => typeof a !== 'string' || !a)))
      throw new InvalidInputError('accelerators must be a list of device profile names or accelerator request uuids');
    if (accelerators?.length && !this.binder) throw new InvalidInputError('this server runs no accel module: a sandbox cannot ask for accelerators here');
    const { runtime, runtimeClass } = this.resolveRuntime(input);
    await authorize(this.manager, this.opts.imageRoots, caller, input, runtime);
    const record = await this.records.insert({
      id: newId(),
      project: caller.project,
      createdBy: caller.name,
      runtime,
      runtimeClass,
      image: input.image ?? 'busybox',
      spec: storedSpec(input),
      host: this.host,
      owner: this.owner,
      ownerPid: process.pid,
      ownerUrl: this.opts.url() || null,
      oneShot,
    });
    let sandbox: Sandbox;
    this.starting.add(record.id);
    try {
      const bound = accelerators?.length ? devicesFor(await this.binder!.bind(caller, record.id, accelerators), runtime === 'vm') : { devices: [], env: {} };
      sandbox = await this.manager.create({ ...spec, devices: [...(spec.devices ?? []), ...bound.devices], env: { ...bound.env, ...spec.env }, labels: { ...spec.labels } });
    } catch (err) {
      // the caller gets the error; nothing was left running or held, so neither is a record
      if (accelerators?.length) await this.binder!.release(record.id).catch((e) => this.log.warn({ sandbox: record.id, err: e }, 'releasing accelerators'));
      await this.records.move(record.id, 'creating', 'start_failed', { error: (err as Error).message }).catch(() => undefined);
      await this.records.remove(record.id).catch(() => undefined);
      throw err;
    } finally {
      this.starting.delete(record.id);
    }
    const moved = await this.records.move(record.id, 'creating', 'started', { localId: sandbox.id });
    if (!moved) {
      await sandbox.destroy().catch(() => undefined);
      throw new ConflictError(`sandbox ${record.id} was removed while it started`);
    }
    const live: LiveSandbox = { record: moved, sandbox, execs: 0 };
    this.live.set(record.id, live);
    return live;
  }

  async list(caller: Principal, filter: { project?: string } = {}): Promise<SandboxView[]> {
    await this.reconcile();
    const project = caller.role === 'admin' ? filter.project : caller.project;
    return (await this.records.list({ project })).map((r) => this.view(r, caller));
  }

  async get(caller: Principal, id: string): Promise<SandboxView> {
    const live = this.live.get(id);
    if (live) await this.sync(live);
    return this.view(await this.find(caller, id), caller);
  }

  /** Destroys a sandbox (if it runs here) and forgets it. */
  async remove(caller: Principal, id: string, opts: { force?: boolean } = {}): Promise<void> {
    const rec = await this.find(caller, id);
    const live = this.live.get(id);
    if (live) {
      await this.destroyLive(live);
      await this.records.remove(id);
      return;
    }
    if (this.starting.has(id)) throw new ConflictError(`sandbox ${id} is still starting; remove it once it runs`);
    if (this.elsewhere(rec) && !(opts.force && caller.role === 'admin'))
      throw new ConflictError(`sandbox ${id} runs on another server (${rec.ownerUrl ?? rec.host}); remove it there (admins may drop the record with force=true)`);
    // nothing of it runs here any more (ended, failed and released, or lost)
    await this.records.remove(id);
    // Removing a lost sandbox is the operator's acknowledgement.
    if (rec.state === 'lost') await this.opts.faults?.clear('600.002', `sandbox=${id}`);
  }

  async find(caller: Principal, id: string): Promise<SandboxRecord> {
    const rec = isId(id) ? await this.records.get(id) : undefined;
    // another project's sandbox is not there, as far as the caller can tell
    if (!rec || !canSeeProject(caller, rec.project)) throw new NotFoundError(`no sandbox ${id}`, { sandbox: id });
    return rec;
  }

  /** The running sandbox behind a record, on this server. */
  async running(caller: Principal, id: string, what: string): Promise<LiveSandbox> {
    const rec = await this.find(caller, id);
    const live = this.live.get(id);
    if (live) {
      await this.sync(live);
      if (live.sandbox.state === 'running' && !live.destroying) return live;
    }
    const now = live?.record ?? rec;
    if (!live && this.elsewhere(rec)) throw new ConflictError(`sandbox ${id} runs on another server (${rec.ownerUrl ?? rec.host}); send the request there`);
    throw new ConflictError(`sandbox ${id} is ${now.state}: cannot ${what}${now.error ? ` (${now.error})` : ''}`, { state: now.state });
  }

  view(rec: SandboxRecord, caller: Principal): SandboxView {
    const live = this.live.get(rec.id);
    const info = live && !live.destroying && live.sandbox.state !== 'stopped' ? live.sandbox.info({ hostPids: caller.role === 'admin' }) : undefined;
    return {
      id: rec.id,
      project: rec.project,
      createdBy: rec.createdBy,
      runtime: rec.runtime,
      runtimeClass: rec.runtimeClass,
      image: rec.image,
      state: rec.state,
      error: rec.error,
      host: rec.host,
      server: rec.ownerUrl,
      oneShot: rec.oneShot,
      createdAt: new Date(rec.createdAt).toISOString(),
      updatedAt: new Date(rec.updatedAt).toISOString(),
      spec: rec.spec,
      ...(info ? { limits: info.limits, ...(info.network ? { network: info.network } : {}), execs: live!.execs } : {}),
      ...(info && caller.role === 'admin' ? { hostPids: info.hostPids, localId: rec.localId } : {}),
    };
  }

  /** Brings one record in step with its sandbox (level-triggered: safe to run at any time). */
  async sync(live: LiveSandbox): Promise<void> {
    if (live.destroying) return;
    const id = live.record.id;
    const state = live.sandbox.state;
    if (state === 'failed' && live.record.state === 'running') {
      const error = live.sandbox.info().error ?? 'the sandbox failed';
      live.record = (await this.records.move(id, 'running', 'died', { error: plain(error) })) ?? live.record;
      this.log.warn({ sandbox: id, error }, 'sandbox failed');
      // release what the failure left at once; the record stays, failed, until removed
      live.destroying = live.sandbox
        .destroy()
        .catch((err) => this.log.warn({ sandbox: id, err }, 'cleaning up a failed sandbox'))
        .finally(() => this.live.delete(id));
    } else if ((state === 'stopping' || state === 'stopped') && live.record.state === 'running') {
      // only the library's own timer destroys a sandbox we did not: its lifetime ran out
      const t = live.record.spec.timeout;
      live.record = (await this.records.move(id, 'running', 'timeout', { error: `its timeout (${t}) ran out` })) ?? live.record;
      live.destroying = live.sandbox.destroyed
        .catch(() => undefined)
        .then(async () => {
          await this.records.move(id, 'stopping', 'cleaned');
          this.live.delete(id);
        });
    }
  }

  async reconcile(): Promise<void> {
    for (const live of [...this.live.values()]) await this.sync(live);
    if (Date.now() - this.lastPrune > 600_000) {
      this.lastPrune = Date.now();
      await this.records.pruneEnded(Date.now() - KEEP_ENDED_MS);
    }
  }

  destroyLive(live: LiveSandbox, why?: string): Promise<void> {
    if (live.destroying) return live.destroying;
    const id = live.record.id;
    live.destroying = (async () => {
      await this.records.move(id, live.record.state, 'destroy');
      let problem: string | undefined;
      try {
        await live.sandbox.destroy();
      } catch (err) {
        problem = plain((err as Error).message);
        this.log.warn({ sandbox: id, err }, 'destroying a sandbox left something behind');
      }
      const error = [why, problem].filter(Boolean).join('; ');
      await this.records.move(id, 'stopping', 'cleaned', error ? { error } : {});
      this.live.delete(id);
      await this.binder?.release(id).catch((err) => this.log.warn({ sandbox: id, err }, 'releasing accelerators'));
    })();
    return live.destroying;
  }

  /** Destroys a one-shot or internal sandbox and drops its record. */
  discard(live: LiveSandbox): Promise<void> {
    return this.destroyLive(live).then(() => this.records.remove(live.record.id).then(() => undefined));
  }

  /**
   * A sample of what a running sandbox's host processes use, beside the
   * limits in force. No sample time in it: an idle sandbox answers the same
   * twice, so watchers (the dashboard) are pushed only changes.
   */
  async usage(caller: Principal, id: string): Promise<Usage & { sandbox: string; limits: unknown[] }> {
    const live = await this.running(caller, id, 'measure it');
    const info = live.sandbox.info();
    return { sandbox: id, ...usageOf(info.hostPids), limits: info.limits };
  }

  /** Execs that servers before this one started and that went on without a reader: output tail and exit. */
  async earlierExecs(caller: Principal, id: string): Promise<{ execs: Array<{ channel: number; output: string; exitCode: number | null; signal: string | null; running: boolean }> }> {
    const live = await this.running(caller, id, 'list earlier execs');
    const execs = await this.manager.earlierExecs(live.sandbox.id);
    return {
      execs: execs.map((e) => ({
        channel: e.channel,
        output: e.output,
        exitCode: e.exit?.code !== undefined ? Number(e.exit.code) : null,
        signal: e.exit?.signal ?? null,
        running: e.exit === undefined,
      })),
    };
  }
}
