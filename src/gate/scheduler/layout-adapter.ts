// The seam between the configuration (src/gate/config, Zuul's model) and
// the scheduler's core: pipeline settings, the queue a project takes, what
// the requirement filters see of a change or event, and frozen jobs as the
// executor runs them. Pure functions over the layout.

import {
  type ChangeState, type FrozenJob as ConfigFrozenJob, type FrozenJobGraph, type Layout, type Pipeline, type TriggerEvent,
} from '../config/index.js';
import type { AnsibleJob, Changeish, FrozenJob, JobStep, RequiredProject } from '../model.js';
import type { GateEvent } from '../db/events.js';
import type { PipelineSettings, QueueSpec } from './types.js';

export function pipelineSettings(p: Pipeline): PipelineSettings {
  return {
    name: p.name,
    manager: p.manager,
    precedence: p.precedence,
    dequeueOnNewPatchset: p.dequeueOnNewPatchset,
    ignoreDependencies: p.ignoreDependencies,
    window: {
      window: p.window,
      floor: p.windowFloor,
      ceiling: p.windowCeiling,
      increaseType: p.windowIncreaseType,
      increaseFactor: p.windowIncreaseFactor,
      decreaseType: p.windowDecreaseType,
      decreaseFactor: p.windowDecreaseFactor,
    },
    changesMerge: p.reporters.success.some((r) => r.supported && r.submit),
    disableAfterConsecutiveFailures: p.disableAfterConsecutiveFailures ?? null,
  };
}

export const PRECEDENCE_RANK = { high: 2, normal: 1, low: 0 } as const;

/** The queue a project-branch takes in a pipeline; null when the project has no jobs configured there. */
export function queueSpec(layout: Layout, pipeline: string, project: string, branch: string | null): QueueSpec | null {
  const ref = branch === null ? { project } : { project, branch };
  if (!layout.getProjectPipelineConfig(ref, pipeline)) return null;
  const { name, queue } = layout.getProjectQueue(project);
  const base = name ?? project;
  return {
    key: queue?.perBranch && branch !== null ? `${base}@${branch}` : base,
    name: base,
    allowCircularDependencies: queue?.allowCircularDependencies ?? false,
  };
}

/** What `require` / `reject` look at: Gerrit's view of the change. Times in seconds, as the filters count them. */
export function changeState(c: Changeish): ChangeState {
  if (c.kind === 'ref') return { isChange: false };
  return {
    isChange: true,
    open: c.status === 'NEW',
    currentPatchset: c.patchset === c.currentPatchset,
    wip: false,
    status: c.status,
    approvals: c.approvals.map((a) => ({ label: a.type, value: a.value, by: a.by, grantedOn: Math.floor(a.grantedOn / 1000) })),
  };
}

export function triggerEvent(e: GateEvent): TriggerEvent {
  return {
    connection: e.connection,
    type: e.type,
    project: e.project,
    branch: e.branch,
    ref: e.ref,
    newrev: e.newrev,
    comment: e.comment,
    account: e.account,
    approvals: e.approvals,
  };
}

export interface FreezeContext {
  layout: Layout;
  /** The item's change (key) the jobs run for; with `cycle`, job uids carry it. */
  change: string;
  cycle: boolean;
  project: string;
  branch: string | null;
  /** Branches of each project, to pick what a required project checks out. */
  branchesOf(project: string): { branches: string[]; defaultBranch: string } | undefined;
  /** Runtime classes the executor has; a nodeset label naming one selects it. */
  runtimes: readonly string[];
  /** Those of `runtimes` that isolate a job from the host (sandboxes, VMs). */
  isolatedRuntimes?: readonly string[];
  /** Where untrusted jobs run when their label names no isolating runtime; unset: no sandboxes here. */
  untrustedRuntime?: string;
}

/**
 * The runtime a job runs in. A trusted job (every step defined in a config
 * project) runs where its nodeset label says, else as a host process. An
 * untrusted job's code never runs as host processes when sandboxes exist:
 * it gets its label's runtime only when that one isolates, else the
 * untrusted default.
 */
export function chooseRuntime(label: string | undefined, trusted: boolean, ctx: Pick<FreezeContext, 'runtimes' | 'isolatedRuntimes' | 'untrustedRuntime'>): string {
  const named = label !== undefined && ctx.runtimes.includes(label) ? label : undefined;
  if (trusted) return named ?? 'process';
  if (named && ctx.isolatedRuntimes?.includes(named)) return named;
  return ctx.untrustedRuntime ?? named ?? 'process';
}

type ConfigStep = ConfigFrozenJob['run'][number];

function toStep(s: ConfigStep): JobStep {
  if (s.kind === 'command') return s.command;
  return { playbook: s.command, project: s.project, branch: s.branch, trusted: s.trusted, secrets: s.secrets };
}

/**
 * The branch of a required project a job checks out (Zuul's rules): an
 * override-checkout, else the item's branch when the project has it, else
 * the project's default branch.
 */
