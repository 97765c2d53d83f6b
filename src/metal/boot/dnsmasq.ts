/**
 * Runs dnsmasq in the foreground with a rendered configuration, optionally
 * inside a network namespace (`ip netns exec`), and stops it by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../../core/index.js';
import { renderDnsmasqConfig, type DnsmasqOptions } from './dnsmasq-config.js';

export interface DnsmasqProcess {
  pid: number;
  configFile: string;
  /** The last 64 KiB dnsmasq logged. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartDnsmasqOptions {
  /** Where the configuration file is written. */
  dir: string;
  config: DnsmasqOptions;
  /** Run inside this network namespace. */
  netns?: string;
  binary?: string;
  /** How long to wait for dnsmasq to bind its sockets. */
  timeoutMs?: number;
}

export async function startDnsmasq(opts: StartDnsmasqOptions): Promise<DnsmasqProcess> {
  const configFile = join(opts.dir, 'dnsmasq.conf');
  // Logs go to stderr, where the start is detected and log() reads them.
  writeFileSync(configFile, renderDnsmasqConfig({ ...opts.config, logFile: undefined }), { mode: 0o600 });
  const argv = [opts.binary ?? 'dnsmasq', '--keep-in-foreground', `--conf-file=${configFile}`];
  const [cmd, ...args] = opts.netns ? ['ip', 'netns', 'exec', opts.netns, ...argv] : argv;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'], shell: false });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-65536)));
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new UnavailableError(`dnsmasq (${configFile}) ${why}: ${log.trim().split('\n').slice(-3).join(' | ')}`));
    };
    const timer = setTimeout(() => (child.kill('SIGKILL'), fail(`did not start within ${opts.timeoutMs ?? 10_000} ms`)), opts.timeoutMs ?? 10_000);
    // dnsmasq logs "started" once its sockets are bound.
    const poll = setInterval(() => {
      if (/\bstarted, version\b/.test(log)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 20);
    child.once('error', (err) => fail(`could not run: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) while starting`));
  });
  child.removeAllListeners('exit');
  return { pid: child.pid!, configFile, log: () => log, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}
