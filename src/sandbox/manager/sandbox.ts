/**
 * One sandbox, whatever its runtime: exec with streamed stdio, signals,
 * timeouts and exit statuses; copy in and out; destroy, which releases every
 * host resource the sandbox holds. Its lifecycle follows the table in
 * model/states.ts.
 */
import { lstat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { AgentClient, type AgentExec } from '../agent/agent-client.js';
import { hostTreeSink, walkHostPath } from '../agent/copy-tree.js';
import { formatImageRef } from '../images/image-ref.js';
import type { ResolvedImage } from '../images/image-types.js';
import { SandboxError } from '../model/errors.js';
import { parseDuration } from '../model/quantity.js';
import { normalizeSandboxPath, parseEnvList, validateEnv, type NormalizedSpec } from '../model/spec.js';
import { nextState, canTransition, type SandboxEvent, type SandboxState } from '../model/states.js';
import type { LimitEnforcement, Logger, Runtime, RuntimeInstance } from '../runtimes/runtime.js';
import type { ResourceLedger } from './resources.js';

export interface ExecOptions {
  /** added to (and overriding) the sandbox's environment */
  env?: Record<string, string>;
  /** working directory inside the sandbox */
  cwd?: string;
  /** run under a pseudo-terminal (stdout carries both output streams) */
  tty?: boolean | { rows: number; cols: number };
  /** kill the command's process group after this long (ms, or "30s") */
  timeout?: number | string;
}

export interface ExecResult {
  /** the exit code, or null when a signal ended the command */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** the exec timeout fired and killed the command */
  timedOut: boolean;
  /** the sandbox's memory limit killed it (known where a cgroup reports it) */
  oomKilled?: boolean;
  durationMs: number;
}

export interface Exec {
  /** pid inside the sandbox (host pid for the process runtime) */
  readonly pid: number;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** sends a signal to the command (or its whole process group) */
  signal(sig: NodeJS.Signals | number, opts?: { group?: boolean }): void;
  resize(rows: number, cols: number): void;
  wait(): Promise<ExecResult>;
}

export interface RunResult extends ExecResult {
  stdout: Buffer;
  stderr: Buffer;
}

export interface SandboxInfo {
  id: string;
  runtime: string;
  runtimeClass?: string;
  state: SandboxState;
  image: { ref: string; digest: string };
  createdAt: string;
  limits: LimitEnforcement[];
  network?: { sandboxAddress: string; hostAddress: string };
  hostPids: number[];
  labels: Record<string, string>;
  /** why the sandbox failed, when it did */
  error?: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SandboxParts {
  id: string;
  spec: NormalizedSpec;
  runtime: Runtime;
  runtimeClass?: string;
  image: ResolvedImage;
  stateDir: string;
  instance: RuntimeInstance;
  agent: AgentClient;
  ledger: ResourceLedger;
  limits: LimitEnforcement[];
  log: Logger;
  network?: { sandboxAddress: string; hostAddress: string };
  /** OOM kills recorded for the sandbox's memory cgroup, where there is one */
  oomKills?: () => Promise<number>;
  /** when it was created (an adopted sandbox keeps its original time and what is left of its timeout) */
  createdAt?: Date;
  onGone: (id: string) => void;
}

export class Sandbox {
  readonly id: string;
  readonly createdAt: Date;
  private stateValue: SandboxState = 'running';
  private failure: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private destroying: Promise<void> | undefined;
  private detached = false;
  private readonly execs = new Set<Promise<unknown>>();

  constructor(private readonly parts: SandboxParts) {
    this.id = parts.id;
    this.createdAt = parts.createdAt ?? new Date();
    void parts.agent.closed.then((err) => {
      if (this.stateValue === 'running' && !this.detached) {
        this.failure = err.message;
        this.move('died');
        parts.log.warn(`sandbox ${this.id}: ${err.message}`);
      }
    });
    const t = parts.spec.limits.timeoutMs;
    if (t !== undefined) {
      const left = Math.max(0, t - (Date.now() - this.createdAt.getTime()));
      this.timer = setTimeout(() => {
        parts.log.warn(`sandbox ${this.id}: timeout of ${t} ms reached; destroying it`);
        void this.destroy('timeout').catch((err) => parts.log.warn(`sandbox ${this.id}: ${(err as Error).message}`));
      }, left);
      this.timer.unref();
    }
  }

  get state(): SandboxState {
    return this.stateValue;
  }

  get runtime(): string {
    return this.parts.runtime.name;
  }

  private move(event: SandboxEvent): void {
    this.stateValue = nextState(this.stateValue, event);
  }

  private ensureRunning(what: string): void {
    if (this.stateValue !== 'running')
      throw new SandboxError('invalid_state', `sandbox ${this.id}: cannot ${what} while ${this.stateValue}${this.failure ? ` (${this.failure})` : ''}`, {
        sandbox: this.id,
        state: this.stateValue,
      });
  }

  /** What the sandbox is; `hostPids: false` skips the walk of /proc the pids cost (a listing does not need them). */
  info(opts: { hostPids?: boolean } = {}): SandboxInfo {
    const live = (this.stateValue === 'running' || this.stateValue === 'failed') && opts.hostPids !== false;
    return {
      id: this.id,
      runtime: this.parts.runtime.name,
      runtimeClass: this.parts.runtimeClass,
      state: this.stateValue,
      image: { ref: formatImageRef(this.parts.image.ref), digest: this.parts.image.digest },
      createdAt: this.createdAt.toISOString(),
      limits: this.parts.limits,
      network: this.parts.network,
      hostPids: live ? this.parts.instance.hostPids() : [],
      labels: this.parts.spec.labels,
      error: this.failure,
    };
  }

  /** Every host process the sandbox adds right now (for overhead measurements and leak checks). */
  hostPids(): number[] {
    return this.parts.instance.hostPids();
  }

  private environment(extra: Record<string, string> | undefined, tty: boolean): Record<string, string> {
    const env: Record<string, string> = { PATH: DEFAULT_PATH, HOME: this.parts.runtime.hostFilesystem ? this.parts.runtime.defaultCwd(this.parts) : '/root' };
    if (this.parts.runtime.hostFilesystem) env.TMPDIR = this.parts.runtime.defaultCwd(this.parts);
    if (tty) env.TERM = 'xterm';
    Object.assign(env, parseEnvList(this.parts.image.config.env), this.parts.spec.env, validateEnv(extra, 'exec env'));
    return env;
  }

  /** Starts a command. Rejects with command_not_found or cwd_not_found when it cannot start. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<Exec> {
    this.ensureRunning('exec');
    if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string' || a.includes('\0')))
      throw new SandboxError('invalid_spec', `sandbox ${this.id}: exec needs a command (a non-empty list of strings without NUL bytes)`);
    const cwd = opts.cwd
      ? normalizeSandboxPath(opts.cwd, 'exec cwd')
      : (this.parts.spec.workdir ?? this.parts.image.config.workingDir ?? this.parts.runtime.defaultCwd(this.parts));
    const tty = opts.tty === true ? { rows: 24, cols: 80 } : opts.tty || undefined;
    const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout, 'exec timeout');
    const oomBefore = (await this.parts.oomKills?.()) ?? 0;
    const started = Date.now();
    const agentExec: AgentExec = await this.parts.agent.exec({ argv, env: this.environment(opts.env, tty !== undefined), cwd, tty });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined)
      timer = setTimeout(() => {
        timedOut = true;
        agentExec.signal('SIGKILL', true);
      }, timeoutMs);
    const result = agentExec.wait().then(
      async (r): Promise<ExecResult> => {
        clearTimeout(timer);
        const oom = this.parts.oomKills && r.signal === 'SIGKILL' ? (await this.parts.oomKills()) > oomBefore : undefined;
        return { exitCode: r.exitCode, signal: r.signal, timedOut, durationMs: Date.now() - started, ...(oom === undefined ? {} : { oomKilled: oom }) };
      },
      (err) => {
        clearTimeout(timer);
        throw err;
      },
    );
    result.catch(() => {});
    this.execs.add(result);
    void result.finally(() => this.execs.delete(result)).catch(() => {});
    return {
      pid: agentExec.pid,
      stdin: agentExec.stdin,
      stdout: agentExec.stdout,
      stderr: agentExec.stderr,
      signal: (sig, o) => agentExec.signal(sig, o?.group ?? false),
      resize: (rows, cols) => agentExec.resize(rows, cols),
      wait: () => result,
    };
  }

  /** Runs a command to completion and collects its output. */
  async run(argv: readonly string[], opts: ExecOptions & { stdin?: string | Buffer } = {}): Promise<RunResult> {
    const e = await this.exec(argv, opts);
    const drain = (s: Readable) =>
      new Promise<Buffer>((resolve) => {
        const parts: Buffer[] = [];
        s.on('data', (c: Buffer) => parts.push(c));
        s.on('end', () => resolve(Buffer.concat(parts)));
        s.on('error', () => resolve(Buffer.concat(parts)));
      });
    const output = Promise.all([drain(e.stdout), drain(e.stderr)]);
    e.stdin.end(opts.stdin ?? '');
    const r = await e.wait();
    const [stdout, stderr] = await output;
    return { ...r, stdout, stderr };
  }

  /** Copies a host file or directory to `sandboxPath` (the copy's own path; parents are created). */
  async copyIn(hostPath: string, sandboxPath: string): Promise<void> {
    this.ensureRunning('copy in');
    const target = normalizeSandboxPath(sandboxPath, 'copy destination');
    await lstat(hostPath).catch(() => {
      throw new SandboxError('copy_failed', `copy source ${hostPath} does not exist`, { path: hostPath });
    });
    await this.parts.agent.copyIn(target, walkHostPath(hostPath));
  }

  /** Copies a sandbox file or directory to `hostPath` (the copy's own path; parents are created). */
  async copyOut(sandboxPath: string, hostPath: string): Promise<void> {
    this.ensureRunning('copy out');
    const source = normalizeSandboxPath(sandboxPath, 'copy source');
    await this.parts.agent.copyOut(source, hostTreeSink(hostPath));
  }

  /** Stops everything the sandbox runs and releases every host resource it holds. */
  destroy(reason: 'destroy' | 'timeout' = 'destroy'): Promise<void> {
    if (this.destroying) return this.destroying;
    if (!canTransition(this.stateValue, reason)) return Promise.resolve();
    this.move(reason);
    clearTimeout(this.timer);
    this.destroying = (async () => {
      const { agent, instance, ledger, log } = this.parts;
      const why = reason === 'timeout' ? `sandbox destroyed by its timeout (${this.parts.spec.limits.timeoutMs} ms)` : 'sandbox destroyed';
      if (!agent.isClosed) agent.shutdown(why);
      // Give the agent a moment to end its commands and the runtime to exit on its own.
      await Promise.race([instance.exited, new Promise((r) => setTimeout(r, 3000))]);
      await instance.stop().catch((err) => log.warn(`sandbox ${this.id}: stopping the runtime: ${(err as Error).message}`));
      agent.close(why);
      const problems = await ledger.releaseAll();
      this.move('cleaned');
      this.parts.onGone(this.id);
      if (problems.length) throw new SandboxError('invalid_state', `sandbox ${this.id}: cleanup left: ${problems.join('; ')}`, { sandbox: this.id, problems });
    })();
    return this.destroying;
  }

  /**
   * Lets go of a supervised sandbox without stopping it (a server handing
   * over): the agent's stream closes here, the supervisor keeps the sandbox.
   */
  detach(): void {
    clearTimeout(this.timer);
    this.detached = true;
    this.parts.agent.close('the server handed the sandbox over');
    void this.parts.instance.stop();
  }

  /** Resolves once the sandbox is destroyed. */
  get destroyed(): Promise<void> {
    return this.destroying ?? Promise.resolve();
  }
}
