// Shared by the gate's e2e tests: a git root with a config project and
// untrusted projects, a tenant file, a real `strata server` with the gate
// options, and the CLI (`strata change …`, `strata gate …`) to drive it.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestRepos } from './repos.js';
import { git } from '../../../src/gate/merger/git.js';
import { api, startServer, strata, type StrataServer } from '../strata.js';

/** Check (independent), gate (dependent, submit), post (supercedent) and periodic pipelines on the `local` connection. */
export const PIPELINES = `
- pipeline:
    name: check
    manager: independent
    trigger:
      local:
        - event: patchset-created
        - event: comment-added
          comment: (?i)^(Patch Set [0-9]+:)?( [\\w\\\\+-]*)*(\\n\\n)?\\s*recheck
    success:
      local:
        Verified: 1
    failure:
      local:
        Verified: -1

- pipeline:
    name: gate
    manager: dependent
    precedence: high
    supercedes: check
    require:
      local:
        open: true
        current-patchset: true
        approval:
          - Workflow: 1
    trigger:
      local:
        - event: comment-added
          approval:
            - Workflow: 1
    success:
      local:
        Verified: 2
        submit: true
    failure:
      local:
        Verified: -2

- pipeline:
    name: post
    manager: supercedent
    post-review: true
    precedence: low
    trigger:
      local:
        - event: ref-updated
          ref: ^refs/heads/.*$
`;

/**
 * Jobs driven by files in the change: `fail-<job>` makes a job fail (in
 * every state holding the change), `slow-<job>-<N>` makes it sleep as many
 * seconds as the file says, only when testing change N itself.
 */
export const JOBS = `
- job:
    name: base
    parent: null
    timeout: 120
    attempts: 1
    run: "true"

- job:
    name: unit
    run: 'n=$\{GATE_CHANGE%%,*}; if test -f slow-$GATE_JOB-$n; then sleep "$(cat slow-$GATE_JOB-$n)"; fi; echo "$GATE_JOB of $GATE_CHANGE on $GATE_CHANGES"; test ! -f fail-$GATE_JOB'

- job:
    name: lint
    run: 'test ! -f fail-$GATE_JOB'
`;

export interface GateFixtureOptions {
  /** Project files: org/a and org/b get a .zuul.yaml running `unit` in check and gate unless given. */
  projects?: Record<string, Record<string, string>>;
  /** zuul.d files of the config project (default: pipelines and jobs above). */
  config?: Record<string, string>;
  concurrency?: number;
  bare?: boolean;
  /** Default projects run `unit` in check too (default true); false keeps them to the gate, for speed. */
  check?: boolean;
  /** A postgres:// URL: run the server on PostgreSQL. */
  database?: string;
  /** More `strata server` options (other modules' settings). */
  serverArgs?: string[];
  /** Tenant-file text before the tenant (authorization rules), and lines inside it (`    admin-rules: [x]`). */
  tenantPrefix?: string;
  tenantLines?: string[];
}

export function projectConfig(jobs: Record<string, string[]>, extra = ''): string {
  const pipelines = Object.entries(jobs).map(([p, js]) => `    ${p}:\n      jobs:\n${js.map((j) => `        - ${j}`).join('\n')}`).join('\n');
  return `- project:\n${extra}${pipelines}\n`;
}

export class GateFixture {
  readonly repos: TestRepos;
  readonly dir: string;
  readonly tenantFile: string;
  server!: StrataServer;
  private readonly concurrency: number;
  private readonly database?: string;
  private readonly serverArgs: string[];

  private constructor(opts: GateFixtureOptions) {
    this.database = opts.database;
    this.serverArgs = opts.serverArgs ?? [];
    this.repos = new TestRepos();
    this.dir = mkdtempSync(path.join(tmpdir(), 'strata-gate-e2e-'));
    this.tenantFile = path.join(this.dir, 'main.yaml');
    this.concurrency = opts.concurrency ?? 4;
  }

  static async start(opts: GateFixtureOptions = {}): Promise<GateFixture> {
    const f = new GateFixture(opts);
    const config = opts.config ?? { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS };
    await f.repos.create('org/config', config, { bare: opts.bare });
    const jobs: Record<string, string[]> = opts.check === false ? { gate: ['unit'] } : { check: ['unit'], gate: ['unit'] };
    const projects = opts.projects ?? {
      'org/a': { 'README': 'a\n', '.zuul.yaml': projectConfig(jobs, '    queue: integrated\n') },
      'org/b': { 'README': 'b\n', '.zuul.yaml': projectConfig(jobs, '    queue: integrated\n') },
    };
    for (const [name, files] of Object.entries(projects)) await f.repos.create(name, files, { bare: opts.bare });
    writeFileSync(f.tenantFile, [
      ...(opts.tenantPrefix ? [opts.tenantPrefix] : []),
      '- tenant:',
      '    name: example',
      ...(opts.tenantLines ?? []),
      '    source:',
      '      local:',
      '        config-projects:',
      '          - org/config',
      '        untrusted-projects:',
      ...Object.keys(projects).map((p) => `          - ${p}`),
      '',
    ].join('\n'));
    f.server = await f.startServer();
    return f;
  }

