// Freezing the job graph of an item (Zuul's Layout.createJobGraph,
// extendJobGraph and collectJobs): for each job the project (and its
// templates) lists in the pipeline, collect the variants of the job and of
// its ancestors that match the item's branch, apply them in order, apply the
// project-pipeline variants, merge project variables, evaluate file
// matchers, then resolve dependencies into a DAG.

import { JobConfigurationError, JobCycleError, ReferenceNotFoundError, type ConfigErrorOptions } from './errors.js';
import type { FrozenJob } from './frozen-job.js';
import { describeVariant, JobBuilder } from './job-builder.js';
import { JobGraph } from './job-graph.js';
import type { ItemPipelineConfig, Layout } from './layout.js';
import { matchAllFiles, matchAnyFiles, matchesAnyBranch, type ChangeRef } from './change-matcher.js';
import { type JobVariant, type ProjectMetadata } from './model.js';

export interface FreezeOptions {
  /** Ignore `files`/`irrelevant-files` (Zuul does for an item whose files are unknown). */
  skipFileMatcher?: boolean;
  /**
   * The layout the item would have without its own config change. When the
   * item's layout differs, a job whose configuration the change alters runs
   * even if its file matchers do not match (match-on-config-updates).
   */
  previousLayout?: Layout;
}

export interface FrozenJobGraph {
  /** The project takes part in the pipeline on this branch. */
  participates: boolean;
  graph: JobGraph;
  /** fail-fast from the project pipeline (last explicit setting wins). */
  failFast: boolean;
  debug: boolean;
  debugMessages: string[];
  /** The project's merge mode, default branch and queue name. */
  projectMetadata?: ProjectMetadata;
}

class NoMatchingParent extends Error {}

function variantOptions(v: JobVariant, attr?: string): ConfigErrorOptions {
  return {
    location: v.source.project ? { project: v.source.project, branch: v.source.branch, path: v.source.path, line: v.line } : undefined,
    stanza: 'job', objectName: v.name, attr,
  };
}

type OverrideCheckouts = Map<string | null, string>;

function updateOverrideCheckouts(map: OverrideCheckouts, job: JobVariant): void {
  if (job.overrideCheckout) map.set(null, job.overrideCheckout);
  for (const p of job.requiredProjects ?? []) if (p.overrideCheckout) map.set(p.project, p.overrideCheckout);
}

function matchesBranch(job: JobVariant, change: ChangeRef, overrideBranch?: string): boolean {
  const c = overrideBranch === undefined ? change : { project: change.project, branch: overrideBranch };
  return matchesAnyBranch(job.branches, c);
}

/** Collects the matching variants of `jobName` and its ancestors, ancestors first. */
export function collectJobs(
  layout: Layout, jobName: string, change: ChangeRef, debug: string[],
  path: string[] = [], jobs: JobVariant[] = [], stack: string[] = [], overrideCheckouts: OverrideCheckouts = new Map(),
): JobVariant[] {
  path.push(jobName);
  debug.push(`${'  '.repeat(path.length)}Collecting job variants for ${jobName}`);
  let matched = false;
  const local = new Map(overrideCheckouts);
  let overrideBranch: string | undefined;
  let project: string | undefined;
  for (const variant of layout.getJobs(jobName)) {
    if (project === undefined && variant.source.project) {
      project = variant.source.canonicalProject;
      overrideBranch = overrideCheckouts.get(project) ?? overrideCheckouts.get(null);
      const branches = layout.tenant.getProject(project)?.branches ?? [];
      if (overrideBranch !== undefined && !branches.includes(overrideBranch)) overrideBranch = undefined;
    }
    if (!matchesBranch(variant, change, overrideBranch)) {
      debug.push(`${'  '.repeat(path.length)}Variant ${describeVariant(variant)} did not match`);
      continue;
    }
    debug.push(`${'  '.repeat(path.length)}Variant ${describeVariant(variant)} matched`);
    let parent: string | undefined;
    if (variant.parent !== null) parent = variant.parent ?? (jobs.length === 0 ? layout.tenant.defaultParent : undefined);
    updateOverrideCheckouts(local, variant);
    if (parent !== undefined && variant.parent !== undefined && (parent === jobName || stack.includes(parent))) {
      // Zuul silently stops at an inheritance cycle; a cycle is a configuration error here.
      throw new JobCycleError('parent', [...stack, jobName, parent], variantOptions(variant, 'parent'));
    }
    if (parent !== undefined && !path.includes(parent)) {
      collectJobs(layout, parent, change, debug, path, jobs, [...stack, jobName], local);
    }
    matched = true;
    if (!jobs.includes(variant)) jobs.push(variant);
  }
  if (!matched) {
    debug.push(`${'  '.repeat(path.length)}No matching parents for ${jobName}`);
    throw new NoMatchingParent(jobName);
  }
  return jobs;
}

