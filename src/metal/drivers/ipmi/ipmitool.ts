/**
 * Running ipmitool: argv built as an array (never a shell string), the
 * password in the IPMI_PASSWORD environment variable (`-E`; /proc/PID/environ
 * is readable by the owner only), the Kg key in IPMI_KGKEY (`-K`), so no
 * secret is ever on a command line. An empty password cannot travel in the
 * environment (ipmitool then prompts), so it goes, as a NUL byte, through a
 * file in a private temporary directory, as Ironic does. Failures are
 * classified from ipmitool's verbose stderr into DriverError kinds the
 * conductor can act on.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError, type DriverErrorKind } from '../errors.js';
import type { IpmiInfo } from './driver-info.js';

export interface IpmitoolOptions {
  /** The ipmitool binary; `ipmitool` from PATH by default. */
  binary?: string;
  /** ipmitool's own retries per request (`-R`). */
  retries?: number;
  /** ipmitool's per-request timeout in seconds (`-N`). */
  requestTimeoutS?: number;
  /** Kill ipmitool after this long; the call then fails with kind `timeout`. */
  commandTimeoutMs?: number;
  /** Called with each spawn's argv and pid (tests check no secret is in it). */
  onSpawn?: (argv: readonly string[], pid: number | undefined) => void;
}

export const IPMITOOL_DEFAULTS = { retries: 3, requestTimeoutS: 1, commandTimeoutMs: 30_000 };

/**
 * The argv for one ipmitool command (without the binary). Pure: tests check
 * it carries no secret. `-v` makes ipmitool say why a session failed, which
 * the classifier needs; its extra lines go to stderr only.
 */
export function ipmitoolArgs(info: IpmiInfo, command: readonly string[], opts: IpmitoolOptions = {}, emptyPasswordFile = '/dev/null'): string[] {
  const args = ['-I', info.protocolVersion === '2.0' ? 'lanplus' : 'lan', '-H', info.address, '-L', info.privLevel];
  if (info.port !== undefined) args.push('-p', String(info.port));
  if (info.username) args.push('-U', info.username);
  if (info.hexKgKey) args.push('-K');
  if (info.cipherSuite !== undefined) args.push('-C', String(info.cipherSuite));
  const b = info.bridging;
  for (const [flag, v] of [['-m', b.local], ['-B', b.transitChannel], ['-T', b.transitAddress], ['-b', b.targetChannel], ['-t', b.targetAddress]] as const) {
    if (v !== undefined) args.push(flag, v);
  }
  args.push('-R', String(opts.retries ?? IPMITOOL_DEFAULTS.retries), '-N', String(opts.requestTimeoutS ?? IPMITOOL_DEFAULTS.requestTimeoutS));
  if (info.password.length) args.push('-E');
  else args.push('-f', emptyPasswordFile);
  args.push('-v', ...command);
  return args;
}

/** Decodes the hex Kg key for IPMI_KGKEY; ipmitool reads that variable as raw bytes up to the first NUL. */
export function kgKeyForEnv(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.includes(0)) {
    throw new DriverError('invalid-parameter', 'ipmi_hex_kg_key contains a zero byte, which ipmitool can only take on its command line; Strata refuses to put it there');
  }
  return bytes.toString('latin1');
}

// ipmitool's fixed English messages (it has no translations), in the order we test them.
const CLASSIFIERS: readonly [RegExp, DriverErrorKind][] = [
  [/RAKP 2 HMAC is invalid|unauthorized name|Invalid user name|Invalid session ID in request|Authentication type .* not supported|insufficient privilege|Requested privilege level exceeds|Unable to read password/i, 'auth'],
  [/insufficient resources for session|Node busy|Out of space|BMC initialization in progress|BMC busy/i, 'busy'],
  [/Get Auth Capabilities error|No response from remote controller|Error issuing Get Channel Authentication Capabilities|Connection refused|No route to host|Network is unreachable|Address lookup .* failed|Name or service not known|Temporary failure in name resolution|Unable to establish LAN session|Timeout/i, 'unreachable'],
];

