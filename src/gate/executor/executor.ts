// The executor (Zuul's executor, without Ansible): runs builds, at most
// `concurrency` at once (highest precedence first, then in request order),
// each in a workspace holding its required projects at the item's frozen
// state. A build runs pre-run, run and post-run commands (cleanup-run
// always), within the job's timeout; a pre-run failure or an
// infrastructure error is retried up to the job's attempts. The log is
// written to a file and streamed to followers while it runs.

import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/index.js';
import type { BuildResult, FrozenJob } from '../model.js';
import type { Commits, RepoCache } from '../merger/index.js';
import { killOrphans, MARKER_VAR } from './orphans.js';
import type { BuildRuntime, RuntimeSession, StepResult } from './runtime.js';
import { prepareWorkspace, removeWorkspace, type Workspace } from './workspace.js';

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
}

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
  /** Names this executor's processes (see orphans.ts); default: a hash of workRoot. */
  marker?: string;
}

interface Running {
  req: BuildRequest;
  abort: AbortController;
  followers: Set<(chunk: Buffer | null) => void>;
  done: Promise<void>;
}

const CANCELLED = 'cancelled';

export class Executor {
  private readonly queue: BuildRequest[] = [];
  private readonly running = new Map<string, Running>();
  private readonly marker: string;
  private seq = 0;
  private stopped = false;

  constructor(private readonly opts: ExecutorOptions) {
    this.marker = opts.marker ?? createHash('sha256').update(path.resolve(opts.workRoot)).digest('hex').slice(0, 16);
    mkdirSync(opts.logRoot, { recursive: true });
  }

  /** Kills processes a previous run of this executor left behind and clears stale workspaces. */
  recover(): number[] {
    const killed = killOrphans(this.marker);
    rmSync(this.opts.workRoot, { recursive: true, force: true });
    mkdirSync(this.opts.workRoot, { recursive: true });
    return killed;
  }

