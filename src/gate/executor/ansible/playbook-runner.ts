// Runs one playbook with Debian's ansible-playbook (an argv, never a shell
// string) the way Zuul's executor does: its own ansible.cfg (Strata's
// connection and callbacks; for untrusted playbooks the restrictions), the
// inventory, extra-vars and the playbook's secrets as `-e @file`, the
// console streamed line by line, a timeout that kills the whole process
// group, and the playbook's results (job-output.json's entry) read back.

import { spawn } from 'node:child_process';
import { killGroup, stopOnDeadline } from '../../../core/host/index.js';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pluginsDir } from './plugins.js';

export type PlaybookStatus = 'ok' | 'failed' | 'unreachable' | 'timedout' | 'aborted' | 'error';

export interface PlaybookSpec {
  playbook: string;
  /** Where ansible.cfg and the playbook's private files go (executor side). */
  runDir: string;
  workRoot: string;
  inventory: string;
  /** Files passed as -e @FILE, in order (extra-vars, then secrets). */
  extraVarsFiles: string[];
  rolesPath: string[];
  trusted: boolean;
  bridgeSocket: string;
  timeoutMs: number | null;
  signal: AbortSignal;
  onLine(line: string): void;
  graceMs?: number;
}

export interface PlaybookOutcome {
  status: PlaybookStatus;
  rc: number | null;
  /** The strata_json callback's record: plays, tasks, per-host results, stats. */
  results: Record<string, unknown> | null;
  error?: string;
}

export const ANSIBLE_PLAYBOOK = process.env.STRATA_ANSIBLE_PLAYBOOK ?? 'ansible-playbook';

function config(spec: PlaybookSpec): string {
  const plugins = pluginsDir();
  return [
    '[defaults]',
    `inventory = ${spec.inventory}`,
    `roles_path = ${spec.rolesPath.join(':')}`,
    // The restrictions patch Ansible as they load: their directory is on the path only for untrusted playbooks.
    `callback_plugins = ${[path.join(plugins, 'callback'), ...(spec.trusted ? [] : [path.join(plugins, 'restrict')])].join(':')}`,
    `connection_plugins = ${path.join(plugins, 'connection')}`,
    `callbacks_enabled = ${spec.trusted ? 'strata_json' : 'strata_json, strata_restrict'}`,
    'stdout_callback = default',
    'retry_files_enabled = False',
    'host_key_checking = False',
    'interpreter_python = /usr/bin/python3',
    `local_tmp = ${path.join(spec.runDir, 'tmp')}`,
    'nocolor = True',
    'deprecation_warnings = False',
    'forks = 10',
    '[connection]',
    'pipelining = True',
    '',
  ].join('\n');
}

/** ansible-playbook's exit codes: 0 ok, 4 unreachable hosts, anything else a failure. */
function statusOf(rc: number | null): PlaybookStatus {
  if (rc === 0) return 'ok';
  if (rc === 4) return 'unreachable';
  return 'failed';
}

export function runPlaybook(spec: PlaybookSpec): Promise<PlaybookOutcome> {
  const cfg = path.join(spec.runDir, 'ansible.cfg');
  const jsonOut = path.join(spec.runDir, 'results.json');
  writeFileSync(cfg, config(spec));
  rmSync(jsonOut, { force: true });
  const args = [...spec.extraVarsFiles.flatMap((f) => ['-e', `@${f}`]), spec.playbook];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: spec.runDir,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ANSIBLE_CONFIG: cfg,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    STRATA_NODE_BRIDGE: spec.bridgeSocket,
    STRATA_JOB_OUTPUT_JSON: jsonOut,
    STRATA_WORK_ROOT: spec.workRoot,
    ...(spec.trusted ? {} : { STRATA_RESTRICT_TO: spec.workRoot }),
  };
  const results = (): Record<string, unknown> | null => {
    try {
      return existsSync(jsonOut) ? JSON.parse(readFileSync(jsonOut, 'utf8')) as Record<string, unknown> : null;
    } catch {
      return null;
    }
  };
  return new Promise((resolve) => {
    if (spec.signal.aborted) {
      resolve({ status: 'aborted', rc: null, results: null });
      return;
    }
    let child;
    try {
      child = spawn(ANSIBLE_PLAYBOOK, args, { cwd: path.dirname(spec.playbook), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ status: 'error', rc: null, results: null, error: (err as Error).message });
      return;
    }
    const pgid = child.pid;
    const kill = (sig: NodeJS.Signals) => pgid && killGroup(pgid, sig);
    const deadline = stopOnDeadline({ timeoutMs: spec.timeoutMs, signal: spec.signal, graceMs: spec.graceMs ?? 5000, term: () => kill('SIGTERM'), kill: () => kill('SIGKILL') });
    const lines = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        rest += chunk;
        let nl;
        while ((nl = rest.indexOf('\n')) !== -1) {
          spec.onLine(rest.slice(0, nl));
          rest = rest.slice(nl + 1);
        }
      });
      stream.on('end', () => {
        if (rest) spec.onLine(rest);
      });
    };
    lines(child.stdout!);
    lines(child.stderr!);
    let exitCode: number | null = null;
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      deadline.dispose();
      kill('SIGKILL');
      const status: PlaybookStatus = error ? 'error' : deadline.aborted ? 'aborted' : deadline.timedOut ? 'timedout' : statusOf(exitCode);
      resolve({ status, rc: exitCode, results: results(), ...(error ? { error } : {}) });
    };
    child.on('error', (err) => finish(`${ANSIBLE_PLAYBOOK}: ${err.message}`));
    child.on('exit', (code) => {
      exitCode = code;
    });
    child.on('close', () => finish());
  });
}

/** `ansible-playbook --version`'s core version (Zuul's zuul.ansible_version). */
export async function ansibleVersion(): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const c = spawn(ANSIBLE_PLAYBOOK, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', () => resolve('unknown'));
    c.on('close', () => resolve(/core ([0-9.]+)/.exec(out)?.[1] ?? 'unknown'));
  });
}
