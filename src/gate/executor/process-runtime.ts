// The `process` runtime: each step is `/bin/sh -c COMMAND` in a new process
// group, so that a timeout or a cancel kills the step and everything it
// started (SIGTERM, then SIGKILL after a grace period), and stragglers left
// when the shell exits are killed too.

import { spawn } from 'node:child_process';
import { killGroup, stopOnDeadline } from '../../core/host/index.js';
import type { BuildRuntime, ExecResult, ExecSpec, RuntimeSession, SessionSpec, StepResult, StepSpec } from './runtime.js';

export interface ProcessRuntimeOptions {
  /** Time between SIGTERM and SIGKILL. */
  graceMs?: number;
}

export function runProcessStep(step: StepSpec, graceMs = 2000): Promise<StepResult> {
  return new Promise((resolve) => {
    if (step.signal.aborted) {
      resolve({ exitCode: null, signal: null, timedOut: false, aborted: true });
      return;
    }
    let child;
    try {
      child = spawn('/bin/sh', ['-c', step.command], { cwd: step.cwd, env: step.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ exitCode: null, signal: null, timedOut: false, aborted: false, error: (err as Error).message });
      return;
    }
    const pgid = child.pid!;
    const deadline = stopOnDeadline({ timeoutMs: step.timeoutMs, signal: step.signal, graceMs, term: () => killGroup(pgid, 'SIGTERM'), kill: () => killGroup(pgid, 'SIGKILL') });
    child.stdout!.on('data', (d: Buffer) => step.onOutput(d));
    child.stderr!.on('data', (d: Buffer) => step.onOutput(d));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      deadline.dispose();
      resolve({ exitCode: exit?.code ?? null, signal: exit?.signal ?? null, timedOut: deadline.timedOut, aborted: deadline.aborted, ...(error ? { error } : {}) });
    };
    child.on('error', (err) => finish(err.message));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the step left running in its group goes with it.
      killGroup(pgid, 'SIGKILL');
    });
    child.on('close', () => finish());
  });
}

/** A command with stdin and separate outputs, in its own process group (killed on abort and at exit). */
export function execProcess(spec: ExecSpec): Promise<ExecResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let child;
    try {
      child = spawn('/bin/sh', ['-c', spec.command], { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ exitCode: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), error: (e as Error).message });
      return;
    }
    const pgid = child.pid!;
    const onAbort = () => killGroup(pgid, 'SIGKILL');
    spec.signal.addEventListener('abort', onAbort, { once: true });
    child.stdin!.on('error', () => {});
    child.stdin!.end(spec.stdin);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      killGroup(pgid, 'SIGKILL');
    });
    const finish = (error?: string) => {
      spec.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode: exit.code, signal: exit.signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), ...(error ? { error } : {}) });
    };
    child.on('error', (e) => finish(e.message));
    child.on('close', () => finish());
  });
}

export class ProcessRuntime implements BuildRuntime {
  readonly name = 'process';

  constructor(private readonly opts: ProcessRuntimeOptions = {}) {}

  async open(_spec: SessionSpec): Promise<RuntimeSession> {
    return {
      run: (step) => runProcessStep(step, this.opts.graceMs),
      exec: execProcess,
      close: async () => {},
    };
  }
}
