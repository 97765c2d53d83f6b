/**
 * The sandbox module's server side: one SandboxManager for this host, the
 * records of every sandbox in the store, the running execs by id, and the
 * rules of who may do what. The HTTP routes, the one-shot run and the gate's
 * job sessions all go through it; each flow lives in its own file (records,
 * exec, copy, lifecycle) and this class is their one face.
 *
 * A sandbox lives in the server process that created it (its agent talks to
 * that process), so a record names its owner (pid, host, start time) and
 * URL. A record whose owner is gone is `lost`: the next server on that host
 * marks it so, and its SandboxManager has already released what the dead
 * one left in the state directory.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger as CoreLogger, Principal, StopOptions } from '../../core/index.js';
import type { BuildRuntime, RuntimeOffer } from '../../gate/index.js';
import { SandboxManager, type Sandbox } from '../manager/index.js';
import type { Logger, Runtime } from '../runtimes/index.js';
import type { Usage } from '../host/usage.js';
import { Copies } from './copy.js';
import type { DeviceBinder } from './device-binder.js';
import { Execs } from './exec.js';
import { openJobSession, sandboxBuildRuntime, type JobSandboxOptions, type JobSession, type JobSessionSpec } from './job-session.js';
import { adoptOrLose, stopAll } from './lifecycle.js';
import { Sandboxes } from './records.js';
import type { CreateRequest, ExecRequest, RunRequest } from './requests.js';
import type { ExecStart, SandboxServiceOptions, SandboxView } from './views.js';

const RECONCILE_MS = 1000;

/** The store handle the records need (a Kysely instance). */
export type SandboxRecordsDb = ConstructorParameters<typeof Sandboxes>[1];

