/**
 * Black-box helpers for e2e tests: run the shipped CLI (dist/, built by
 * `npm test`'s setup) and start real server processes on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(REPO, '..', 'shared', 'fixtures');
export const CLI = join(REPO, 'dist', 'cli', 'main.js');

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it)`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `strata ARGS…` to completion. */
export function strata(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface StrataServer {
  url: string;
  dataDir: string;
  /** The bootstrap admin token. */
  token: string;
  proc: ChildProcess;
  /** Environment for CLI calls against this server. */
  env: NodeJS.ProcessEnv;
  stderr(): string;
  /** SIGTERM (or the given signal), wait for exit; removes the data dir unless keepData. */
  stop(signal?: NodeJS.Signals, keepData?: boolean): Promise<void>;
}

/** Starts `strata server` on 127.0.0.1 with a free port and a fresh (or given) data dir. */
export async function startServer(opts: { args?: string[]; env?: NodeJS.ProcessEnv; dataDir?: string; timeoutMs?: number } = {}): Promise<StrataServer> {
  assertBuilt();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'strata-e2e-'));
  const proc = spawn(process.execPath, [CLI, '--json', 'server', '--listen', '127.0.0.1:0', '--data', dataDir, '--log-level', 'warn', ...(opts.args ?? [])], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const info = await new Promise<{ url: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in time: ${err}`)), opts.timeoutMs ?? 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      try {
        const parsed = JSON.parse(out);
        clearTimeout(timer);
        resolve(parsed);
      } catch {
        /* incomplete JSON: wait for more */
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${err}`));
    });
  });
  const tokenFile = join(dataDir, 'admin-token');
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '';
  return {
    url: info.url,
    dataDir,
    token,
    proc,
    env: { STRATA_URL: info.url, STRATA_TOKEN: token, STRATA_DATA: dataDir },
    stderr: () => err,
    async stop(signal = 'SIGTERM', keepData = false) {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill(signal);
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      if (!keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Fetch with the server's admin token. */
export function api(server: Pick<StrataServer, 'url' | 'token'>, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (server.token && !headers.has('authorization')) headers.set('authorization', `Bearer ${server.token}`);
  return fetch(server.url + path, { ...init, headers });
}

/** True when a command exists on PATH (for a clear failure message, never a skip). */
export function requireCommand(cmd: string, pkg: string): void {
  const r = spawnSync('sh', ['-c', 'command -v "$0"', cmd]);
  if (r.status !== 0) throw new Error(`${cmd} not found: install the Debian package ${pkg} (npm test does it as root)`);
}

/** The one poller, shared with the unit tests (src/core/testing). */
export { until } from '../../src/core/testing/index.js';
