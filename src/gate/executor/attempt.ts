// One attempt of a build: its workspace at the item's frozen state (and
// trusted checkouts at the branch tips), its runtime session or Ansible
// nodes, its semaphores taken once nodes are up, then pre-run, run and
// post-run steps within the job's timeout, and cleanup-run always. It says
// `retry` for a pre-run failure, an unreachable node or an infrastructure
// error; the nodes it opened are left to the caller (to close or hold).

import path from 'node:path';
import { rmSync } from 'node:fs';
import { isPlaybook, stepLabel, type AnsibleJob, type BuildResult, type FrozenJob, type JobStep } from '../model.js';
import { resolveCommit, type Commits } from '../merger/index.js';
import { AnsibleBuild } from './ansible/ansible-build.js';
import type { BuildLogs } from './build-logs.js';
import type { BuildRequest, DecryptedSecrets, ExecutorOptions, Running } from './build-request.js';
import { MARKER_VAR } from './orphans.js';
import type { BuildRuntime, RuntimeSession } from './runtime.js';
import type { Semaphores } from './semaphores.js';
import { prepareWorkspace, removeWorkspace, type Workspace } from './workspace.js';

/** The reason an abort carries when a build is cancelled (the other: the executor stopped). */
export const CANCELLED = 'cancelled';

export type AttemptOutcome = { kind: 'done'; result: BuildResult; message?: string } | { kind: 'retry'; message: string };

/** What an attempt leaves to its caller: the nodes (to close or hold) and the workspace cleanup. */
export interface Leftovers {
  nodes?: AnsibleBuild;
  cleanup?: () => Promise<void>;
}

/** What an attempt uses of its executor. */
export interface AttemptEnv {
  opts: ExecutorOptions;
  marker: string;
  semaphores: Semaphores;
  logs: BuildLogs;
  ansibleVersion(): Promise<string>;
}

type StepStatus = { status: 'ok' | 'failed' | 'unreachable' | 'timedout' | 'aborted' } | { status: 'error'; message: string };

