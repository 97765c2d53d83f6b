/**
 * Sandboxes for the gate's jobs: a session is one sandbox of a runtime class
 * with the job's workspace mounted read-write, in which each step runs as
 * `/bin/sh -c COMMAND` with its env and cwd, its output streamed to the
 * caller, a timeout and a cancel that kill the step's whole process group
 * (SIGTERM, then SIGKILL after a grace period), and a close that destroys the
 * sandbox. It implements the gate's BuildRuntime / RuntimeSession contract
 * (gate/executor/runtime.ts, taken from the gate's index as types only);
 * the sandbox module offers one such runtime per runtime class.
 *
 * The workspace appears at the same path inside the sandbox as on the host
 * by default, so the host paths the gate puts in commands, cwd and env keep
 * working unchanged. Where that path lies under a directory the sandbox
 * has its own of (/tmp, /dev, /proc, /sys, /run) it appears at /workspace
 * instead, and the host path is rewritten to it in each step's command, cwd
 * and env.
 */
import { stopOnDeadline } from '../../core/host/index.js';
import type { BuildRuntime, ExecResult, ExecSpec, RuntimeSession, SessionSpec, StepResult, StepSpec } from '../../gate/index.js';
import type { CreateRequest } from './requests.js';
import type { Sandbox } from '../manager/index.js';

/** What a job session needs of the sandbox service (its own interface, so the service can delegate here without a cycle). */
export interface JobSessionHost {
  readonly manager: { readonly classes: { list(): ReadonlyArray<{ name: string }> } };
  runtimeOf(spec: { runtime?: string; runtimeClass?: string }): { hostFilesystem: boolean };
  createFor(project: string, name: string, input: CreateRequest): Promise<{ id: string; sandbox: Sandbox; remove(): Promise<void> }>;
}

/** `runtime` names a runtime; `timeout` is the sandbox's whole lifetime. */
export interface JobSandboxOptions extends Pick<CreateRequest, 'runtime' | 'image' | 'memory' | 'cpus' | 'network' | 'timeout'> {
  /** a runtime class (default: the first of the job's labels that names a class, else the server's default class) */
  runtimeClass?: string;
  /** the project its record is listed under (default "gate") */
  project?: string;
  /** where the workspace appears in the sandbox (default: its host path, or /workspace when that is below /tmp and the like) */
  workspaceTarget?: string;
  /** SIGTERM to SIGKILL, ms (default 2000) */
  graceMs?: number;
  /** more host directories to share, e.g. a userland for Ansible's modules (the gate is trusted to name them) */
  mounts?: Array<{ source: string; target: string; readOnly?: boolean }>;
}

/** A session of the gate's contract (its id is the sandbox's API id, what `strata sandbox ls` shows) that always runs Ansible-style execs too. */
export interface JobSession extends RuntimeSession {
  readonly id: string;
  exec(spec: ExecSpec): Promise<ExecResult>;
}

export interface JobSessionSpec extends JobSandboxOptions {
  /** names the sandbox's creator in its record, e.g. the build id */
  name: string;
  workspace: string;
  env?: Record<string, string>;
  labels?: string[];
}

/** Directories a sandbox has its own of: a workspace below one would be hidden. */
const PRIVATE_DIRS = ['/tmp', '/dev', '/proc', '/sys', '/run'];

/** Rewrites a host path to its place in the sandbox wherever it appears as a whole path (prefix). */
function pathMapper(from: string, to: string): (text: string) => string {
  if (from === to) return (t) => t;
  const re = new RegExp(`${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$|[^\\w.-])`, 'g');
  return (t) => t.replace(re, to);
}

