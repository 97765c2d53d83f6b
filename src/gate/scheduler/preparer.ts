// Preparing an item's build set (Zuul's prepareItem): merge its changes onto
// the state the item ahead left, decide which layout it runs with (its own
// configuration, speculatively, when it changes any), freeze its job graph
// with that layout, and pin every required project to a commit. The result
// is everything the item's builds need, fixed before any of them starts.

import {
  buildSpeculativeLayout, freezeJobGraph, isConfigFile, type ConfigError, type ConfigReader, type Layout, type LoadOptions,
  type TenantConfig,
} from '../config/index.js';
import type { Commits, Merger, MergeMode, RepoCache } from '../merger/index.js';
import type { ConfigChange, FrozenJob } from '../model.js';
import { toFrozenJobs } from './layout-adapter.js';
import type { PrepareAction, PrepareResult } from './types.js';

export interface PreparerDeps {
  merger: Merger;
  repos: RepoCache;
  tenantConfig: TenantConfig;
  reader: ConfigReader;
  /** The tenant's current (last good) layout. */
  layout(): Layout;
  runtimes: readonly string[];
  /** Which runtimes isolate, and where untrusted jobs go (see chooseRuntime). */
  isolatedRuntimes?: readonly string[];
  untrustedRuntime?: string;
  loadOptions?: LoadOptions;
  /** The pipeline's merge-conflict message. */
  mergeConflictMessage(pipeline: string): string;
}

export function formatConfigErrors(errors: ConfigError[]): string {
  return errors.map((e) => `${e.message}`).join('\n\n');
}

export async function prepareItem(deps: PreparerDeps, action: PrepareAction): Promise<PrepareResult> {
  const layout = deps.layout();
  const mergeMode = (project: string): MergeMode => (layout.getProjectMetadata(project)?.mergeMode as MergeMode | undefined) ?? 'merge-resolve';
  const merged = await deps.merger.merge({ changes: action.changes, base: action.ahead?.commits ?? {}, mergeMode });
  if (!merged.ok) {
    return { ok: false, kind: 'merge-conflict', error: `${deps.mergeConflictMessage(action.pipeline)}\n\n${merged.error}` };
  }
  const commits = merged.commits;

  // Configuration this state changes: the items' ahead, and this item's own.
  const configChanges: ConfigChange[] = [...(action.ahead?.configChanges ?? [])];
  for (const c of action.changes) {
    if (c.kind !== 'change') continue;
    const tp = layout.tenant.getProject(c.project);
    const files = merged.filesByChange[c.key] ?? [];
    if (tp && files.some((f) => isConfigFile(f, tp.entry.extraConfigFiles, tp.entry.extraConfigDirs))) {
      configChanges.push({ project: c.project, branch: c.branch, files });
    }
  }
  let itemLayout = layout;
  let speculative = false;
  if (configChanges.length > 0) {
    const spec = await buildSpeculativeLayout({
      tenantConfig: deps.tenantConfig,
      reader: deps.reader,
      current: layout,
      changes: configChanges.map((c) => ({ ...c, ref: commits[c.project]?.[c.branch] ?? c.branch })),
      itemChanges: action.changes.filter((c) => c.kind === 'change').map((c) => ({ project: c.project, branch: c.branch ?? '' })),
      options: deps.loadOptions,
    });
    if (!spec.layout) {
      const error = spec.message ?? `This change has a configuration error and cannot be used:\n\n${formatConfigErrors(spec.errors)}`;
      return { ok: false, kind: 'config-error', error, commits };
    }
    itemLayout = spec.layout;
    speculative = spec.speculative;
  }

  // Freeze the job graph of each change (several for a dependency cycle item).
  const jobs: FrozenJob[] = [];
  let failFast = false;
  const branchInfo = new Map<string, { branches: string[]; defaultBranch: string }>();
  const knownBranches = async (project: string) => {
    if (!branchInfo.has(project) && (await deps.repos.exists(project))) branchInfo.set(project, await deps.repos.branches(project));
  };
  for (const c of action.changes) {
    if (!action.live) break;
    const branch = c.kind === 'change' ? c.branch : c.branch;
    const ref = c.kind === 'change' ? { project: c.project, branch: c.branch, files: merged.filesByChange[c.key] ?? [] }
      : branch !== null ? { project: c.project, branch, files: merged.filesByChange[c.key] ?? [] } : { project: c.project, ref: c.ref };
    let graph;
    try {
      graph = freezeJobGraph(itemLayout, action.pipeline, ref, { previousLayout: speculative ? layout : undefined, skipFileMatcher: c.kind === 'ref' && !(merged.filesByChange[c.key]?.length) });
    } catch (err) {
      if (isConfigError(err)) return { ok: false, kind: 'config-error', error: `The job graph of ${c.key} cannot be frozen:\n\n${err.message}`, commits };
      throw err;
    }
    failFast ||= graph.failFast;
    await knownBranches(c.project);
    for (const j of graph.graph.jobs) for (const rp of j.requiredProjects) await knownBranches(itemLayout.tenant.getProject(rp.project)?.name ?? rp.name);
    jobs.push(...toFrozenJobs(graph, {
      layout: itemLayout, change: c.key, cycle: action.changes.length > 1, project: c.project, branch,
      branchesOf: (p) => branchInfo.get(p), runtimes: deps.runtimes,
      isolatedRuntimes: deps.isolatedRuntimes, untrustedRuntime: deps.untrustedRuntime,
    }));
  }

  // Pin every project a job checks out that the merge did not touch to its branch tip now.
  for (const j of jobs) {
    for (const rp of j.requiredProjects) {
      if (commits[rp.project]?.[rp.branch]) continue;
      const tip = (await deps.repos.exists(rp.project)) ? await deps.repos.branchTip(rp.project, rp.branch) : null;
      if (!tip) return { ok: false, kind: 'config-error', error: `Job ${j.name} requires ${rp.project} on branch ${rp.branch}, which does not exist`, commits };
      await deps.repos.update(rp.project);
      (commits[rp.project] ??= {})[rp.branch] = tip;
    }
  }
  return { ok: true, commits: commits as Commits, files: merged.files, jobs, updatesConfig: speculative || configChanges.length > 0, configChanges, failFast };
}

function isConfigError(err: unknown): err is ConfigError {
  return err instanceof Error && typeof (err as ConfigError).code === 'string' && typeof (err as ConfigError).reason === 'string';
}
