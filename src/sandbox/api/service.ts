/**
 * The sandbox module's server side: one SandboxManager for this host, the
 * records of every sandbox in the store, the running execs by id, and the
 * rules of who may do what. The HTTP routes, the one-shot run and the gate's
 * job sessions all go through it.
 *
 * A sandbox lives in the server process that created it (its agent talks to
 * that process), so a record names its owner (pid, host, start time) and
 * URL. A record whose owner is gone is `lost`: the next server on that host
 * marks it so, and its SandboxManager has already released what the dead
 * one left in the state directory.
 */
import { existsSync, readFileSync, createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, realpath, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  canSeeProject,
  type FaultReporter,
  type Logger as CoreLogger,
  type Principal,
  type StopOptions,
} from '../../core/index.js';
import { SandboxManager, type Exec, type Sandbox } from '../manager/index.js';
import type { RuntimeClass } from '../manager/index.js';
import { isSandboxError, parseDuration, validateSpec } from '../model/index.js';
import { parseImageRef } from '../images/index.js';
import type { LimitEnforcement, Logger, Runtime } from '../runtimes/index.js';
import { LIVE_STATES } from '../db/lifecycle.js';
import { SandboxRecords, type SandboxRecord, type StoredSpec } from '../db/records.js';
import { plain } from './errors.js';
import { FrameStream } from './exec-stream.js';
import { CANNOT_RUN_EXIT, NOT_FOUND_EXIT, signalNumberOf, type ExecFrame, type ExitFrame } from './frames.js';
import { isId, newId } from './ids.js';
import { extractTar, hostPathEntries, tarStream } from './tar.js';
import { devicesFor, type DeviceBinder } from './device-binder.js';
import { usageOf, type Usage } from '../host/usage.js';
import { openJobSession, sandboxBuildRuntime, type JobSandboxOptions, type JobSession, type JobSessionSpec } from './job-session.js';

export interface SandboxServiceOptions {
  /** where sandboxes keep their state (default <data>/sandbox); VM sockets need it short */
  stateDir: string;
  /** build artefacts and unpacked images (default: the library's) */
  cacheDir?: string;
  classes?: RuntimeClass[];
  defaultClass?: string;
  /** largest upload for a copy in, bytes */
  copyLimit: number;
  /** host directories non-admins may take images from (besides the built-in busybox) */
  imageRoots: string[];
  /** the server's URL, recorded with each sandbox (known once it listens) */
  url(): string;
  /** where alarm 600.002 (sandbox lost) goes: core's faults(); none: no alarms */
  faults?: FaultReporter;
}

export type { CreateRequest, ExecRequest, RunRequest } from './requests.js';
import type { CreateRequest, ExecRequest, RunRequest } from './requests.js';

export interface SandboxView {
  id: string;
  project: string;
  createdBy: string;
  runtime: string;
  runtimeClass: string | null;
  image: string;
  state: SandboxRecord['state'];
  error: string | null;
  host: string;
  /** the server that runs it */
  server: string | null;
  oneShot: boolean;
  createdAt: string;
  updatedAt: string;
  spec: StoredSpec;
  /** while it runs on this server: */
  limits?: LimitEnforcement[];
  network?: { sandboxAddress: string; hostAddress: string };
  execs?: number;
  /** admins only: host processes and the library's id (for diagnosis) */
  hostPids?: number[];
  localId?: string | null;
}

export interface ExecStart {
  /** the NDJSON frames, ending with an exit or error frame */
  stream: Readable;
  /** the exec's id, when the command started */
  execId?: string;
  /** the client went away before the end: kill the command */
  abandon(): void;
}

interface LiveSandbox {
  record: SandboxRecord;
  sandbox: Sandbox;
  destroying?: Promise<void>;
  execs: number;
}

interface LiveExec {
  id: string;
  sandboxId: string;
  exec: Exec;
  stdinBusy: boolean;
  stdinClosed: boolean;
  done: boolean;
  ended: Promise<void>;
}

/** Ended records (stopped, lost) are kept this long for `ls`, then pruned. */
const KEEP_ENDED_MS = 24 * 3600_000;
const RECONCILE_MS = 1000;

