// The executor (Zuul's executor): runs builds, at most `concurrency` at
// once (highest precedence first, then in request order), each in a
// workspace holding its required projects at the item's frozen state. A
// build runs pre-run, run and post-run playbooks with Ansible on its nodes
// (ansible/), or command lines in its runtime (cleanup-run always), within
// the job's timeout; a pre-run failure, an unreachable node or an
// infrastructure error is retried up to the job's attempts. The console
// (job-output.txt) is written to a file and streamed to followers while it
// runs; job-output.json holds each playbook's results.

import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/index.js';
import { isPlaybook, stepLabel, type AnsibleJob, type AnsibleSecret, type BuildResult, type FrozenJob, type JobStep } from '../model.js';
import { AnsibleBuild } from './ansible/ansible-build.js';
import type { NodePool } from '../nodepool/nodepool.js';
import { ansibleVersion } from './ansible/playbook-runner.js';
import type { ZuulItem } from './ansible/zuul-vars.js';
import type { HoldCandidate } from '../api/autoholds.js';
import { resolveCommit, type Commits, type RepoCache } from '../merger/index.js';
import { killOrphans, MARKER_VAR } from './orphans.js';
import { Semaphores } from './semaphores.js';
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

type AttemptOutcome = { kind: 'done'; result: BuildResult; message?: string } | { kind: 'retry'; message: string };

/** What an attempt leaves to its caller: the nodes (to close or hold) and the workspace cleanup. */
interface Leftovers {
  nodes?: AnsibleBuild;
  cleanup?: () => Promise<void>;
}

/** Zuul's autohold: true when the nodes are kept (`release` frees them later). */
export type NodeHolder = (c: HoldCandidate, release: () => Promise<void>) => Promise<boolean>;

