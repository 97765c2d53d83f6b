/**
 * Runs a host program to completion and collects its output: an argv array,
 * never a shell (so no argument is ever parsed as shell text), stdin from
 * `input` or /dev/null, a timeout that ends in SIGKILL, and a cap on what is
 * kept of each stream (its tail, where error messages look). `run` reports
 * any exit; `runOk` makes a bad one an error naming the command, how it
 * ended and the end of its stderr.
 *
 * Not for long-lived processes, streamed output or process groups: those
 * spawn for themselves.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What each stream keeps by default: its last MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;

export interface RunOptions {
  cwd?: string;
  /** The whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  /** SIGKILL after this many milliseconds. */
  timeoutMs?: number;
  /** Bytes kept of stdout and of stderr, each: the tail (default 1 MiB; Infinity keeps everything). */
  maxOutputBytes?: number;
  /** 'buffer' returns stdout as bytes (binary output such as `git cat-file --batch`). */
  encoding?: 'utf8' | 'buffer';
}

export interface RunResult<Out extends string | Buffer = string> {
  /** The exit code; null when a signal ended the program. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the timeout killed it. */
  timedOut: boolean;
  stdout: Out;
  stderr: string;
}

export interface RunOkOptions extends RunOptions {
  /** Exit codes accepted besides 0. */
  okCodes?: readonly number[];
}

/** A program that could not start (`result` undefined) or ended badly (`runOk`). */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly argv: readonly string[],
    readonly result: RunResult<string | Buffer> | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Keeps the last `max` bytes of a stream without holding more than about twice that. */
class TailCollector {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > 2 * this.max) this.trim();
  }
  private trim(): void {
    const all = Buffer.concat(this.chunks);
    const kept = all.subarray(Math.max(0, all.length - this.max));
    this.chunks = [kept];
    this.size = kept.length;
  }
  bytes(): Buffer {
    if (this.size > this.max) this.trim();
    return Buffer.concat(this.chunks);
  }
}

/** Runs `argv` to its end; rejects only when the program cannot start (a CommandError without a result). */
export function run(argv: readonly string[], opts?: RunOptions & { encoding?: 'utf8' }): Promise<RunResult<string>>;
export function run(argv: readonly string[], opts: RunOptions & { encoding: 'buffer' }): Promise<RunResult<Buffer>>;
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult<string | Buffer>> {
  return runToEnd(argv, opts);
}

function runToEnd(argv: readonly string[], opts: RunOptions): Promise<RunResult<string | Buffer>> {
  return new Promise((resolve, reject) => {
    if (argv.length === 0 || !argv[0]) throw new Error('run: empty argv');
    const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out = new TailCollector(max);
    const err = new TailCollector(max);
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // spawn says ENOENT for a missing working directory too
      const why = e.code !== 'ENOENT' ? e.message : opts.cwd && !existsSync(opts.cwd) ? `working directory ${opts.cwd} does not exist` : 'not installed (not found on PATH)';
      reject(new CommandError(`${argv[0]}: ${why}`, argv, undefined, { cause: e }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = opts.encoding === 'buffer' ? out.bytes() : out.bytes().toString('utf8');
      resolve({ code, signal, timedOut, stdout, stderr: err.bytes().toString('utf8') });
    });
    if (child.stdin) {
      // The program may exit without reading all of it; its exit says what happened.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

/** How a finished program ended, for messages: `exit 2`, `killed by SIGTERM`, `killed after the 5000 ms timeout`. */
function describeExit(r: Pick<RunResult<string | Buffer>, 'code' | 'signal' | 'timedOut'>, timeoutMs?: number): string {
  if (r.timedOut) return `killed after the ${timeoutMs ?? '?'} ms timeout`;
  return r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
}

/** The last lines of a program's stderr on one line. */
function stderrTail(stderr: string, lines = 5): string {
  return stderr.trim().split('\n').slice(-lines).join(' | ');
}

/** Like `run`, but an exit other than 0 (or `okCodes`) rejects with a CommandError naming the command and its stderr's tail. */
export function runOk(argv: readonly string[], opts?: RunOkOptions & { encoding?: 'utf8' }): Promise<RunResult<string>>;
export function runOk(argv: readonly string[], opts: RunOkOptions & { encoding: 'buffer' }): Promise<RunResult<Buffer>>;
export async function runOk(argv: readonly string[], opts: RunOkOptions = {}): Promise<RunResult<string | Buffer>> {
  const r = await runToEnd(argv, opts);
  if (r.code === 0 || (r.code !== null && opts.okCodes?.includes(r.code))) return r;
  const tail = stderrTail(r.stderr);
  throw new CommandError(`${argv.join(' ')} failed (${describeExit(r, opts.timeoutMs)})${opts.cwd ? ` in ${opts.cwd}` : ''}${tail ? `: ${tail}` : ''}`, argv, r);
}