/** Maps a failed run's stderr to a DriverError kind. Pure. */
export function classifyIpmitoolFailure(stderr: string): DriverErrorKind {
  for (const [re, kind] of CLASSIFIERS) if (re.test(stderr)) return kind;
  return 'bmc-error';
}

/** The lines of stderr worth showing an operator (ipmitool's -v chatter dropped). */
export function summarizeStderr(stderr: string): string {
  const noise = /^(Loading IANA PEN Registry|Running Get VSO Capabilities|Discovered IPMB address|Invalid completion code received: Invalid command|Get HPM\.x Capabilities|>> |<< |Password:)/;
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !noise.test(l))
    .join('; ');
}

export interface IpmitoolResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs one ipmitool command against the BMC. Resolves with its output on exit
 * code 0; rejects with a DriverError saying what failed and where.
 */
export function runIpmitool(info: IpmiInfo, command: readonly string[], opts: IpmitoolOptions & { signal?: AbortSignal } = {}): Promise<IpmitoolResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  if (info.hexKgKey) env.IPMI_KGKEY = kgKeyForEnv(info.hexKgKey);
  let pwDir: string | undefined;
  let pwFile: string | undefined;
  if (info.password.length) {
    env.IPMI_PASSWORD = info.password;
  } else {
    pwDir = mkdtempSync(join(tmpdir(), 'strata-ipmi-'));
    pwFile = join(pwDir, 'pw');
    writeFileSync(pwFile, '\0', { mode: 0o600 });
  }
  const args = ipmitoolArgs(info, command, opts, pwFile);
  const cleanup = () => {
    if (pwDir) rmSync(pwDir, { recursive: true, force: true });
  };
  return runArgs(info, command, args, env, opts).finally(cleanup);
}

function runArgs(info: IpmiInfo, command: readonly string[], args: string[], env: NodeJS.ProcessEnv, opts: IpmitoolOptions & { signal?: AbortSignal }): Promise<IpmitoolResult> {
  const where = `BMC ${info.address}${info.port ? `:${info.port}` : ''}`;
  const what = `ipmitool ${command.join(' ')}`;
  return new Promise((resolve, reject) => {
    let child;
    try {
      // stdin closed: ipmitool must never sit at a password prompt.
      child = spawn(opts.binary ?? 'ipmitool', args, { shell: false, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(new DriverError('bmc-error', `${what}: cannot start ipmitool: ${(err as Error).message}`, { cause: err }));
      return;
    }
    opts.onSpawn?.(['ipmitool', ...args], child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.commandTimeoutMs ?? IPMITOOL_DEFAULTS.commandTimeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const msg = err.code === 'ENOENT' ? `ipmitool is not installed (${opts.binary ?? 'ipmitool'} not found in PATH)` : err.message;
      reject(new DriverError('bmc-error', `${what} for ${where}: ${msg}`, { cause: err }));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve({ stdout, stderr });
      if (opts.signal?.aborted) return reject(new DriverError('timeout', `${what} for ${where}: aborted`, { cause: opts.signal.reason }));
      if (timedOut) return reject(new DriverError('timeout', `${what} for ${where}: no result within ${opts.commandTimeoutMs ?? IPMITOOL_DEFAULTS.commandTimeoutMs} ms`));
      const kind = classifyIpmitoolFailure(stderr);
      const detail = summarizeStderr(stderr) || `exit ${code ?? sig}`;
      const hint = kind === 'auth' ? ' (check ipmi_username / ipmi_password)' : kind === 'unreachable' ? ' (check ipmi_address / ipmi_port and that the BMC is up)' : '';
      reject(new DriverError(kind, `${what} failed for ${where}: ${detail}${hint}`, { details: { exitCode: code, kind } }));
    });
  });
}