interface Pending {
  job: FrozenJob;
  error?: JobConfigurationError;
}

function firstStepLocation(job: FrozenJob): ConfigErrorOptions {
  return {
    location: job.source ? { project: job.source.project, branch: job.source.branch, path: job.source.path, line: job.source.line } : undefined,
    stanza: 'job', objectName: job.name,
  };
}

function freezeOne(
  layout: Layout, jobName: string, ppc: ItemPipelineConfig, change: ChangeRef, debug: string[], skipFileMatcher: boolean,
): { builder: JobBuilder; matchesFiles: boolean } | null {
  const variants = (() => {
    try {
      return collectJobs(layout, jobName, change, debug);
    } catch (err) {
      if (err instanceof NoMatchingParent) return null;
      throw err;
    }
  })();
  if (!variants || variants.length === 0) {
    debug.push(`    No matching variants for ${jobName}`);
    return null;
  }
  const builder = new JobBuilder(variants[0]);
  for (const v of variants.slice(1)) {
    builder.applyVariant(v, layout);
    builder.name = v.name;
  }
  builder.name = jobName;
  builder.reference = layout.getJobs(jobName)[0] ?? variants[variants.length - 1];
  builder.updateProjectVariables(ppc.variables);
  if (builder.attrs.ansibleVersion === undefined && layout.tenant.defaultAnsibleVersion) {
    builder.attrs.ansibleVersion = layout.tenant.defaultAnsibleVersion;
  }
  let matched = false;
  for (const v of ppc.jobs.get(jobName) ?? []) {
    if (matchesBranch(v, change)) {
      builder.applyVariant(v, layout);
      matched = true;
      debug.push(`    Pipeline variant ${describeVariant(v)} matched`);
    } else {
      debug.push(`    Pipeline variant ${describeVariant(v)} did not match`);
    }
  }
  if (!matched) {
    debug.push(`    No matching pipeline variants for ${jobName}`);
    return null;
  }
  let matchesFiles = true;
  if (!skipFileMatcher) {
    const files = builder.get<import('./regex.js').ZuulRegex[]>('files');
    const irrelevant = builder.get<import('./regex.js').ZuulRegex[]>('irrelevantFiles');
    if (files && files.length && !matchAnyFiles(files, change)) matchesFiles = false;
    if (irrelevant && irrelevant.length && matchAllFiles(irrelevant, change)) matchesFiles = false;
  }
  return { builder, matchesFiles };
}

/**
 * Freezes the jobs an item runs in `pipeline` with `layout`. Throws
 * JobConfigurationError (to report on the item) for an abstract job, a job
 * the project may not run, a post-review job in a pre-review pipeline, a
 * job without anything to run, a hard dependency on a
 * job that does not run, or a dependency cycle.
 */