  logPath(buildId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(buildId)) throw new Error(`invalid build id ${buildId}`);
    return path.join(this.opts.logRoot, `${buildId}.log`);
  }

  get activeCount(): number {
    return this.running.size;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  isActive(buildId: string): boolean {
    return this.running.has(buildId) || this.queue.some((q) => q.buildId === buildId);
  }

  submit(req: BuildRequest): void {
    if (this.stopped) return;
    (req as BuildRequest & { seq?: number }).seq = this.seq++;
    this.queue.push(req);
    this.pump();
  }

  /** Cancels a queued or running build; it finishes with ABORTED. */
  cancel(buildId: string): void {
    const i = this.queue.findIndex((q) => q.buildId === buildId);
    if (i !== -1) {
      this.queue.splice(i, 1);
      this.opts.listener.finished(buildId, { result: 'ABORTED', startTime: null, endTime: Date.now(), message: 'cancelled before it started' });
      return;
    }
    this.running.get(buildId)?.abort.abort(CANCELLED);
  }

  /**
   * Follows a running build's output: `onChunk(null)` marks the end.
   * Returns an unsubscribe function, or null when the build is not running.
   */
  follow(buildId: string, onChunk: (chunk: Buffer | null) => void): (() => void) | null {
    const r = this.running.get(buildId);
    if (!r) return null;
    r.followers.add(onChunk);
    return () => r.followers.delete(onChunk);
  }

  /** Aborts everything; queued builds are dropped (they are re-run from the store after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    for (const r of this.running.values()) r.abort.abort('shutdown');
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.queue.length > 0) {
      this.queue.sort((a, b) => b.priority - a.priority || (a as { seq?: number }).seq! - (b as { seq?: number }).seq!);
      const req = this.queue.shift()!;
      const run: Running = { req, abort: new AbortController(), followers: new Set(), done: Promise.resolve() };
      this.running.set(req.buildId, run);
      run.done = this.execute(run)
        .catch((err) => {
          this.opts.log.error({ err, build: req.buildId }, 'build crashed');
          return { result: 'ERROR' as BuildResult, startTime: null, endTime: Date.now(), message: (err as Error).message };
        })
        .then((outcome) => {
          this.running.delete(req.buildId);
          for (const f of run.followers) f(null);
          if (!(this.stopped && run.abort.signal.reason === 'shutdown')) this.opts.listener.finished(req.buildId, outcome);
          this.pump();
        });
    }
  }

  private async execute(run: Running): Promise<BuildOutcome> {
    const { req } = run;
    const job = req.job;
    const fd = openSync(this.logPath(req.buildId), 'w');
    const write = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      writeSync(fd, b);
      for (const f of run.followers) f(b);
    };
    const note = (line: string) => write(`${new Date().toISOString()} | ${line}\n`);
    const startTime = Date.now();
    this.opts.listener.started(req.buildId, startTime);
    try {
      const runtime = this.opts.runtimes[job.runtime];
      if (!runtime) {
        note(`no runtime "${job.runtime}" (known: ${Object.keys(this.opts.runtimes).join(', ')})`);
        return { result: 'ERROR', startTime, endTime: Date.now(), message: `unknown runtime ${job.runtime}` };
      }
      let lastError = '';
      for (let attempt = 1; attempt <= Math.max(1, job.attempts); attempt++) {
        note(`Job ${job.name} for ${req.change || req.ref} in pipeline ${req.pipeline}, attempt ${attempt} of ${job.attempts}, runtime ${runtime.name}`);
        const outcome = await this.attempt(run, runtime, attempt, note, write);
        if (outcome.kind === 'done') {
          note(`Result: ${outcome.result}`);
          return { result: outcome.result, startTime, endTime: Date.now(), message: outcome.message };
        }
        lastError = outcome.message;
        note(`Attempt ${attempt} failed and will be retried: ${outcome.message}`);
      }
      note(`Result: RETRY_LIMIT`);
      return { result: 'RETRY_LIMIT', startTime, endTime: Date.now(), message: lastError };
    } finally {
      closeSync(fd);
    }
  }

  /** One attempt: `retry` for a pre-run failure or an infrastructure error. */
  private async attempt(
    run: Running, runtime: BuildRuntime, attempt: number, note: (l: string) => void, write: (c: Buffer) => void,
  ): Promise<{ kind: 'done'; result: BuildResult; message?: string } | { kind: 'retry'; message: string }> {
    const { req } = run;
    const job = req.job;
    const root = path.join(this.opts.workRoot, req.buildId);
    let ws: Workspace | undefined;
    let session: RuntimeSession | undefined;
    const signal = run.abort.signal;
    try {
      try {
        const own = { project: job.project, branch: job.branch ?? '' };
        const projects = [own, ...job.requiredProjects.filter((p) => p.project !== own.project)].filter((p) => p.branch);
        ws = await prepareWorkspace(this.opts.repos, root, projects, req.commits);
      } catch (err) {
        return { kind: 'retry', message: `preparing the workspace failed: ${(err as Error).message}` };
      }
      const cwd = ws.dirs[job.project] ?? ws.root;
      const env = this.environment(req, ws.root, attempt);
      try {
        session = await runtime.open({ buildId: req.buildId, workspace: ws.root, env, labels: [] });
      } catch (err) {
        return { kind: 'retry', message: `runtime ${runtime.name} failed to start: ${(err as Error).message}` };
      }
      const deadline = job.timeout === null ? null : Date.now() + job.timeout * 1000;
      const step = async (phase: string, command: string, until: number | null): Promise<StepResult> => {
        note(`${phase}: ${command}`);
        const r = await session!.run({
          command, cwd, env, signal, onOutput: write,
          timeoutMs: until === null ? null : Math.max(0, until - Date.now()),
        });
        note(`${phase} ended: ${r.error ? `error ${r.error}` : r.timedOut ? 'timed out' : r.aborted ? 'aborted' : r.signal ? `signal ${r.signal}` : `exit ${r.exitCode}`}`);
        return r;
      };
      const aborted = () => ({ kind: 'done' as const, result: 'ABORTED' as BuildResult, message: signal.reason === CANCELLED ? 'cancelled' : 'executor stopped' });

      for (const c of job.preRun) {
        const r = await step('pre-run', c, deadline);
        if (r.aborted) return aborted();
        if (r.timedOut) return { kind: 'done', result: 'TIMED_OUT', message: `timed out after ${job.timeout} s in pre-run` };
        if (r.error) return { kind: 'retry', message: `pre-run could not start: ${r.error}` };
        if (r.exitCode !== 0) return { kind: 'retry', message: `pre-run command failed: ${c}` };
      }
      let result: BuildResult = 'SUCCESS';
      let message: string | undefined;
      for (const c of job.run) {
        const r = await step('run', c, deadline);
        if (r.aborted) return aborted();
        if (r.error) return { kind: 'retry', message: `run could not start: ${r.error}` };
        if (r.timedOut) {
          result = 'TIMED_OUT';
          message = `timed out after ${job.timeout} s`;
          break;
        }
        if (r.exitCode !== 0) {
          result = 'FAILURE';
          message = `${c} exited with ${r.exitCode ?? r.signal}`;
          break;
        }
      }
      const postDeadline = job.postTimeout === null ? null : Date.now() + job.postTimeout * 1000;
      for (const c of job.postRun) {
        const r = await step('post-run', c, postDeadline);
        if (r.aborted) return aborted();
        if ((r.timedOut || r.exitCode !== 0) && result === 'SUCCESS') {
          result = 'POST_FAILURE';
          message = r.timedOut ? `post-run timed out after ${job.postTimeout} s` : `post-run command failed: ${c}`;
        }
      }
      return { kind: 'done', result, message };
    } finally {
      if (session && job.cleanupRun.length) {
        const cwd = ws?.dirs[job.project] ?? root;
        const env = this.environment(req, root, attempt);
        for (const c of job.cleanupRun) {
          note(`cleanup-run: ${c}`);
          await session.run({ command: c, cwd, env, signal: new AbortController().signal, onOutput: write, timeoutMs: 60_000 }).catch(() => undefined);
        }
      }
      await session?.close().catch(() => undefined);
      if (ws) await removeWorkspace(this.opts.repos, ws).catch((err) => this.opts.log.warn({ err }, 'removing a workspace failed'));
      else rmSync(root, { recursive: true, force: true });
    }
  }

  private environment(req: BuildRequest, workspace: string, attempt: number): Record<string, string> {
    const job = req.job;
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: workspace,
      LANG: 'C.UTF-8',
      TMPDIR: process.env.TMPDIR ?? '/tmp',
      GATE_TENANT: req.tenant,
      GATE_PROJECT: job.project,
      GATE_BRANCH: job.branch ?? '',
      GATE_PIPELINE: req.pipeline,
      GATE_JOB: job.name,
      GATE_CHANGE: req.change,
      GATE_CHANGES: req.changes.join(' '),
      GATE_REF: req.ref ?? '',
      GATE_NEWREV: req.newrev ?? '',
      GATE_WORKSPACE: workspace,
      GATE_BUILD: req.buildId,
      GATE_ATTEMPT: String(attempt),
      GATE_VARS: JSON.stringify(job.vars),
      [MARKER_VAR]: this.marker,
    };
  }
}
