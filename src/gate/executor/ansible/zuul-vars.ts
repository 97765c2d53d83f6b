// Zuul's job variables (`zuul.*`, `nodepool.*`) and the inventory built from
// a job's nodeset, as Zuul's executor writes them (zuul/executor/server.py,
// docs "Job Content"): pure functions over the build request, so that what
// a playbook sees is tested without Ansible.

import { hostname } from 'node:os';
import type { AnsibleJob, FrozenJob, RequiredProject } from '../../model.js';

/** What the variables say about each change of the item's speculative state. */
export interface ZuulItem {
  project: string;
  branch: string;
  /** Change number and patchset (absent for a ref item). */
  change?: number;
  patchset?: number;
  ref?: string;
  changeUrl?: string;
  topic?: string | null;
  oldrev?: string;
  newrev?: string;
}

export interface VarsContext {
  buildId: string;
  buildset: string;
  tenant: string;
  pipeline: string;
  job: FrozenJob & { ansible: AnsibleJob };
  /** The item's changes, in queue order (the item's own last). */
  items: ZuulItem[];
  /** Each checked-out project: its branch and commit. */
  checkouts: Array<RequiredProject & { commit: string }>;
  attempt: number;
  /** Executor-side directories. */
  workRoot: string;
  srcRoot: string;
  logRoot: string;
  inventoryFile: string;
  ansibleVersion: string;
}

function projectVars(name: string, canonical: string) {
  const host = canonical.length > name.length ? canonical.slice(0, canonical.length - name.length - 1) : 'localhost';
  return {
    name,
    short_name: name.split('/').pop()!,
    canonical_hostname: host,
    canonical_name: canonical,
    src_dir: `src/${canonical}`,
  };
}

function itemVars(i: ZuulItem, canonical: (p: string) => string) {
  return {
    project: projectVars(i.project, canonical(i.project)),
    branch: i.branch,
    ...(i.change !== undefined ? { change: String(i.change), patchset: String(i.patchset), change_url: i.changeUrl ?? '' } : {}),
    ...(i.topic ? { topic: i.topic } : {}),
    ...(i.ref ? { ref: i.ref } : {}),
    ...(i.oldrev ? { oldrev: i.oldrev } : {}),
    ...(i.newrev ? { newrev: i.newrev } : {}),
  };
}

/** The `zuul` variable. */
export function zuulVars(ctx: VarsContext): Record<string, unknown> {
  const { job } = ctx;
  const canonical = (p: string) => job.ansible.canonicalNames[p] ?? p;
  const own = ctx.items.at(-1) ?? { project: job.project, branch: job.branch ?? '' };
  const projects: Record<string, unknown> = {};
  for (const c of ctx.checkouts) {
    projects[canonical(c.project)] = {
      ...projectVars(c.project, canonical(c.project)),
      required: job.requiredProjects.slice(1).some((r) => r.project === c.project) || c.project === job.project,
      checkout: c.branch,
      checkout_description: c.project === job.project ? 'zuul branch' : 'project default branch',
      commit: c.commit,
    };
  }
  return {
    build: ctx.buildId,
    buildset: ctx.buildset,
    tenant: ctx.tenant,
    pipeline: ctx.pipeline,
    job: job.name,
    voting: job.voting,
    attempts: ctx.attempt,
    max_attempts: job.attempts,
    timeout: job.timeout,
    post_timeout: job.postTimeout,
    ansible_version: ctx.ansibleVersion,
    jobtags: [],
    ...itemVars(own, canonical),
    project: projectVars(own.project, canonical(own.project)),
    items: ctx.items.map((i) => itemVars(i, canonical)),
    projects,
    child_jobs: [],
    executor: {
      hostname: hostname(),
      src_root: ctx.srcRoot,
      log_root: ctx.logRoot,
      work_root: ctx.workRoot,
      inventory_file: ctx.inventoryFile,
    },
  };
}

/** The `nodepool` host variable of a node (Strata's provider names). */
export function nodepoolVars(node: { label: string; runtime: string }, id: string): Record<string, unknown> {
  return {
    label: node.label,
    provider: `strata-${node.runtime}`,
    cloud: 'strata',
    region: null,
    az: null,
    host_id: null,
    external_id: id,
    interface_ip: null,
    public_ipv4: null,
    private_ipv4: null,
    public_ipv6: null,
  };
}

/**
 * The inventory (Ansible's YAML/JSON form): a host per node name with
 * Strata's connection, job and Zuul variables at `all.vars`, host-vars on
 * hosts, group-vars on the nodeset's groups. Zuul reserves `zuul` and
 * `nodepool`; the configuration already refuses them as job variables.
 */
export function buildInventory(ctx: VarsContext, nodeIds: Record<string, string>, nodepoolExtra: Record<string, Record<string, unknown>> = {}): Record<string, unknown> {
  const { ansible } = ctx.job;
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const node of ansible.nodes) {
    for (const name of node.name) {
      hosts[name] = {
        ...(ansible.hostVars[name] ?? {}),
        ansible_host: name,
        ansible_connection: 'strata_agent',
        ansible_python_interpreter: '/usr/bin/python3',
        nodepool: { ...nodepoolVars(node, nodeIds[name] ?? name), ...(nodepoolExtra[name] ?? {}) },
      };
    }
  }
  const children: Record<string, unknown> = {};
  for (const g of ansible.groups) {
    children[g.name] = {
      hosts: Object.fromEntries(g.nodes.filter((n) => hosts[n]).map((n) => [n, null])),
      ...(ansible.groupVars[g.name] ? { vars: ansible.groupVars[g.name] } : {}),
    };
  }
  return {
    all: {
      hosts,
      ...(Object.keys(children).length ? { children } : {}),
      vars: { ...ansible.vars, zuul: zuulVars(ctx) },
    },
  };
}