export async function runAttempt(
  x: AttemptEnv, run: Running, runtime: BuildRuntime, attempt: number, note: (l: string) => void, write: (c: Buffer) => void, left: Leftovers,
): Promise<AttemptOutcome> {
  const { req } = run;
  const job = req.job;
  const root = path.join(x.opts.workRoot, req.buildId);
  const ansible = job.ansible;
  let ws: Workspace | undefined;
  let trusted: Workspace | undefined;
  let session: RuntimeSession | undefined;
  let nodes: AnsibleBuild | undefined;
  const signal = run.abort.signal;
  const line = (text: string) => write(Buffer.from(`${new Date().toISOString()} | ${text}\n`));
  try {
    const own = { project: job.project, branch: job.branch ?? '' };
    const projects = [own, ...job.requiredProjects.filter((p) => p.project !== own.project)].filter((p) => p.branch);
    try {
      ws = ansible
        ? await prepareWorkspace(x.opts.repos, path.join(root, 'home'), projects, req.commits, (p) => path.join('src', ansible.canonicalNames[p] ?? p))
        : await prepareWorkspace(x.opts.repos, root, projects, req.commits);
    } catch (err) {
      return { kind: 'retry', message: `preparing the workspace failed: ${(err as Error).message}` };
    }
    const cwd = ws.dirs[job.project] ?? ws.root;
    const env = buildEnvironment(req, ws.root, attempt, x.marker);
    const hasCommands = [...job.preRun, ...job.run, ...job.postRun, ...job.cleanupRun].some((s) => !isPlaybook(s));
    if (!ansible || hasCommands) {
      try {
        session = await runtime.open({ buildId: req.buildId, workspace: ws.root, env, labels: [] });
      } catch (err) {
        return { kind: 'retry', message: `runtime ${runtime.name} failed to start: ${(err as Error).message}` };
      }
    }
    // Trusted playbooks never run speculatively (as Zuul): a config project
    // the item changes is checked out again at its branch tip for them.
    const trustedDirs: Record<string, string> = {};
    if (ansible) {
      try {
        const tips: Commits = {};
        const steps = [...job.preRun, ...job.run, ...job.postRun, ...job.cleanupRun].filter(isPlaybook).filter((x) => x.trusted);
        for (const st of steps) {
          const tip = await resolveCommit(x.opts.repos.cachePath(st.project), `refs/remotes/origin/${st.branch}`);
          if (tip && tip !== req.commits[st.project]?.[st.branch]) (tips[st.project] ??= {})[st.branch] = tip;
        }
        const list = Object.entries(tips).flatMap(([project, bs]) => Object.keys(bs).map((branch) => ({ project, branch })));
        if (list.length) {
          trusted = await prepareWorkspace(x.opts.repos, path.join(root, 'trusted'), list, tips, (p) => path.join('src', ansible.canonicalNames[p] ?? p));
          Object.assign(trustedDirs, trusted.dirs);
          note(`trusted playbooks of ${Object.keys(trustedDirs).join(', ')} run from the branch tip, not the item's change`);
        }
      } catch (err) {
        return { kind: 'retry', message: `preparing the trusted checkouts failed: ${(err as Error).message}` };
      }
    }
    if (ansible) {
      let secrets: DecryptedSecrets = { byAlias: {}, values: [] };
      if (ansible.secrets.length) {
        if (!x.opts.decryptSecrets) return { kind: 'done', result: 'ERROR', message: 'this executor cannot decrypt secrets' };
        try {
          secrets = await x.opts.decryptSecrets(ansible.secrets);
        } catch (err) {
          note(`secrets: ${(err as Error).message}`);
          return { kind: 'done', result: 'ERROR', message: (err as Error).message };
        }
      }
      try {
        nodes = await AnsibleBuild.open({
          buildId: req.buildId, buildset: req.buildset ?? req.buildId, tenant: req.tenant, pipeline: req.pipeline,
          job: job as FrozenJob & { ansible: AnsibleJob }, items: req.items ?? [], attempt, root,
          checkouts: projects.filter((p) => ws!.dirs[p.project]).map((p) => ({ ...p, commit: req.commits[p.project]?.[p.branch] ?? '', dir: ws!.dirs[p.project]! })),
          runtimes: x.opts.runtimes, userland: x.opts.nodeUserland ?? [], nodeEnv: { ...env, HOME: ws.root },
          ansibleVersion: await x.ansibleVersion(), secretValues: secrets.values, secrets: secrets.byAlias,
          nodepool: x.opts.nodepool, signal, trustedDirs,
        });
      } catch (err) {
        if (signal.aborted) return { kind: 'done', result: 'ABORTED', message: signal.reason === CANCELLED ? 'cancelled' : 'executor stopped' };
        return { kind: 'retry', message: `the job's nodes failed to start: ${(err as Error).message}` };
      }
    }
    const late = (job.semaphores ?? []).filter((x) => x.resourcesFirst);
    if (late.length) {
      // resources-first: the semaphore is taken once the build's nodes are up.
      note(`waiting for semaphores ${late.map((x) => x.key).join(', ')}`);
      try {
        await x.semaphores.acquire(late, req.buildId, signal);
      } catch {
        return { kind: 'done', result: 'ABORTED', message: signal.reason === CANCELLED ? 'cancelled' : 'executor stopped' };
      }
    }
    const playbookIndex: Record<string, number> = {};
    const step = async (phase: string, s: JobStep, until: number | null): Promise<StepStatus> => {
      const timeoutMs = until === null ? null : Math.max(0, until - Date.now());
      if (isPlaybook(s)) {
        const index = (playbookIndex[phase] = (playbookIndex[phase] ?? -1) + 1);
        note(`${phase} playbook: ${s.project}/${s.playbook}${s.trusted ? ' (trusted)' : ' (untrusted)'}`);
        const r = await nodes!.runPlaybook({ step: s, phase, index, timeoutMs, signal, line, jsonLog: x.logs.jsonLinesPath(req.buildId) });
        note(`${phase} playbook ended: ${r.error ? `error: ${r.error}` : r.status === 'timedout' ? 'timed out' : r.status === 'aborted' ? 'aborted' : `ansible-playbook exit ${r.rc} (${r.status})`}`);
        return r.status === 'error' || r.error ? { status: 'error', message: r.error ?? 'ansible-playbook failed to run' } : { status: r.status };
      }
      note(`${phase}: ${s}`);
      const r = await session!.run({ command: s, cwd, env, signal, onOutput: write, timeoutMs });
      note(`${phase} ended: ${r.error ? `error ${r.error}` : r.timedOut ? 'timed out' : r.aborted ? 'aborted' : r.signal ? `signal ${r.signal}` : `exit ${r.exitCode}`}`);
      if (r.error) return { status: 'error', message: r.error };
      return { status: r.aborted ? 'aborted' : r.timedOut ? 'timedout' : r.exitCode === 0 ? 'ok' : 'failed' };
    };
    const aborted = () => ({ kind: 'done' as const, result: 'ABORTED' as BuildResult, message: signal.reason === CANCELLED ? 'cancelled' : 'executor stopped' });

    const deadline = job.timeout === null ? null : Date.now() + job.timeout * 1000;
    let retry: string | null = null;
    let result: BuildResult = 'SUCCESS';
    let message: string | undefined;
    for (const c of job.preRun) {
      const r = await step('pre-run', c, deadline);
      if (r.status === 'aborted') return aborted();
      if (r.status === 'timedout') return { kind: 'done', result: 'TIMED_OUT', message: `timed out after ${job.timeout} s in pre-run` };
      if (r.status === 'error' && !isPlaybook(c)) return { kind: 'retry', message: `pre-run could not start: ${r.message}` };
      if (r.status !== 'ok') {
        retry = `pre-run ${r.status === 'unreachable' ? 'could not reach a node' : r.status === 'error' ? `error: ${r.message}` : 'failed'}: ${stepLabel(c)}`;
        break;
      }
    }
    if (retry === null) {
      for (const c of job.run) {
        const r = await step('run', c, deadline);
        if (r.status === 'aborted') return aborted();
        if (r.status === 'error' && !isPlaybook(c)) return { kind: 'retry', message: `run could not start: ${r.message}` };
        if (r.status === 'unreachable') {
          retry = `run could not reach a node: ${stepLabel(c)}`;
          break;
        }
        if (r.status === 'timedout') {
          result = 'TIMED_OUT';
          message = `timed out after ${job.timeout} s`;
          break;
        }
        if (r.status === 'error') {
          result = 'ERROR';
          message = r.message;
          break;
        }
        if (r.status === 'failed') {
          result = 'FAILURE';
          message = `${stepLabel(c)} failed`;
          break;
        }
      }
    }
    for (const c of job.postRun) {
      // Each post-run playbook (command) has post-timeout to itself, as in Zuul.
      const r = await step('post-run', c, job.postTimeout === null ? null : Date.now() + job.postTimeout * 1000);
      if (r.status === 'aborted') return aborted();
      if (r.status === 'unreachable' && retry === null) retry = `post-run could not reach a node: ${stepLabel(c)}`;
      if (r.status !== 'ok' && retry === null) {
        result = 'POST_FAILURE';
        message = r.status === 'timedout' ? `post-run timed out after ${job.postTimeout} s: ${stepLabel(c)}` : `post-run failed: ${stepLabel(c)}`;
      }
    }
    if (retry !== null) return { kind: 'retry', message: retry };
    return { kind: 'done', result, message };
  } finally {
    if (job.cleanupRun.length && (session || nodes)) {
      const cwd = ws?.dirs[job.project] ?? root;
      const env = buildEnvironment(req, ws?.root ?? root, attempt, x.marker);
      for (const c of job.cleanupRun) {
        const quiet = new AbortController().signal;
        if (isPlaybook(c)) {
          note(`cleanup-run playbook: ${c.project}/${c.playbook}`);
          await nodes?.runPlaybook({ step: c, phase: 'cleanup', index: 0, timeoutMs: 60_000, signal: quiet, line, jsonLog: x.logs.jsonLinesPath(req.buildId) }).catch(() => undefined);
        } else if (session) {
          note(`cleanup-run: ${c}`);
          await session.run({ command: c, cwd, env, signal: quiet, onOutput: write, timeoutMs: 60_000 }).catch(() => undefined);
        }
      }
    }
    await session?.close().catch(() => undefined);
    const cleanup = async () => {
      if (ws) await removeWorkspace(x.opts.repos, ws).catch((err) => x.opts.log.warn({ err }, 'removing a workspace failed'));
      if (trusted) await removeWorkspace(x.opts.repos, trusted).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    };
    if (nodes) {
      // The caller closes (or holds) the nodes, then cleans up.
      x.logs.collectLogs(req.buildId, nodes.logRoot);
      left.nodes = nodes;
      left.cleanup = cleanup;
    } else {
      await cleanup();
    }
  }
}

/** The environment of a build's commands (GATE_* variables, and the marker that names its processes). */
export function buildEnvironment(req: BuildRequest, workspace: string, attempt: number, marker: string): Record<string, string> {
  const job = req.job;
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: workspace,
    LANG: 'C.UTF-8',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    GATE_TENANT: req.tenant,
    GATE_PROJECT: job.project,
    GATE_BRANCH: job.branch ?? '',
    GATE_PIPELINE: req.pipeline,
    GATE_JOB: job.name,
    GATE_CHANGE: req.change,
    GATE_CHANGES: req.changes.join(' '),
    GATE_REF: req.ref ?? '',
    GATE_NEWREV: req.newrev ?? '',
    GATE_WORKSPACE: workspace,
    GATE_BUILD: req.buildId,
    GATE_ATTEMPT: String(attempt),
    GATE_VARS: JSON.stringify(job.vars),
    [MARKER_VAR]: marker,
  };
}
