/**
 * Runs a host command to completion (argv array, no shell) and returns its
 * output; a non-zero exit becomes an error naming the command and its stderr.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Accept these exit codes besides 0. */
  okCodes?: number[];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly argv: readonly string[],
    readonly result: RunResult | undefined,
  ) {
    super(message);
  }
}

export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs)
      timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, options.timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new CommandError(e.code === 'ENOENT' ? `${argv[0]}: not installed (not found on PATH)` : `${argv[0]}: ${e.message}`, argv, undefined));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) resolve(result);
      else {
        const why = signal ? `killed by ${signal}${options.timeoutMs ? ` (timeout ${options.timeoutMs} ms)` : ''}` : `exit code ${code}`;
        const detail = result.stderr.trim().split('\n').slice(-5).join('; ');
        reject(new CommandError(`${argv.join(' ')}: ${why}${detail ? `: ${detail}` : ''}`, argv, result));
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  });
}