export function checkoutBranch(project: string, override: string | undefined, itemBranch: string | null, ctx: FreezeContext): string {
  const info = ctx.branchesOf(project);
  if (override && (!info || info.branches.includes(override))) return override;
  if (itemBranch && info?.branches.includes(itemBranch)) return itemBranch;
  return info?.defaultBranch ?? itemBranch ?? 'main';
}

/** What Ansible needs of a job that runs playbooks: nodes and their runtimes, roles, variables, secrets. */
function ansibleJob(j: ConfigFrozenJob, trusted: boolean, required: RequiredProject[], ctx: FreezeContext): AnsibleJob {
  const tenant = ctx.layout.tenant;
  const shortName = (canonical: string) => tenant.getProject(canonical)?.name ?? canonical;
  const roles = j.roles.filter((r) => r.kind === 'zuul').map((r) => ({ project: shortName(r.target), name: r.name }));
  for (const r of roles) {
    if (!required.some((p) => p.project === r.project)) required.push({ project: r.project, branch: checkoutBranch(r.project, undefined, ctx.branch, ctx) });
  }
  const canonicalNames: Record<string, string> = {};
  for (const p of required) canonicalNames[p.project] = tenant.getProject(p.project)?.canonicalName ?? p.project;
  return {
    nodes: j.nodeset.nodes.map((n) => ({ name: [...n.name], label: n.label, runtime: chooseRuntime(n.label, trusted, ctx) })),
    groups: j.nodeset.groups.map((g) => ({ name: g.name, nodes: [...g.nodes] })),
    canonicalNames,
    vars: j.vars,
    extraVars: j.extraVars,
    hostVars: j.hostVars,
    groupVars: j.groupVars,
    roles,
    secrets: j.secrets.map((x) => ({
      alias: x.alias, project: shortName(x.project), canonicalProject: tenant.getProject(x.project)?.canonicalName ?? x.project,
      data: JSON.parse(JSON.stringify(x.data)) as Record<string, unknown>,
    })),
    tenant: tenant.name,
    ...(j.description ? { jobDescription: j.description } : {}),
  };
}

/** The scheduler's frozen jobs from the configuration's job graph. */
export function toFrozenJobs(frozen: FrozenJobGraph, ctx: FreezeContext): FrozenJob[] {
  const names = new Set(frozen.graph.jobs.map((j) => j.name));
  return frozen.graph.jobs.map((j) => {
    const required: RequiredProject[] = [];
    const own = { project: ctx.project, branch: checkoutBranch(ctx.project, j.overrideCheckout, ctx.branch, ctx) };
    required.push(own);
    for (const rp of j.requiredProjects) {
      const short = ctx.layout.tenant.getProject(rp.project)?.name ?? rp.name ?? rp.project;
      if (required.some((r) => r.project === short)) continue;
      required.push({ project: short, branch: checkoutBranch(short, rp.overrideCheckout ?? j.overrideCheckout, ctx.branch, ctx) });
    }
    const steps = [...j.preRun, ...j.run, ...j.postRun, ...j.cleanupRun];
    const trusted = steps.every((s) => s.trusted);
    const playbooks = steps.filter((s) => s.kind === 'playbook');
    // A playbook runs from its project's checkout: that project is checked out too.
    for (const s of playbooks) {
      const short = ctx.layout.tenant.getProject(s.project)?.name ?? s.project;
      if (!required.some((r) => r.project === short)) required.push({ project: short, branch: s.branch });
    }
    const label = j.nodeset.nodes[0]?.label;
    return {
      uid: ctx.cycle ? `${ctx.change}:${j.name}` : j.name,
      name: j.name,
      change: ctx.change,
      project: ctx.project,
      branch: ctx.branch,
      dependencies: j.dependencies.filter((d) => names.has(d.name)).map((d) => ({ name: d.name, soft: d.soft })),
      voting: j.voting,
      holdFollowingChanges: j.holdFollowingChanges,
      timeout: j.timeout ?? ctx.layout.tenant.maxJobTimeout ?? null,
      postTimeout: j.postTimeout ?? null,
      attempts: j.attempts,
      preRun: j.preRun.map(toStep),
      run: j.run.map(toStep),
      postRun: j.postRun.map(toStep),
      cleanupRun: j.cleanupRun.map(toStep),
      vars: { ...j.vars, ...j.extraVars },
      requiredProjects: required,
      runtime: chooseRuntime(label, trusted, ctx),
      ...(playbooks.length ? { ansible: ansibleJob(j, trusted, required, ctx) } : {}),
      ...(j.semaphores.length ? {
        semaphores: j.semaphores.map((sem) => ({
          key: ctx.layout.getSemaphore(sem.name).global ? `global:${sem.name}` : `${ctx.layout.tenant.name}:${sem.name}`,
          max: sem.max, resourcesFirst: sem.resourcesFirst,
        })),
      } : {}),
      ...(j.failureMessage ? { failureMessage: j.failureMessage } : {}),
      ...(j.successMessage ? { successMessage: j.successMessage } : {}),
    };
  });
}
