// The executor (Zuul's executor): runs builds, at most `concurrency` at
// once (highest precedence first, then in request order), each in a
// workspace holding its required projects at the item's frozen state. A
// build runs pre-run, run and post-run playbooks with Ansible on its nodes
// (ansible/), or command lines in its runtime (cleanup-run always), within
// the job's timeout; a pre-run failure, an unreachable node or an
// infrastructure error is retried up to the job's attempts (one attempt:
// attempt.ts). The console (job-output.txt) is written to a file and
// streamed to followers while it runs; job-output.json holds each
// playbook's results (build-logs.ts).

import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { BuildResult } from '../model.js';
import { ansibleVersion } from './ansible/playbook-runner.js';
import { CANCELLED, runAttempt, type AttemptEnv, type AttemptOutcome, type Leftovers } from './attempt.js';
import { BuildLogs } from './build-logs.js';
import type { BuildOutcome, BuildRequest, ExecutorOptions, Running } from './build-request.js';
import { killOrphans } from './orphans.js';
import type { BuildRuntime } from './runtime.js';
import { Semaphores } from './semaphores.js';

export type {
  BuildOutcome, BuildRequest, DecryptedSecrets, ExecutorListener, ExecutorOptions, NodeHolder, SecretDecrypter,
} from './build-request.js';

export class Executor {
  private readonly queue: BuildRequest[] = [];
  private readonly running = new Map<string, Running>();
  private readonly marker: string;
  /** Zuul's semaphores, across every pipeline and tenant this executor runs builds for. */
  readonly semaphores = new Semaphores();
  private seq = 0;
  private stopped = false;
  private readonly logs: BuildLogs;
  private readonly attemptEnv: AttemptEnv;
  private ansibleVersionCache?: Promise<string>;

  constructor(private readonly opts: ExecutorOptions) {
    this.marker = opts.marker ?? createHash('sha256').update(path.resolve(opts.workRoot)).digest('hex').slice(0, 16);
    mkdirSync(opts.logRoot, { recursive: true });
    this.logs = new BuildLogs(opts.logRoot, opts.log);
    this.attemptEnv = {
      opts, marker: this.marker, semaphores: this.semaphores, logs: this.logs,
      ansibleVersion: () => (this.ansibleVersionCache ??= ansibleVersion()),
    };
  }

  /** Kills processes a previous run of this executor left behind and clears stale workspaces. */
  recover(): number[] {
    const killed = killOrphans(this.marker);
    rmSync(this.opts.workRoot, { recursive: true, force: true });
    mkdirSync(this.opts.workRoot, { recursive: true });
    return killed;
  }

  /** A build's log directory: job-output.txt (the console), job-output.json, logs/ (what post-run collected). */
  buildLogDir(buildId: string): string {
    return this.logs.buildLogDir(buildId);
  }

  logPath(buildId: string): string {
    return this.logs.logPath(buildId);
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

  /** The first request (by precedence, then order) whose semaphores (those taken before nodes) it can take now. */
  private next(): BuildRequest | undefined {
    this.queue.sort((a, b) => b.priority - a.priority || (a as { seq?: number }).seq! - (b as { seq?: number }).seq!);
    const i = this.queue.findIndex((r) => this.semaphores.tryAcquire((r.job.semaphores ?? []).filter((s) => !s.resourcesFirst), r.buildId));
    return i === -1 ? undefined : this.queue.splice(i, 1)[0];
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.queue.length > 0) {
      const req = this.next();
      if (!req) return;
      const run: Running = { req, abort: new AbortController(), followers: new Set(), done: Promise.resolve() };
      this.running.set(req.buildId, run);
      run.done = this.execute(run)
        .catch((err) => {
          this.opts.log.error({ err, build: req.buildId }, 'build crashed');
          return { result: 'ERROR' as BuildResult, startTime: null, endTime: Date.now(), message: (err as Error).message };
        })
        .then((outcome) => {
          this.running.delete(req.buildId);
          this.semaphores.release(req.buildId);
          for (const f of run.followers) f(null);
          if (!(this.stopped && run.abort.signal.reason === 'shutdown')) this.opts.listener.finished(req.buildId, outcome);
          this.pump();
        });
    }
  }

  private async execute(run: Running): Promise<BuildOutcome> {
    const { req } = run;
    const job = req.job;
    rmSync(this.buildLogDir(req.buildId), { recursive: true, force: true });
    mkdirSync(this.buildLogDir(req.buildId), { recursive: true });
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
      try {
        this.logs.finishJsonLog(req.buildId);
      } catch (err) {
        this.opts.log.warn({ err, build: req.buildId }, 'writing job-output.json failed');
      }
    }
  }

  /**
   * One attempt: `retry` for a pre-run failure, an unreachable node or an
   * infrastructure error. As Zuul: post-run runs after a run (and after a
   * pre-run failure, to collect logs); a post-run failure makes the result
   * POST_FAILURE unless pre-run failed; cleanup-run always runs.
   */
  private async attempt(
    run: Running, runtime: BuildRuntime, attempt: number, note: (l: string) => void, write: (c: Buffer) => void,
  ): Promise<AttemptOutcome> {
    const left: Leftovers = {};
    const out = await runAttempt(this.attemptEnv, run, runtime, attempt, note, write, left);
    if (!left.nodes) return out;
    const job = run.req.job;
    // Zuul's autohold: a failed build's nodes (and the workspace they share) stay up for a person to look at.
    const result = out.kind === 'done' ? out.result : attempt >= job.attempts ? 'RETRY_LIMIT' : null;
    const failed = result !== null && result !== 'SUCCESS' && result !== 'ABORTED';
    const nodes = left.nodes;
    const release = async () => {
      await nodes.close();
      await left.cleanup?.();
    };
    let kept = false;
    if (failed && this.opts.hold) {
      const own = run.req.items?.at(-1);
      kept = await this.opts.hold({
        tenant: run.req.tenant, project: job.project, job: job.name, ref: own?.ref ?? run.req.ref ?? '', buildId: run.req.buildId, result: result!,
        nodes: nodes.nodeList(),
      }, release).catch((err) => {
        this.opts.log.warn({ err, build: run.req.buildId }, 'autohold failed');
        return false;
      });
    }
    if (kept) note(`nodes held by an autohold request: ${nodes.nodeList().map((n) => `${n.name} (${n.id})`).join(', ')}`);
    else await release();
    return out;
  }
}
