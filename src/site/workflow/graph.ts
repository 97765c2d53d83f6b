/**
 * The step graph of each action, as Shipyard's DAGs lay them out: the
 * common preflight and design validation, then Drydock's verify, prepare
 * and deploy (one step per deployment group, in dependency order), then
 * Armada's apply (one step per chart group, in manifest order), then the
 * purge of releases no document names. Pure.
 */
import { InvalidInputError } from '../../core/index.js';
import type { SiteDesign } from './design.js';
import type { StepDef } from './action-store.js';
import { orderGroups } from './strategy.js';

export const ACTIONS = ['deploy_site', 'update_site', 'update_software', 'redeploy_server', 'relabel_nodes', 'test_site'] as const;
export type ActionName = (typeof ACTIONS)[number];

export function isActionName(v: unknown): v is ActionName {
  return typeof v === 'string' && (ACTIONS as readonly string[]).includes(v);
}

const step = (id: string, kind: string, deps: StepDef['deps'], critical = true, params: Record<string, unknown> = {}): StepDef => ({ id, kind, critical, deps, params });
const hard = (...ids: string[]) => ids.map((s) => ({ step: s, hard: true }));

/** The target nodes of redeploy_server and relabel_nodes: parameters.target_nodes, as Shipyard takes them. */
export function targetNodes(name: ActionName, parameters: Record<string, unknown>, design: SiteDesign): string[] {
  const raw = parameters.target_nodes;
  if (raw === undefined) {
    if (name === 'redeploy_server') throw new InvalidInputError('redeploy_server needs parameters.target_nodes: the node names to redeploy');
    return design.nodes.map((n) => n.name);
  }
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((x) => typeof x !== 'string')) throw new InvalidInputError('parameters.target_nodes must be a non-empty list of node names');
  const known = new Set(design.nodes.map((n) => n.name));
  const unknown = (raw as string[]).filter((n) => !known.has(n));
  if (unknown.length) throw new InvalidInputError(`parameters.target_nodes: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a drydock/BaremetalNode/v1 of the committed design`);
  return raw as string[];
}

export function buildSteps(name: ActionName, parameters: Record<string, unknown>, design: SiteDesign): StepDef[] {
  const steps: StepDef[] = [step('preflight', 'preflight', []), step('validate_site_design', 'validate_site_design', hard('preflight'))];
  const last = () => steps[steps.length - 1].id;

  if (name === 'redeploy_server' || name === 'relabel_nodes') {
    const nodes = targetNodes(name, parameters, design);
    steps.push(step(name, name, hard('validate_site_design'), true, { nodes }));
    return steps;
  }
  if (name === 'test_site') {
    steps.push(step('armada_test_releases', 'test_site', hard('validate_site_design'), true, { releases: parameters.release ?? null }));
    return steps;
  }

  const deployGroups: { id: string; critical: boolean }[] = [];
  if (name !== 'update_software') {
    steps.push(step('verify_site', 'verify_site', hard('validate_site_design')));
    steps.push(step('prepare_site', 'prepare_site', hard('verify_site')));
    steps.push(step('prepare_nodes', 'prepare_nodes', hard('prepare_site')));
    for (const g of orderGroups(design.groups)) {
      const id = `deploy_nodes.${g.name}`;
      // Shipyard: a group waits for the groups it depends on, and is not deployed when one failed.
      steps.push(step(id, 'deploy_nodes', [...hard('prepare_nodes'), ...hard(...g.dependsOn.map((d) => `deploy_nodes.${d}`))], g.critical, { group: g.name }));
      deployGroups.push({ id, critical: g.critical });
    }
  } else {
    steps.push(step('prepare_site', 'prepare_site', hard('validate_site_design'), true, { software_only: true }));
  }

  // Software goes on after a non-critical group's failure; a critical failure has failed the action by then.
  let previous = deployGroups.length ? undefined : last();
  for (const cg of design.chartGroups) {
    const id = `armada_build.${cg.name}`;
    const deps = previous ? hard(previous) : [...deployGroups.map((g) => ({ step: g.id, hard: g.critical }))];
    if (!previous && deployGroups.length === 0) deps.push(...hard('prepare_site'));
    steps.push(step(id, 'armada_chart_group', deps, true, { chart_group: cg.name }));
    previous = id;
  }
  const purgeDeps = previous ? hard(previous) : deployGroups.length ? deployGroups.map((g) => ({ step: g.id, hard: g.critical })) : hard('prepare_site');
  steps.push(step('armada_purge', 'armada_purge', purgeDeps));
  return steps;
}