type StepStatus = { status: 'ok' | 'failed' | 'unreachable' | 'timedout' | 'aborted' } | { status: 'error'; message: string };

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
  /** Zuul's semaphores, across every pipeline and tenant this executor runs builds for. */
  readonly semaphores = new Semaphores();
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

  /** A build's log directory: job-output.txt (the console), job-output.json, logs/ (what post-run collected). */
  buildLogDir(buildId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(buildId)) throw new Error(`invalid build id ${buildId}`);
    return path.join(this.opts.logRoot, buildId);
  }

  logPath(buildId: string): string {
    return path.join(this.buildLogDir(buildId), 'job-output.txt');
  }

  /** job-output.json while the build runs: one playbook record a line. */
  private jsonLinesPath(buildId: string): string {
    return path.join(this.buildLogDir(buildId), '.job-output.jsonl');
  }

  /** Turns the playbook records into Zuul's job-output.json (a list). */
  private finishJsonLog(buildId: string): void {
    const lines = this.jsonLinesPath(buildId);
    if (!existsSync(lines)) return;
    const records = readFileSync(lines, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    writeFileSync(path.join(this.buildLogDir(buildId), 'job-output.json'), JSON.stringify(records, null, 2));
    rmSync(lines, { force: true });
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
        this.finishJsonLog(req.buildId);
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
    const out = await this.runAttempt(run, runtime, attempt, note, write, left);
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

  private async runAttempt(
    run: Running, runtime: BuildRuntime, attempt: number, note: (l: string) => void, write: (c: Buffer) => void, left: Leftovers,
  ): Promise<AttemptOutcome> {
    const { req } = run;
    const job = req.job;
    const root = path.join(this.opts.workRoot, req.buildId);
    const ansible = job.ansible;
    let ws: Workspace | undefined;
    let trusted: Workspace | undefined;
    let session: RuntimeSession | undefined;
    let nodes: AnsibleBuild | undefined;
    const signal = run.abort.signal;
    const line = (text: string) => write(Buffer.from(`${new Date().toISOString()} | ${text}\n`));
    try {
      const own = { project: job.project, branch: job.branch ?? '' };
      const projects = [own, ...job.requiredProjects.filter((p) => p.project !== own.project)].filter((p) => p.branch);
      try {
        ws = ansible
          ? await prepareWorkspace(this.opts.repos, path.join(root, 'home'), projects, req.commits, (p) => path.join('src', ansible.canonicalNames[p] ?? p))
          : await prepareWorkspace(this.opts.repos, root, projects, req.commits);
      } catch (err) {
        return { kind: 'retry', message: `preparing the workspace failed: ${(err as Error).message}` };
      }
      const cwd = ws.dirs[job.project] ?? ws.root;
      const env = this.environment(req, ws.root, attempt);
      const hasCommands = [...job.preRun, ...job.run, ...job.postRun, ...job.cleanupRun].some((s) => !isPlaybook(s));
      if (!ansible || hasCommands) {
        try {
          session = await runtime.open({ buildId: req.buildId, workspace: ws.root, env, labels: [] });
        } catch (err) {
          return { kind: 'retry', message: `runtime ${runtime.name} failed to start: ${(err as Error).message}` };
        }
      }
      // Trusted playbooks never run speculatively (as Zuul): a config project
      // the item changes is checked out again at its branch tip for them.
      const trustedDirs: Record<string, string> = {};
      if (ansible) {
        try {
          const tips: Commits = {};
          const steps = [...job.preRun, ...job.run, ...job.postRun, ...job.cleanupRun].filter(isPlaybook).filter((x) => x.trusted);
          for (const st of steps) {
            const tip = await resolveCommit(this.opts.repos.cachePath(st.project), `refs/remotes/origin/${st.branch}`);
            if (tip && tip !== req.commits[st.project]?.[st.branch]) (tips[st.project] ??= {})[st.branch] = tip;
          }
          const list = Object.entries(tips).flatMap(([project, bs]) => Object.keys(bs).map((branch) => ({ project, branch })));
          if (list.length) {
            trusted = await prepareWorkspace(this.opts.repos, path.join(root, 'trusted'), list, tips, (p) => path.join('src', ansible.canonicalNames[p] ?? p));
            Object.assign(trustedDirs, trusted.dirs);
            note(`trusted playbooks of ${Object.keys(trustedDirs).join(', ')} run from the branch tip, not the item's change`);
          }
        } catch (err) {
          return { kind: 'retry', message: `preparing the trusted checkouts failed: ${(err as Error).message}` };
        }
      }
      if (ansible) {
        let secrets: DecryptedSecrets = { byAlias: {}, values: [] };
        if (ansible.secrets.length) {
          if (!this.opts.decryptSecrets) return { kind: 'done', result: 'ERROR', message: 'this executor cannot decrypt secrets' };
          try {
            secrets = await this.opts.decryptSecrets(ansible.secrets);
          } catch (err) {
            note(`secrets: ${(err as Error).message}`);
            return { kind: 'done', result: 'ERROR', message: (err as Error).message };
          }
        }
        try {
          nodes = await AnsibleBuild.open({
            buildId: req.buildId, buildset: req.buildset ?? req.buildId, tenant: req.tenant, pipeline: req.pipeline,
            job: job as FrozenJob & { ansible: AnsibleJob }, items: req.items ?? [], attempt, root,
            checkouts: projects.filter((p) => ws!.dirs[p.project]).map((p) => ({ ...p, commit: req.commits[p.project]?.[p.branch] ?? '', dir: ws!.dirs[p.project]! })),
            runtimes: this.opts.runtimes, userland: this.opts.nodeUserland ?? [], nodeEnv: { ...env, HOME: ws.root },
            ansibleVersion: await this.ansibleVersion(), secretValues: secrets.values, secrets: secrets.byAlias,
            nodepool: this.opts.nodepool, signal, trustedDirs,
          });
        } catch (err) {
          if (signal.aborted) return { kind: 'done', result: 'ABORTED', message: signal.reason === CANCELLED ? 'cancelled' : 'executor stopped' };
          return { kind: 'retry', message: `the job's nodes failed to start: ${(err as Error).message}` };
        }
      }
      const late = (job.semaphores ?? []).filter((x) => x.resourcesFirst);
      if (late.length) {
        // resources-first: the semaphore is taken once the build's nodes are up.
        note(`waiting for semaphores ${late.map((x) => x.key).join(', ')}`);
        try {
          await this.semaphores.acquire(late, req.buildId, signal);
        } catch {
          return { kind: 'done', result: 'ABORTED', message: signal.reason === CANCELLED ? 'cancelled' : 'executor stopped' };
        }
      }
      const playbookIndex: Record<string, number> = {};
      const step = async (phase: string, s: JobStep, until: number | null): Promise<StepStatus> => {
        const timeoutMs = until === null ? null : Math.max(0, until - Date.now());
        if (isPlaybook(s)) {
          const index = (playbookIndex[phase] = (playbookIndex[phase] ?? -1) + 1);
          note(`${phase} playbook: ${s.project}/${s.playbook}${s.trusted ? ' (trusted)' : ' (untrusted)'}`);
          const r = await nodes!.runPlaybook({ step: s, phase, index, timeoutMs, signal, line, jsonLog: this.jsonLinesPath(req.buildId) });
          note(`${phase} playbook ended: ${r.error ? `error: ${r.error}` : r.status === 'timedout' ? 'timed out' : r.status === 'aborted' ? 'aborted' : `ansible-playbook exit ${r.rc} (${r.status})`}`);
          return r.status === 'error' || r.error ? { status: 'error', message: r.error ?? 'ansible-playbook failed to run' } : { status: r.status };
        }
        note(`${phase}: ${s}`);
        const r = await session!.run({ command: s, cwd, env, signal, onOutput: write, timeoutMs });
        note(`${phase} ended: ${r.error ? `error ${r.error}` : r.timedOut ? 'timed out' : r.aborted ? 'aborted' : r.signal ? `signal ${r.signal}` : `exit ${r.exitCode}`}`);
        if (r.error) return { status: 'error', message: r.error };
        return { status: r.aborted ? 'aborted' : r.timedOut ? 'timedout' : r.exitCode === 0 ? 'ok' : 'failed' };
      };
      const aborted = () => ({ kind: 'done' as const, result: 'ABORTED' as BuildResult, message: signal.reason === CANCELLED ? 'cancelled' : 'executor stopped' });

      const deadline = job.timeout === null ? null : Date.now() + job.timeout * 1000;
      let retry: string | null = null;
      let result: BuildResult = 'SUCCESS';
      let message: string | undefined;
      for (const c of job.preRun) {
        const r = await step('pre-run', c, deadline);
        if (r.status === 'aborted') return aborted();
        if (r.status === 'timedout') return { kind: 'done', result: 'TIMED_OUT', message: `timed out after ${job.timeout} s in pre-run` };
        if (r.status === 'error' && !isPlaybook(c)) return { kind: 'retry', message: `pre-run could not start: ${r.message}` };
        if (r.status !== 'ok') {
          retry = `pre-run ${r.status === 'unreachable' ? 'could not reach a node' : r.status === 'error' ? `error: ${r.message}` : 'failed'}: ${stepLabel(c)}`;
          break;
        }
      }
      if (retry === null) {
        for (const c of job.run) {
          const r = await step('run', c, deadline);
          if (r.status === 'aborted') return aborted();
          if (r.status === 'error' && !isPlaybook(c)) return { kind: 'retry', message: `run could not start: ${r.message}` };
          if (r.status === 'unreachable') {
            retry = `run could not reach a node: ${stepLabel(c)}`;
            break;
          }
          if (r.status === 'timedout') {
            result = 'TIMED_OUT';
            message = `timed out after ${job.timeout} s`;
            break;
          }
          if (r.status === 'error') {
            result = 'ERROR';
            message = r.message;
            break;
          }
          if (r.status === 'failed') {
            result = 'FAILURE';
            message = `${stepLabel(c)} failed`;
            break;
          }
        }
      }
      for (const c of job.postRun) {
        // Each post-run playbook (command) has post-timeout to itself, as in Zuul.
        const r = await step('post-run', c, job.postTimeout === null ? null : Date.now() + job.postTimeout * 1000);
        if (r.status === 'aborted') return aborted();
        if (r.status === 'unreachable' && retry === null) retry = `post-run could not reach a node: ${stepLabel(c)}`;
        if (r.status !== 'ok' && retry === null) {
          result = 'POST_FAILURE';
          message = r.status === 'timedout' ? `post-run timed out after ${job.postTimeout} s: ${stepLabel(c)}` : `post-run failed: ${stepLabel(c)}`;
        }
      }
      if (retry !== null) return { kind: 'retry', message: retry };
      return { kind: 'done', result, message };
    } finally {
      if (job.cleanupRun.length && (session || nodes)) {
        const cwd = ws?.dirs[job.project] ?? root;
        const env = this.environment(req, ws?.root ?? root, attempt);
        for (const c of job.cleanupRun) {
          const quiet = new AbortController().signal;
          if (isPlaybook(c)) {
            note(`cleanup-run playbook: ${c.project}/${c.playbook}`);
            await nodes?.runPlaybook({ step: c, phase: 'cleanup', index: 0, timeoutMs: 60_000, signal: quiet, line, jsonLog: this.jsonLinesPath(req.buildId) }).catch(() => undefined);
          } else if (session) {
            note(`cleanup-run: ${c}`);
            await session.run({ command: c, cwd, env, signal: quiet, onOutput: write, timeoutMs: 60_000 }).catch(() => undefined);
          }
        }
      }
      await session?.close().catch(() => undefined);
      const cleanup = async () => {
        if (ws) await removeWorkspace(this.opts.repos, ws).catch((err) => this.opts.log.warn({ err }, 'removing a workspace failed'));
        if (trusted) await removeWorkspace(this.opts.repos, trusted).catch(() => undefined);
        rmSync(root, { recursive: true, force: true });
      };
      if (nodes) {
        // The caller closes (or holds) the nodes, then cleans up.
        this.collectLogs(req.buildId, nodes.logRoot);
        left.nodes = nodes;
        left.cleanup = cleanup;
      } else {
        await cleanup();
      }
    }
  }

  /** What post-run playbooks put in zuul.executor.log_root is kept with the build's logs. */
  private collectLogs(buildId: string, logRoot: string): void {
    try {
      cpSync(logRoot, path.join(this.buildLogDir(buildId), 'logs'), { recursive: true, force: true });
    } catch (err) {
      this.opts.log.warn({ err, build: buildId }, 'collecting the build\'s logs failed');
    }
  }

  private ansibleVersionCache?: Promise<string>;
  private ansibleVersion(): Promise<string> {
    this.ansibleVersionCache ??= ansibleVersion();
    return this.ansibleVersionCache;
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