export async function openJobSession(service: JobSessionHost, spec: JobSessionSpec): Promise<JobSession> {
  const classes = new Set(service.manager.classes.list().map((c) => c.name));
  const runtimeClass = spec.runtime ? undefined : (spec.runtimeClass ?? spec.labels?.find((l) => classes.has(l)));
  const hostPaths = service.runtimeOf({ runtime: spec.runtime, runtimeClass }).hostFilesystem;
  const hidden = PRIVATE_DIRS.some((d) => spec.workspace === d || spec.workspace.startsWith(`${d}/`));
  // host processes see host paths: the process runtime needs the workspace where it is
  const target = hostPaths ? spec.workspace : spec.workspaceTarget ?? (hidden ? '/workspace' : spec.workspace);
  const map = pathMapper(spec.workspace, target);
  const input: CreateRequest = {
    ...(spec.runtime ? { runtime: spec.runtime } : runtimeClass ? { runtimeClass } : {}),
    ...(spec.image ? { image: spec.image } : {}),
    ...(spec.memory !== undefined ? { memory: spec.memory } : {}),
    ...(spec.cpus !== undefined ? { cpus: spec.cpus } : {}),
    ...(spec.network !== undefined ? { network: spec.network } : {}),
    ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
    mounts: [{ source: spec.workspace, target }, ...(spec.mounts ?? [])],
    workdir: target,
    env: Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, map(v)])),
    labels: { job: spec.name.replace(/[^\w.-]/g, '_').slice(0, 63) },
  };
  const created = await service.createFor(spec.project ?? 'gate', spec.name, input);
  const grace = spec.graceMs ?? 2000;
  let closed: Promise<void> | undefined;
  // `/bin/sh -c COMMAND` with the host's workspace path mapped to the sandbox's in command, cwd and env
  const shell = (c: { command: string; cwd: string; env: Record<string, string> }) =>
    created.sandbox.exec(['/bin/sh', '-c', map(c.command)], { cwd: map(c.cwd), env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, map(v)])) });
  return {
    id: created.id,
    async run(step: StepSpec): Promise<StepResult> {
      if (step.signal.aborted) return { exitCode: null, signal: null, timedOut: false, aborted: true };
      let exec;
      try {
        exec = await shell(step);
      } catch (err) {
        return { exitCode: null, signal: null, timedOut: false, aborted: false, error: (err as Error).message };
      }
      exec.stdin.end();
      exec.stdout.on('data', (c: Buffer) => step.onOutput(c));
      exec.stderr.on('data', (c: Buffer) => step.onOutput(c));
      const deadline = stopOnDeadline({
        timeoutMs: step.timeoutMs,
        signal: step.signal,
        graceMs: grace,
        term: () => exec.signal('SIGTERM', { group: true }),
        kill: () => exec.signal('SIGKILL', { group: true }),
      });
      try {
        const r = await exec.wait();
        return { exitCode: r.exitCode, signal: r.signal, timedOut: deadline.timedOut, aborted: deadline.aborted };
      } catch (err) {
        return { exitCode: null, signal: null, timedOut: deadline.timedOut, aborted: deadline.aborted, error: (err as Error).message };
      } finally {
        deadline.dispose();
      }
    },
    async exec(spec: ExecSpec): Promise<ExecResult> {
      const empty = Buffer.alloc(0);
      if (spec.signal.aborted) return { exitCode: null, signal: null, stdout: empty, stderr: empty, error: 'aborted' };
      let exec;
      try {
        exec = await shell(spec);
      } catch (err) {
        return { exitCode: null, signal: null, stdout: empty, stderr: empty, error: (err as Error).message };
      }
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      exec.stdout.on('data', (c: Buffer) => out.push(c));
      exec.stderr.on('data', (c: Buffer) => errs.push(c));
      exec.stdin.end(spec.stdin);
      const onAbort = () => exec.signal('SIGKILL', { group: true });
      spec.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const r = await exec.wait();
        return { exitCode: r.exitCode, signal: r.signal, stdout: Buffer.concat(out), stderr: Buffer.concat(errs) };
      } catch (err) {
        return { exitCode: null, signal: null, stdout: Buffer.concat(out), stderr: Buffer.concat(errs), error: (err as Error).message };
      } finally {
        spec.signal.removeEventListener('abort', onAbort);
      }
    },
    close() {
      closed ??= created.remove();
      return closed;
    },
  };
}

/**
 * A build runtime for the gate: each build's session is a sandbox of the
 * class its nodeset labels name (or the class given here).
 */
export function sandboxBuildRuntime(service: JobSessionHost, opts: JobSandboxOptions = {}): BuildRuntime {
  return {
    name: opts.runtime ? `sandbox:${opts.runtime}` : opts.runtimeClass ? `sandbox:${opts.runtimeClass}` : 'sandbox',
    open(spec: SessionSpec): Promise<JobSession> {
      return openJobSession(service, {
        ...opts, name: spec.buildId, workspace: spec.workspace, env: spec.env, labels: spec.labels,
        ...(spec.workspaceTarget ? { workspaceTarget: spec.workspaceTarget } : {}),
        mounts: [...(opts.mounts ?? []), ...(spec.mounts ?? [])],
      });
    },
  };
}