/** /proc/PID/stat's start time (clock ticks since boot): with the pid, it names one process life. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}


export class SandboxService {
  readonly host = hostname();
  readonly owner: string;
  private readonly live = new Map<string, LiveSandbox>();
  private readonly execs = new Map<string, LiveExec>();
  /** sandboxes being created right now (their records say creating) */
  private readonly starting = new Set<string>();
  private readonly records: SandboxRecords;
  private readonly defaultClass: string;
  private readonly transfers: string;
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private stopping = false;
  private binder: DeviceBinder | undefined;

  private constructor(
    readonly manager: SandboxManager,
    db: SandboxRecordsDb,
    private readonly log: CoreLogger,
    private readonly opts: SandboxServiceOptions,
  ) {
    this.records = new SandboxRecords(db);
    this.owner = `${process.pid}@${this.host}#${startTicks(process.pid) ?? Date.now()}`;
    this.defaultClass = opts.defaultClass ?? 'default';
    this.transfers = join(opts.stateDir, 'transfers');
  }

  /** Opens the manager (which releases what a crashed server left in the state directory). */
  static async open(db: SandboxRecordsDb, log: CoreLogger, opts: SandboxServiceOptions): Promise<SandboxService> {
    const libLog: Logger = { info: (m) => log.info(m), warn: (m) => log.warn(m) };
    // supervised: each sandbox outlives this server, and the next server adopts it
    const manager = await SandboxManager.open({ stateDir: opts.stateDir, cacheDir: opts.cacheDir, classes: opts.classes, defaultClass: opts.defaultClass, log: libLog, supervised: true });
    const service = new SandboxService(manager, db, log, opts);
    // copies staged by a server that died mid-transfer
    await rm(service.transfers, { recursive: true, force: true });
    await mkdir(service.transfers, { recursive: true, mode: 0o700 });
    return service;
  }

  /** Lets sandboxes ask for accelerators (the accel module calls this). */
  useDeviceBinder(binder: DeviceBinder): void {
    this.binder = binder;
  }

  /** Whether a sandbox still exists and may be using what it holds: false once it is gone, stopped, failed or lost. */
  async isAlive(id: string): Promise<boolean> {
    if (this.starting.has(id) || this.live.has(id)) return !this.live.get(id)?.destroying;
    const rec = isId(id) ? await this.records.get(id) : undefined;
    if (!rec) return false;
    if (rec.state === 'creating' || rec.state === 'running') return rec.owner === this.owner || this.ownerAlive(rec);
    return false;
  }

  /**
   * Takes over the records of dead servers on this host: a sandbox the manager
   * adopted from its supervisor stays running under this server; the others
   * are lost. Then keeps records in step with the sandboxes.
   */
  async start(): Promise<void> {
    const adopted = new Set(this.manager.adopted);
    for (const r of await this.records.liveOnHost(this.host)) {
      if (r.owner === this.owner || this.ownerAlive(r)) continue;
      if (r.state === 'running' && r.localId && adopted.has(r.localId)) {
        const record = await this.records.takeOver(r.id, r.owner, { owner: this.owner, ownerPid: process.pid, ownerUrl: this.opts.url() || null });
        if (record) {
          this.live.set(r.id, { record, sandbox: this.manager.get(r.localId), execs: 0 });
          this.log.info({ sandbox: r.id, from: r.owner }, 'sandbox taken over from the previous server');
          continue;
        }
      }
      const moved = await this.records.move(r.id, r.state, 'lost', { error: `its server (pid ${r.ownerPid}) stopped; what the sandbox ran died with it and was released` });
      if (moved) {
        this.log.warn({ sandbox: r.id, owner: r.owner }, 'sandbox lost with its server');
        await this.opts.faults?.raise({ alarmId: '600.002', entityInstanceId: `sandbox=${r.id}`, reasonText: `Sandbox ${r.id} (project ${r.project}) was lost: its server (pid ${r.ownerPid}) stopped and what it ran died with it.` });
      }
    }
    this.timer = setInterval(() => void this.reconcile().catch((err) => this.log.warn({ err }, 'sandbox reconcile failed')), RECONCILE_MS);
    this.timer.unref();
  }

  /**
   * Destroys every sandbox this server runs; with `handover` leaves them to
   * their supervisors instead, for the next server to adopt.
   */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    if (opts.handover) {
      this.manager.detachAll();
      return;
    }
    await Promise.allSettled([...this.live.values()].map((l) => this.destroyLive(l, 'its server shut down')));
  }

  private ownerAlive(r: SandboxRecord): boolean {
    if (r.host !== this.host) return true; // another host's server answers for its own
    const ticks = r.owner.split('#')[1];
    return existsSync(`/proc/${r.ownerPid}`) && startTicks(r.ownerPid) === ticks;
  }

  // ------------------------------------------------------------ sandboxes

  /** The runtime a spec would get (its own, or its class's, or the default class's). */
  runtimeOf(spec: { runtime?: string; runtimeClass?: string }): Runtime {
    return this.manager.registry.get(this.resolveRuntime(spec).runtime);
  }

  private resolveRuntime(spec: { runtime?: string; runtimeClass?: string }): { runtime: string; runtimeClass: string | null } {
    if (spec.runtime) return { runtime: this.manager.registry.get(spec.runtime).name, runtimeClass: null };
    const cls = this.manager.classes.get(spec.runtimeClass ?? this.defaultClass);
    this.manager.registry.get(cls.runtime);
    return { runtime: cls.runtime, runtimeClass: cls.name };
  }

  /** Host paths are the host's: only admins name them (mounts, images outside the allowed roots, host-process runtimes). */
  private async authorize(caller: Principal, input: CreateRequest, runtime: string): Promise<void> {
    if (caller.role === 'admin') return;
    if (input.devices?.length) throw new ForbiddenError('devices name host device nodes: only admins may give them (others ask for accelerators)');
    if (input.mounts?.length) throw new ForbiddenError('mounts name host directories: only admins may give them');
    if (this.manager.registry.get(runtime).isolation === 'none')
      throw new ForbiddenError(`runtime ${runtime} runs commands as host processes with the server's privileges: only admins may use it`);
    const ref = parseImageRef(input.image ?? 'busybox');
    if (ref.type === 'busybox') return;
    const path = await realpath(ref.path).catch(() => ref.path);
    for (const root of this.opts.imageRoots) {
      const r = await realpath(root).catch(() => root);
      if (path.startsWith(r.endsWith('/') ? r : `${r}/`)) return;
    }
    throw new ForbiddenError(`image ${input.image} is a host path outside the image directories this server allows (${this.opts.imageRoots.join(', ') || 'none'}); only admins may use it`);
  }

  private storedSpec(input: CreateRequest): StoredSpec {
    const { env, ...rest } = input;
    return { ...rest, ...(env ? { envNames: Object.keys(env).sort() } : {}) };
  }

  /** Creates a sandbox on this server and records it; the record is running when this resolves. */
  private async launch(caller: Principal, input: CreateRequest, oneShot: boolean): Promise<LiveSandbox> {
    if (this.stopping) throw new ConflictError('the server is shutting down');
    const { accelerators, ...spec } = input;
    validateSpec(spec); // a malformed spec is a 400 before anything is recorded
    if (accelerators !== undefined && (!Array.isArray(accelerators) || accelerators.some((a) => typeof a !== 'string' || !a)))
      throw new InvalidInputError('accelerators must be a list of device profile names or accelerator request uuids');
    if (accelerators?.length && !this.binder) throw new InvalidInputError('this server runs no accel module: a sandbox cannot ask for accelerators here');
    const { runtime, runtimeClass } = this.resolveRuntime(input);
    await this.authorize(caller, input, runtime);
    const record = await this.records.insert({
      id: newId(),
      project: caller.project,
      createdBy: caller.name,
      runtime,
      runtimeClass,
      image: input.image ?? 'busybox',
      spec: this.storedSpec(input),
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

  async create(caller: Principal, input: CreateRequest): Promise<SandboxView> {
    const live = await this.launch(caller, input, false);
    return this.view(live.record, caller);
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
    // a live record of another server that still runs: its sandbox is there, not here
    const elsewhere = rec.owner !== this.owner && LIVE_STATES.includes(rec.state) && this.ownerAlive(rec);
    if (elsewhere && !(opts.force && caller.role === 'admin'))
      throw new ConflictError(`sandbox ${id} runs on another server (${rec.ownerUrl ?? rec.host}); remove it there (admins may drop the record with force=true)`);
    // nothing of it runs here any more (ended, failed and released, or lost)
    await this.records.remove(id);
    // Removing a lost sandbox is the operator's acknowledgement.
    if (rec.state === 'lost') await this.opts.faults?.clear('600.002', `sandbox=${id}`);
  }

  private async find(caller: Principal, id: string): Promise<SandboxRecord> {
    const rec = isId(id) ? await this.records.get(id) : undefined;
    // another project's sandbox is not there, as far as the caller can tell
    if (!rec || !canSeeProject(caller, rec.project)) throw new NotFoundError(`no sandbox ${id}`, { sandbox: id });
    return rec;
  }

  /** The running sandbox behind a record, on this server. */
  private async running(caller: Principal, id: string, what: string): Promise<LiveSandbox> {
    const rec = await this.find(caller, id);
    const live = this.live.get(id);
    if (live) {
      await this.sync(live);
      if (live.sandbox.state === 'running' && !live.destroying) return live;
    }
    const now = live?.record ?? rec;
    if (!live && rec.owner !== this.owner && LIVE_STATES.includes(rec.state) && this.ownerAlive(rec))
      throw new ConflictError(`sandbox ${id} runs on another server (${rec.ownerUrl ?? rec.host}); send the request there`);
    throw new ConflictError(`sandbox ${id} is ${now.state}: cannot ${what}${now.error ? ` (${now.error})` : ''}`, { state: now.state });
  }

  private view(rec: SandboxRecord, caller: Principal): SandboxView {
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
  private async sync(live: LiveSandbox): Promise<void> {
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

  private async reconcile(): Promise<void> {
    for (const live of [...this.live.values()]) await this.sync(live);
    if (Date.now() - this.lastPrune > 600_000) {
      this.lastPrune = Date.now();
      await this.records.pruneEnded(Date.now() - KEEP_ENDED_MS);
    }
  }

  private destroyLive(live: LiveSandbox, why?: string): Promise<void> {
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

  // ------------------------------------------------------------ execs

  async exec(caller: Principal, id: string, req: ExecRequest): Promise<ExecStart> {
    const live = await this.running(caller, id, 'exec');
    return this.startExec(live, req);
  }

  private async startExec(live: LiveSandbox, req: ExecRequest): Promise<ExecStart> {
    let exec: Exec;
    try {
      exec = await live.sandbox.exec(req.command, { env: req.env, cwd: req.cwd, tty: req.tty, timeout: req.timeout });
    } catch (err) {
      // a command that cannot start answers as a shell would: a message on stderr, 127 or 126
      const notRun = isSandboxError(err, 'command_not_found') || isSandboxError(err, 'cwd_not_found') || isSandboxError(err, 'exec_failed');
      if (!notRun) throw err;
      const e = err as Error & { code: string; details: Record<string, unknown> };
      const notFound = e.code === 'command_not_found' && e.details.errno !== 'EACCES';
      const message = notFound ? `strata: ${req.command[0]}: command not found\n` : `strata: ${plain(e.message)}\n`;
      const exit: ExitFrame = { exit: notFound ? NOT_FOUND_EXIT : CANNOT_RUN_EXIT, signal: null, timedOut: false, durationMs: 0, reason: e.code };
      return { stream: new FrameStream([{ stream: 'stderr', data: Buffer.from(message).toString('base64') }], undefined, exit), abandon: () => {} };
    }
    const execId = newId();
    let markEnded!: () => void;
    const entry: LiveExec = {
      id: execId,
      sandboxId: live.record.id,
      exec,
      stdinBusy: false,
      stdinClosed: !req.stdin,
      done: false,
      ended: new Promise<void>((r) => (markEnded = r)),
    };
    if (!req.stdin) exec.stdin.end();
    this.execs.set(execId, entry);
    live.execs++;
    const last: Promise<ExecFrame> = exec.wait().then(
      (r): ExecFrame => ({ exit: r.exitCode, signal: r.signal, timedOut: r.timedOut, ...(r.oomKilled !== undefined ? { oomKilled: r.oomKilled } : {}), durationMs: r.durationMs }),
      (err): ExecFrame => ({ error: { code: (err as { code?: string }).code ?? 'exec_failed', message: plain((err as Error).message) } }),
    );
    void last.finally(() => {
      entry.done = true;
      markEnded();
      this.execs.delete(execId);
      live.execs--;
      void this.sync(live).catch(() => undefined);
    });
    const stream = new FrameStream([{ sandbox: live.record.id, exec: execId, pid: exec.pid }], { stdout: exec.stdout, stderr: exec.stderr, last });
    const abandon = () => {
      if (entry.done) return;
      exec.signal('SIGKILL', { group: true });
      exec.stdin.end();
    };
    // the stream closes before the command ended only when its client went away
    stream.once('close', abandon);
    return { stream, execId, abandon };
  }

  private liveExec(id: string, execId: string): LiveExec {
    const e = this.execs.get(execId);
    if (!e || e.sandboxId !== id) throw new NotFoundError(`no running exec ${execId} in sandbox ${id}`, { sandbox: id, exec: execId });
    return e;
  }

  /** Writes a request body to an exec's stdin (with backpressure); `eof` closes stdin after it. */
  async stdin(caller: Principal, id: string, execId: string, body: AsyncIterable<Buffer>, eof: boolean): Promise<{ bytes: number; closed: boolean }> {
    await this.find(caller, id);
    const e = this.liveExec(id, execId);
    if (e.stdinClosed) throw new ConflictError(`stdin of exec ${execId} is closed (start the exec with "stdin": true to write to it)`);
    if (e.stdinBusy) throw new ConflictError(`another request is writing to the stdin of exec ${execId}`);
    e.stdinBusy = true;
    let bytes = 0;
    try {
      for await (const chunk of body) {
        if (e.done) continue; // the command ended: the rest is read and dropped
        bytes += chunk.length;
        if (!e.exec.stdin.write(chunk))
          await new Promise<void>((resolve) => {
            const done = () => {
              e.exec.stdin.off('drain', done);
              resolve();
            };
            e.exec.stdin.on('drain', done);
            void e.ended.then(done);
          });
      }
    } finally {
      e.stdinBusy = false;
    }
    if (eof && !e.stdinClosed) {
      e.stdinClosed = true;
      e.exec.stdin.end();
    }
    return { bytes, closed: e.stdinClosed };
  }

  async signal(caller: Principal, id: string, execId: string, signal: string | number, group: boolean): Promise<void> {
    await this.find(caller, id);
    const e = this.liveExec(id, execId);
    if (typeof signal === 'string' && signalNumberOf(signal) === undefined) throw new InvalidInputError(`unknown signal ${JSON.stringify(signal)} (use a name such as SIGINT, SIGTERM or SIGKILL)`);
    if (typeof signal === 'number' && (!Number.isInteger(signal) || signal < 1 || signal > 64)) throw new InvalidInputError(`signal number ${signal} is out of range (1-64)`);
    e.exec.signal(signal as NodeJS.Signals | number, { group });
  }

  async resize(caller: Principal, id: string, execId: string, rows: number, cols: number): Promise<void> {
    await this.find(caller, id);
    this.liveExec(id, execId).exec.resize(rows, cols);
  }

  /** One-shot: create, exec, destroy when the stream ends (or the client goes away). */
  async run(caller: Principal, req: RunRequest): Promise<ExecStart> {
    const { command, cwd, tty, stdin, timeout, ...spec } = req;
    // the sandbox outlives a timed-out command by a margin only, should the kill itself hang
    const lifetime = timeout === undefined ? undefined : `${Math.ceil(parseDuration(timeout, 'timeout') / 1000) + 30}s`;
    const live = await this.launch(caller, { ...spec, ...(lifetime ? { timeout: lifetime } : {}) }, true);
    const discard = () => this.destroyLive(live).then(() => this.records.remove(live.record.id)).catch((err) => this.log.warn({ sandbox: live.record.id, err }, 'discarding a one-shot sandbox'));
    let started: ExecStart;
    try {
      started = await this.startExec(live, { command, cwd, tty, stdin, timeout });
    } catch (err) {
      await discard();
      throw err;
    }
    started.stream.once('close', () => void discard());
    return started;
  }

  // ------------------------------------------------------------ files

  private stage(): Promise<string> {
    return mkdtemp(join(this.transfers, 'x-'));
  }

  /**
   * Copies an upload into a sandbox: a tar's entries go under `path` (a
   * directory, created if missing); a single file becomes `path` itself.
   */
  async copyIn(caller: Principal, id: string, path: string, body: AsyncIterable<Uint8Array>, kind: 'tar' | 'file', mode?: number): Promise<{ path: string; entries: number; bytes: number }> {
    const target = sandboxPath(path);
    const live = await this.running(caller, id, 'copy files in');
    const stage = await this.stage();
    try {
      if (kind === 'file') {
        const file = join(stage, 'file');
        const bytes = await writeLimited(body, file, this.opts.copyLimit);
        await chmod(file, mode ?? 0o644);
        await live.sandbox.copyIn(file, target);
        return { path: target, entries: 1, bytes };
      }
      const r = await extractTar(body, stage, { limit: this.opts.copyLimit });
      if (r.topLevel.length === 0) {
        // an empty archive (or only "./"): the directory itself
        await chmod(stage, 0o755);
        await live.sandbox.copyIn(stage, target);
      }
      for (const name of r.topLevel) await live.sandbox.copyIn(join(stage, name), posix.join(target, name));
      return { path: target, entries: r.entries, bytes: r.bytes };
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }

  /**
   * Copies a sandbox path out: as a tar whose one top entry is the path's
   * base name, or (format file) as the bytes of a regular file.
   */
  async copyOut(caller: Principal, id: string, path: string, format: 'tar' | 'file'): Promise<{ stream: Readable; type: 'file' | 'directory' | 'symlink'; size?: number; name: string }> {
    const source = sandboxPath(path);
    if (source === '/') throw new InvalidInputError('copy out a path below /, not the whole file system');
    const live = await this.running(caller, id, 'copy files out');
    const stage = await this.stage();
    const out = join(stage, 'out');
    const cleanup = () => void rm(stage, { recursive: true, force: true });
    try {
      await live.sandbox.copyOut(source, out);
      const st = await lstat(out);
      const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
      const name = posix.basename(source);
      let stream: Readable;
      if (format === 'file') {
        if (type !== 'file') throw new InvalidInputError(`${source} is a ${type}: ask for it as a tar archive`);
        stream = createReadStream(out);
      } else {
        stream = Readable.from(tarStream(hostPathEntries(out, name)), { objectMode: false });
      }
      stream.once('close', cleanup);
      return { stream, type, size: type === 'file' ? st.size : undefined, name };
    } catch (err) {
      cleanup();
      throw err;
    }
  }

  /** A sandbox for one of the gate's jobs (see job-session.ts). */
  openJobSession(spec: JobSessionSpec): Promise<JobSession> {
    return openJobSession(this, spec);
  }

  /** A BuildRuntime for the gate whose sessions are sandboxes. */
  buildRuntime(opts: JobSandboxOptions = {}) {
    return sandboxBuildRuntime(this, opts);
  }

  /** Creates a sandbox for trusted server-side callers (the gate): admin rights, recorded under `project`. */
  async createFor(project: string, name: string, input: CreateRequest): Promise<{ id: string; sandbox: Sandbox; remove(): Promise<void> }> {
    const caller: Principal = { tokenId: 'internal', name, role: 'admin', project };
    const live = await this.launch(caller, input, false);
    return {
      id: live.record.id,
      sandbox: live.sandbox,
      remove: () => this.destroyLive(live).then(() => this.records.remove(live.record.id).then(() => undefined)),
    };
  }
}

/** The store handle the records need (a Kysely instance). */
export type SandboxRecordsDb = ConstructorParameters<typeof SandboxRecords>[0];

function sandboxPath(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/')) throw new InvalidInputError(`path ${JSON.stringify(p)} must be an absolute path in the sandbox`);
  if (p.includes('\0')) throw new InvalidInputError('path contains a NUL byte');
  if (p.split('/').includes('..')) throw new InvalidInputError(`path ${JSON.stringify(p)} may not contain ".."`);
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

async function writeLimited(body: AsyncIterable<Uint8Array>, file: string, limit: number): Promise<number> {
  const fh = await open(file, 'wx', 0o600);
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.length;
      if (bytes > limit) throw new PayloadTooLargeError(`upload larger than the limit of ${limit} bytes`);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  return bytes;
}