  async startServer(dataDir?: string): Promise<StrataServer> {
    return startServer({
      dataDir,
      args: [
        '--gate-tenant-config', this.tenantFile, '--gate-git-root', this.repos.root, '--gate-executor-concurrency', String(this.concurrency),
        ...(this.database ? ['--database', this.database] : []),
        ...this.serverArgs,
      ],
    });
  }

  /** Stops the server (SIGKILL: a crash) and starts another on the same data directory. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const dataDir = this.server.dataDir;
    await this.server.stop(signal, true);
    this.server = await this.startServer(dataDir);
  }

  /** Runs the CLI; fails the test on a non-zero exit unless `allowFail`. */
  async cli(args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const r = await strata(args, { env: this.server.env, timeoutMs: opts.timeoutMs ?? 120_000 });
    if (!opts.allowFail) assert.equal(r.code, 0, `strata ${args.join(' ')} failed: ${r.stderr}`);
    return r;
  }

  async json<T = any>(args: string[]): Promise<T> {
    return JSON.parse((await this.cli(['--json', ...args])).stdout) as T;
  }

  /**
   * A commit in `project` (on its branch tip, or on `parent`) and a change
   * for it. `slow: {unit: 5}` makes job unit sleep 5 s when it tests this change.
   */
  async change(project: string, files: Record<string, string | null>, message: string, opts: { parent?: string; branch?: string; slow?: Record<string, number> } = {}): Promise<{ number: number; patchset: number; commit: string }> {
    let expected: number | undefined;
    if (opts.slow) {
      // Change numbers are sequential: the next one is known, and names the slow file.
      expected = (await this.get<any[]>('/gate/api/changes')).length + 1;
      files = { ...files };
      for (const [job, seconds] of Object.entries(opts.slow)) files[`slow-${job}-${expected}`] = String(seconds);
    }
    const commit = await this.repos.commit(project, files, message, opts);
    const args = ['change', 'create', '--project', project, '--commit', commit];
    if (opts.branch) args.push('--branch', opts.branch);
    const r = await this.json<{ number: number; patchset: number }>(args);
    if (expected !== undefined) assert.equal(r.number, expected, 'the change got the number its slow file names');
    return { ...r, commit };
  }

  async approve(n: number): Promise<void> {
    await this.cli(['change', 'approve', String(n)]);
  }

  async wait(timeout = 120): Promise<void> {
    await this.cli(['gate', 'wait', '--timeout', String(timeout)], { timeoutMs: (timeout + 30) * 1000 });
  }

  async show(n: number): Promise<any> {
    return this.json(['change', 'show', String(n)]);
  }

  async builds(filter: string[] = []): Promise<any[]> {
    return this.json(['gate', 'builds', ...filter]);
  }

  async status(): Promise<any> {
    return this.json(['gate', 'status']);
  }

  /** GET on the server's API (faster than the CLI for polling). */
  async get<T = any>(p: string): Promise<T> {
    const r = await api(this.server, p);
    assert.equal(r.status, 200, `GET ${p}: ${r.status}`);
    return (await r.json()) as T;
  }

  /** Polls until a build of change `n` (in `pipeline`) is running. */
  async waitRunning(n: number, pipeline = 'gate', timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const builds = await this.get<any[]>(`/gate/api/builds?change=${n}&pipeline=${pipeline}`);
      const running = builds.find((b) => b.status === 'running');
      if (running) return running;
      if (Date.now() > deadline) throw new Error(`no build of change ${n} started in ${pipeline}: ${JSON.stringify(builds)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async tip(project: string, branch = 'main'): Promise<string> {
    return this.repos.tip(project, branch);
  }

  /** Files in the branch tip of a project's repository. */
  async fileAtTip(project: string, file: string, branch = 'main'): Promise<string | null> {
    return this.repos.show(project, `refs/heads/${branch}`, file);
  }

  async log(project: string, branch = 'main'): Promise<string[]> {
    return this.repos.log(project, branch);
  }

  async gitIn(project: string, args: string[]): Promise<string> {
    return (await git(['-C', this.repos.dir(project), ...args])).stdout;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.repos.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The gate's verdicts on a change: messages by the gate's account. */
export function gateMessages(change: { messages: Array<{ author: { username: string }; message: string }> }): string[] {
  return change.messages.filter((m) => m.author.username === 'zuul').map((m) => m.message);
}
