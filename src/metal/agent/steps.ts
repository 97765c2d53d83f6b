/**
 * Deploy steps with priorities, after Ironic's conductor/steps.py: the steps
 * a node's interfaces (and its agent) offer, combined with steps a user
 * passes (`deploy_steps` in the deploy request) and deploy-template steps,
 * ordered by priority (ties broken by interface), and walked one at a time
 * by index. Pure functions over plain data; the conductor stores the plan
 * in driver_internal_info (`deploy_steps`, `deploy_step_index`).
 */
import { InvalidInputError } from '../../core/index.js';

export interface ArgInfo {
  description?: string;
  required?: boolean;
}

/** A step an interface offers (`priority` 0 = only when asked for). */
export interface DeployStep {
  interface: string;
  step: string;
  priority: number;
  argsinfo?: Record<string, ArgInfo> | null;
  args?: Record<string, unknown>;
  /** Agent steps: whether the agent must be running (in-band). */
  requires_ramdisk?: boolean;
}

/** A step a user asks for: priority 0 disables a driver step, > 0 enables or re-orders one. */
export interface UserDeployStep {
  interface: string;
  step: string;
  args?: Record<string, unknown>;
  priority: number;
}

/** Ironic's DEPLOYING_INTERFACE_PRIORITY: which interface's step runs first on equal priority. */
export const DEPLOYING_INTERFACE_PRIORITY: Readonly<Record<string, number>> = { power: 5, management: 4, deploy: 3, bios: 2, raid: 1 };
/** Ironic's CLEANING_INTERFACE_PRIORITY. */
export const CLEANING_INTERFACE_PRIORITY: Readonly<Record<string, number>> = { power: 5, management: 4, deploy: 3, bios: 2, raid: 1 };

export const stepId = (s: { interface: string; step: string }) => `${s.interface}.${s.step}`;

/** Highest priority first; on a tie, the interface with the higher interface priority; otherwise stable. */
export function sortSteps<T extends { interface: string; priority: number }>(steps: readonly T[], interfacePriority = DEPLOYING_INTERFACE_PRIORITY): T[] {
  return steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.priority - a.s.priority || (interfacePriority[b.s.interface] ?? 0) - (interfacePriority[a.s.interface] ?? 0) || a.i - b.i)
    .map((x) => x.s);
}

/**
 * Checks user steps against what the driver offers: known step, known
 * arguments, required arguments present for enabled steps, no duplicates,
 * and the core `deploy.deploy` step may only be disabled. Throws one
 * InvalidInputError listing every problem.
 */
export function validateUserSteps(user: readonly UserDeployStep[], offered: readonly DeployStep[], opts: { skipMissing?: boolean; errorPrefix?: string } = {}): UserDeployStep[] {
  const byId = new Map(offered.map((s) => [stepId(s), s]));
  const errors: string[] = [];
  const out: UserDeployStep[] = [];
  for (const u of user) {
    if (!Number.isInteger(u.priority) || u.priority < 0) {
      errors.push(`deploy step ${stepId(u)} has an invalid priority ${JSON.stringify(u.priority)}: a non-negative integer is required`);
      continue;
    }
    const d = byId.get(stepId(u));
    if (!d) {
      if (!opts.skipMissing) errors.push(`node does not support this deploy step: ${stepId(u)}`);
      continue;
    }
    const argsinfo = d.argsinfo ?? {};
    const unexpected = Object.keys(u.args ?? {}).filter((a) => !(a in argsinfo));
    if (unexpected.length) errors.push(`deploy step ${stepId(u)} has these unexpected arguments: ${unexpected.join(', ')}`);
    if (u.priority > 0) {
      const missing = Object.entries(argsinfo)
        .filter(([name, info]) => info.required && !(name in (u.args ?? {})))
        .map(([name, info]) => (info.description ? `${name} (${info.description})` : name));
      if (missing.length) errors.push(`deploy step ${stepId(u)} is missing these required arguments: ${missing.join(', ')}`);
      if (d.interface === 'deploy' && d.step === 'deploy') {
        errors.push(`deploy step deploy on interface deploy is a core step and cannot be overridden by user steps. It may be disabled by setting the priority to 0`);
      }
    }
    out.push(u);
  }
  const seen = new Map<string, number>();
  for (const u of out) seen.set(stepId(u), (seen.get(stepId(u)) ?? 0) + 1);
  const dups = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  if (dups.length) errors.push(`deploy steps cannot have the same interface and step. Duplicate deploy steps for ${dups.join(', ')}`);
  if (errors.length) throw new InvalidInputError((opts.errorPrefix ?? '') + errors.join('; '), { errors });
  return out;
}

/**
 * The plan a deployment runs (Ironic's _get_all_deployment_steps): user
 * steps override template steps, which override driver steps with the same
 * interface and step; disabled (priority 0) steps drop out; sorted.
 */
export function planDeploySteps(input: { offered: readonly DeployStep[]; user?: readonly UserDeployStep[]; templates?: readonly UserDeployStep[]; skipMissing?: boolean }): DeployStep[] {
  const user = validateUserSteps(input.user ?? [], input.offered, { skipMissing: input.skipMissing, errorPrefix: 'Validation of deploy steps from "deploy steps" argument failed. ' });
  const templates = validateUserSteps(input.templates ?? [], input.offered, { skipMissing: input.skipMissing, errorPrefix: 'Validation of deploy steps from deploy templates failed. ' });
  const userIds = new Set(user.map(stepId));
  const requested = [...user, ...templates.filter((t) => !userIds.has(stepId(t)))];
  const requestedIds = new Set(requested.map(stepId));
  const driver = input.offered.filter((s) => s.priority > 0 && !requestedIds.has(stepId(s)));
  const enabled = requested.filter((s) => s.priority > 0).map((s) => ({ interface: s.interface, step: s.step, priority: s.priority, args: s.args ?? {} }));
  return sortSteps([...driver.map((s) => ({ interface: s.interface, step: s.step, priority: s.priority, args: s.args ?? {} })), ...enabled]);
}

/**
 * Index of the step to run next (Ironic's _get_node_next_steps): the first
 * when none ran yet, else the one after the current (or the current itself
 * when it must run again). null when the plan is finished.
 */
export function nextStepIndex(steps: readonly unknown[], currentIndex: number | null | undefined, skipCurrent = true): number | null {
  const next = currentIndex === null || currentIndex === undefined ? 0 : skipCurrent ? currentIndex + 1 : currentIndex;
  return next < steps.length ? next : null;
}

/**
 * Steps an agent reported (`deploy.get_deploy_steps` / `clean.get_clean_steps`
 * answer `{<kind>_steps: {<HardwareManager>: [steps…]}}`), flattened; the
 * first manager listing a step wins, as IPA orders managers by priority.
 */
export function agentSteps(commandResult: unknown, kind: 'deploy' | 'clean'): DeployStep[] {
  const byManager = (commandResult as Record<string, unknown> | null)?.[`${kind}_steps`];
  if (!byManager || typeof byManager !== 'object') return [];
  const out = new Map<string, DeployStep>();
  for (const list of Object.values(byManager as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const s of list as Record<string, unknown>[]) {
      if (typeof s?.interface !== 'string' || typeof s?.step !== 'string') continue;
      const step: DeployStep = {
        interface: s.interface,
        step: s.step,
        priority: typeof s.priority === 'number' ? s.priority : 0,
        argsinfo: (s.argsinfo as DeployStep['argsinfo']) ?? null,
        requires_ramdisk: true,
      };
      if (!out.has(stepId(step))) out.set(stepId(step), step);
    }
  }
  return [...out.values()];
}