export class SandboxService {
  readonly host: string;
  readonly owner: string;
  private readonly sandboxes: Sandboxes;
  private readonly execs: Execs;
  private readonly copies: Copies;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly manager: SandboxManager,
    db: SandboxRecordsDb,
    log: CoreLogger,
    opts: SandboxServiceOptions,
  ) {
    this.sandboxes = new Sandboxes(manager, db, log, opts);
    this.host = this.sandboxes.host;
    this.owner = this.sandboxes.owner;
    this.execs = new Execs(this.sandboxes);
    this.copies = new Copies(this.sandboxes, join(opts.stateDir, 'transfers'), opts.copyLimit);
  }

  /** Opens the manager (which releases what a crashed server left in the state directory). */
  static async open(db: SandboxRecordsDb, log: CoreLogger, opts: SandboxServiceOptions): Promise<SandboxService> {
    const libLog: Logger = { info: (m) => log.info(m), warn: (m) => log.warn(m) };
    // supervised: each sandbox outlives this server, and the next server adopts it
    const manager = await SandboxManager.open({ stateDir: opts.stateDir, cacheDir: opts.cacheDir, classes: opts.classes, defaultClass: opts.defaultClass, log: libLog, supervised: true });
    const service = new SandboxService(manager, db, log, opts);
    await service.copies.open();
    return service;
  }

  /** Lets sandboxes ask for accelerators (the accel module calls this). */
  useDeviceBinder(binder: DeviceBinder): void {
    this.sandboxes.binder = binder;
  }

  /** Whether a sandbox still exists and may be using what it holds: false once it is gone, stopped, failed or lost. */
  isAlive(id: string): Promise<boolean> {
    return this.sandboxes.isAlive(id);
  }

  /** Takes over the records of dead servers on this host (lifecycle.ts), then keeps records in step with the sandboxes. */
  async start(): Promise<void> {
    await adoptOrLose(this.sandboxes);
    const log = this.sandboxes.log;
    this.timer = setInterval(() => void this.sandboxes.reconcile().catch((err) => log.warn({ err }, 'sandbox reconcile failed')), RECONCILE_MS);
    this.timer.unref();
  }

  /** Destroys every sandbox this server runs; with `handover` leaves them to their supervisors instead, for the next server to adopt. */
  async stop(opts: StopOptions = {}): Promise<void> {
    clearInterval(this.timer);
    await stopAll(this.sandboxes, opts);
  }

  /** The runtime a spec would get (its own, or its class's, or the default class's). */
  runtimeOf(spec: { runtime?: string; runtimeClass?: string }): Runtime {
    return this.manager.registry.get(this.sandboxes.resolveRuntime(spec).runtime);
  }

  // records.ts
  async create(caller: Principal, input: CreateRequest): Promise<SandboxView> {
    const live = await this.sandboxes.launch(caller, input, false);
    return this.sandboxes.view(live.record, caller);
  }

  list(caller: Principal, filter: { project?: string } = {}): Promise<SandboxView[]> {
    return this.sandboxes.list(caller, filter);
  }

  get(caller: Principal, id: string): Promise<SandboxView> {
    return this.sandboxes.get(caller, id);
  }

  earlierExecs(caller: Principal, id: string): ReturnType<Sandboxes['earlierExecs']> {
    return this.sandboxes.earlierExecs(caller, id);
  }

  remove(caller: Principal, id: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.sandboxes.remove(caller, id, opts);
  }

  usage(caller: Principal, id: string): Promise<Usage & { sandbox: string; limits: unknown[] }> {
    return this.sandboxes.usage(caller, id);
  }

  // exec.ts
  exec(caller: Principal, id: string, req: ExecRequest): Promise<ExecStart> {
    return this.execs.exec(caller, id, req);
  }

  stdin(caller: Principal, id: string, execId: string, body: AsyncIterable<Buffer>, eof: boolean): Promise<{ bytes: number; closed: boolean }> {
    return this.execs.stdin(caller, id, execId, body, eof);
  }

  signal(caller: Principal, id: string, execId: string, signal: string | number, group: boolean): Promise<void> {
    return this.execs.signal(caller, id, execId, signal, group);
  }

  resize(caller: Principal, id: string, execId: string, rows: number, cols: number): Promise<void> {
    return this.execs.resize(caller, id, execId, rows, cols);
  }

  run(caller: Principal, req: RunRequest): Promise<ExecStart> {
    return this.execs.run(caller, req);
  }

  // copy.ts
  copyIn(caller: Principal, id: string, path: string, body: AsyncIterable<Uint8Array>, kind: 'tar' | 'file', mode?: number): Promise<{ path: string; entries: number; bytes: number }> {
    return this.copies.copyIn(caller, id, path, body, kind, mode);
  }

  copyOut(caller: Principal, id: string, path: string, format: 'tar' | 'file'): Promise<{ stream: Readable; type: 'file' | 'directory' | 'symlink'; size?: number; name: string }> {
    return this.copies.copyOut(caller, id, path, format);
  }

  // job-session.ts
  /** A sandbox for one of the gate's jobs. */
  openJobSession(spec: JobSessionSpec): Promise<JobSession> {
    return openJobSession(this, spec);
  }

  /** A BuildRuntime for the gate whose sessions are sandboxes. */
  buildRuntime(opts: JobSandboxOptions = {}): BuildRuntime {
    return sandboxBuildRuntime(this, opts);
  }

  /** What the gate gets: one build runtime per runtime class, named for it; isolated where commands do not see the host's files. */
  buildRuntimes(): RuntimeOffer[] {
    return this.manager.classes.list().map((c) => {
      const runtime = this.buildRuntime({ runtimeClass: c.name, project: 'gate' });
      return { runtime: { name: c.name, open: (spec) => runtime.open(spec) }, isolated: !this.runtimeOf({ runtimeClass: c.name }).hostFilesystem };
    });
  }

  /** Creates a sandbox for trusted server-side callers (the gate): admin rights, recorded under `project`. */
  async createFor(project: string, name: string, input: CreateRequest): Promise<{ id: string; sandbox: Sandbox; remove(): Promise<void> }> {
    const caller: Principal = { tokenId: 'internal', name, role: 'admin', project };
    const live = await this.sandboxes.launch(caller, input, false);
    return { id: live.record.id, sandbox: live.sandbox, remove: () => this.sandboxes.discard(live) };
  }
}