export function freezeJobGraph(layout: Layout, pipelineName: string, change: ChangeRef, opts: FreezeOptions = {}): FrozenJobGraph {
  const pipeline = layout.pipelines.get(pipelineName);
  if (!pipeline) {
    throw new ReferenceNotFoundError('pipeline', pipelineName, `The pipeline "${pipelineName}" is not defined in tenant ${layout.tenant.name}`);
  }
  const metadata = layout.getProjectMetadata(change.project);
  const ppc = layout.getProjectPipelineConfig(change, pipelineName);
  if (!ppc) {
    return { participates: false, graph: new JobGraph([]), failFast: false, debug: false, debugMessages: [], projectMetadata: metadata };
  }
  const debug: string[] = [...ppc.debugMessages, 'Freezing job graph'];
  const project = layout.tenant.getProject(change.project);
  const pending: Pending[] = [];
  for (const jobName of ppc.jobs.keys()) {
    debug.push(`  Freezing job ${jobName}`);
    const result = freezeOne(layout, jobName, ppc, change, debug, opts.skipFileMatcher ?? false);
    if (!result) continue;
    const { builder } = result;
    let { matchesFiles } = result;
    if (!matchesFiles && builder.get<boolean>('matchOnConfigUpdates') !== false &&
      opts.previousLayout && opts.previousLayout !== layout) {
      if (updatesJobConfig(opts.previousLayout, pipelineName, change, jobName, builder.freeze(layout, true).configHash)) {
        debug.push(`    The configuration of job ${jobName} is changed; ignoring file matcher`);
        matchesFiles = true;
      }
    }
    if (!matchesFiles) debug.push(`    Job ${jobName} did not match files`);
    const job = builder.freeze(layout, matchesFiles);
    const at = firstStepLocation(job);
    let error: JobConfigurationError | undefined;
    if (job.abstract) {
      error = new JobConfigurationError('abstract-job', `Job ${job.name} is abstract and may not be directly run`, at);
    } else if (!builder.get<boolean>('ignoreAllowedProjects') && job.allowedProjects && project && !job.allowedProjects.includes(project.name)) {
      error = new JobConfigurationError('project-not-allowed', `Project ${project.name} is not allowed to run job ${job.name}`, at);
    } else if (!pipeline.postReview && job.postReview) {
      error = new JobConfigurationError('post-review-job', `Pre-review pipeline ${pipeline.name} does not allow post-review job ${job.name}`, at);
    } else if (job.run.length === 0) {
      error = new JobConfigurationError('no-run', `Job ${job.name} does not specify a run command`, at);
    }
    pending.push({ job, error });
  }

  // A job that matches runs its hard dependencies even if their file matchers do not match.
  const byName = new Map(pending.map((p) => [p.job.name, p]));
  const forced = new Set<string>();
  const visit = (name: string) => {
    for (const d of byName.get(name)?.job.dependencies ?? []) {
      if (d.soft || forced.has(d.name)) continue;
      const dep = byName.get(d.name);
      if (!dep) continue;
      forced.add(d.name);
      visit(d.name);
    }
  };
  for (const p of pending) if (p.job.matchesFiles) visit(p.job.name);
  const running = pending.filter((p) => p.job.matchesFiles || forced.has(p.job.name));
  for (const p of running) {
    if (!p.job.matchesFiles) debug.push(`  Forcing non-matching hard dependency ${p.job.name} to run`);
  }
  for (const p of pending) {
    if (!running.includes(p)) continue;
    for (const d of p.job.dependencies) {
      if (d.soft && !byName.has(d.name)) layout.getJob(d.name, firstStepLocation(p.job));
    }
  }
  const graph = new JobGraph(running.map((p) => p.job));
  const failure = running.find((p) => p.error);
  if (failure) throw failure.error;
  return {
    participates: true,
    graph,
    failFast: ppc.failFast ?? false,
    debug: ppc.debug,
    debugMessages: debug,
    projectMetadata: metadata,
  };
}

/** Whether a change's own config alters a job (compared with the layout without the change). */
function updatesJobConfig(previous: Layout, pipeline: string, change: ChangeRef, jobName: string, hash: string): boolean {
  const ppc = previous.getProjectPipelineConfig(change, pipeline);
  if (!ppc || !ppc.jobs.has(jobName)) return true;
  try {
    const old = freezeOne(previous, jobName, ppc, change, [], true);
    if (!old) return true;
    return old.builder.freeze(previous, true).configHash !== hash;
  } catch {
    return true;
  }
}
