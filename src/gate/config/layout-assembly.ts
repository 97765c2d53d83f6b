// Assembling a tenant's layout (Zuul's configloader _addLayoutItems and
// the checks after it): parsed objects are added in Zuul's order, each
// failing object left out with its error; job references, inheritance and
// dependency cycles, and the jobs of project pipelines are validated.

import { ConfigError, JobCycleError, ReferenceNotFoundError, toConfigError, type ConfigErrorOptions } from './errors.js';
import { originOptions, type Layout } from './layout.js';
import type { JobVariant, NodeSet, Origin, Pipeline, ProjectConfig, Queue, Secret, Semaphore } from './model.js';
import { ZuulRegex } from './regex.js';

function run(layout: Layout, fn: () => void, ctx: ConfigErrorOptions): void {
  try {
    fn();
  } catch (err) {
    layout.errors.add(toConfigError(err, ctx));
  }
}

/** Checks a job variant's references (Zuul's Job.validateReferences). */
export function validateJobReferences(layout: Layout, job: JobVariant): void {
  const opts = originOptions(job, 'job', job.name);
  if (job.parent) {
    const parents = layout.getJobs(job.parent);
    if (!parents.length) {
      throw layout.missing('job', job.parent, `Job ${job.parent} not defined`, originOptions(job, 'job', job.name, 'parent'));
    }
    if (!parents.some((p) => !p.final)) {
      throw new ConfigError('final-parent', `The parent of job "${job.name}", "${job.parent}" is final and can not act as a parent`, originOptions(job, 'job', job.name, 'parent'));
    }
    if (!parents.some((p) => !p.intermediate) && !job.abstract) {
      throw new ConfigError('intermediate-parent', `The parent of job "${job.name}", "${job.parent}" is intermediate but "${job.name}" is not abstract`, originOptions(job, 'job', job.name, 'parent'));
    }
    if (!parents.some((p) => !p.protected) && parents[0].source.canonicalProject !== job.source.canonicalProject) {
      throw new ConfigError('protected-parent', `The parent of job "${job.name}", "${job.parent}" is a protected job in a different project`, originOptions(job, 'job', job.name, 'parent'));
    }
  } else if (job.parent === undefined && !job.projectPipeline && job.name !== layout.tenant.defaultParent &&
    !layout.jobs.has(layout.tenant.defaultParent)) {
    // Zuul finds this only when freezing, and then silently skips the job.
    throw layout.missing('job', layout.tenant.defaultParent,
      `Job ${job.name} has no parent and the tenant's default parent job "${layout.tenant.defaultParent}" is not defined`, opts);
  }
  if (job.nodeset !== undefined) {
    for (const ns of layout.flattenNodeset(job.nodeset, originOptions(job, 'job', job.name, 'nodeset'))) {
      const max = layout.tenant.maxNodesPerJob;
      if (max !== -1 && ns.nodes.length > max) {
        throw new ConfigError('max-nodes', `The job "${job.name}" exceeds tenant max-nodes-per-job ${max}.`, originOptions(job, 'job', job.name, 'nodeset'));
      }
    }
  }
  for (const dep of job.dependencies ?? []) layout.getJob(dep.name, originOptions(job, 'job', job.name, 'dependencies'));
  for (const step of [...job.preRun ?? [], ...job.run ?? [], ...job.postRun ?? [], ...job.cleanupRun ?? []]) {
    for (const use of step.secrets) {
      const secret = layout.secrets.get(use.secret);
      if (!secret) throw new ReferenceNotFoundError('secret', use.secret, `The secret "${use.secret}" was not found.`, originOptions(job, 'job', job.name, 'secrets'));
      if (secret.source.canonicalProject !== step.source.canonicalProject || secret.source.trusted !== step.source.trusted) {
        throw new ConfigError('secret-project', `Unable to use secret ${use.secret}.  Secrets must be defined in the same project in which they are used`,
          originOptions(job, 'job', job.name, 'secrets'));
      }
    }
  }
}

/** Parent edges among job names (explicit parents of every variant). */
export function findParentCycles(layout: Layout): Array<{ cycle: string[]; job: JobVariant }> {
  const parents = new Map<string, Set<string>>();
  for (const [name, variants] of layout.jobs) {
    const s = new Set<string>();
    for (const v of variants) if (v.parent) s.add(v.parent);
    parents.set(name, s);
  }
  return findCycles(parents).map((cycle) => ({ cycle, job: layout.jobs.get(cycle[0])![0] }));
}

/** Finds elementary cycles reachable in a name graph (one per strongly connected component). */
export function findCycles(edges: Map<string, Set<string>>): string[][] {
  const state = new Map<string, 0 | 1 | 2>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (!edges.has(m)) continue;
      const s = state.get(m) ?? 0;
      if (s === 1) {
        cycles.push([...stack.slice(stack.indexOf(m)), m]);
      } else if (s === 0) {
        visit(m);
      }
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...edges.keys()].sort()) if ((state.get(n) ?? 0) === 0) visit(n);
  return cycles;
}

/** Adds parsed objects to a layout and validates references, collecting errors. */
export function assembleLayout(layout: Layout, parsed: {
  pipelines: Pipeline[]; nodesets: NodeSet[]; secrets: Secret[]; jobs: JobVariant[]; semaphores: Semaphore[];
  queues: Queue[]; templates: ProjectConfig[]; projects: ProjectConfig[];
}): void {
  for (const p of parsed.pipelines) run(layout, () => layout.addPipeline(p), originOptions(p, 'pipeline', p.name));
  for (const ns of parsed.nodesets) run(layout, () => layout.addNodeSet(ns), originOptions(ns.origin!, 'nodeset', ns.name));
  for (const s of parsed.secrets) run(layout, () => layout.addSecret(s), originOptions(s, 'secret', s.name));
  for (const j of parsed.jobs) run(layout, () => layout.addJob(j), originOptions(j, 'job', j.name));

  for (const ns of layout.nodesets.values()) {
    run(layout, () => layout.flattenNodeset(ns, originOptions(ns.origin!, 'nodeset', ns.name)), originOptions(ns.origin!, 'nodeset', ns.name));
  }
  for (const job of layout.allJobVariants()) {
    if (job.source === layout.jobs.get('noop')![0].source) continue;
    run(layout, () => validateJobReferences(layout, job), originOptions(job, 'job', job.name));
  }
  for (const { cycle, job } of findParentCycles(layout)) {
    layout.errors.add(new JobCycleError('parent', cycle, { ...originOptions(job, 'job', job.name), attr: 'parent' }));
  }
  for (const p of layout.pipelines.values()) {
    run(layout, () => {
      for (const other of p.supercedes) {
        if (!layout.pipelines.has(other)) {
          throw new ReferenceNotFoundError('pipeline', other, `The pipeline "${p.name}" supercedes an unknown pipeline ${other}.`, originOptions(p, 'pipeline', p.name, 'supercedes'));
        }
      }
    }, originOptions(p, 'pipeline', p.name, 'supercedes'));
  }

  for (const s of parsed.semaphores) run(layout, () => layout.addSemaphore(s), originOptions(s.origin!, 'semaphore', s.name));
  for (const q of parsed.queues) run(layout, () => layout.addQueue(q), originOptions(q, 'queue', q.name));
  for (const t of parsed.templates) run(layout, () => layout.addProjectTemplate(t), originOptions(t, 'project-template', t.name));

  // Regex project stanzas apply to every matching project of the tenant.
  const projects: ProjectConfig[] = [];
  const regexStanzas = new Map<string, ProjectConfig[]>();
  for (const pc of parsed.projects) {
    if (pc.name.startsWith('^')) {
      const l = regexStanzas.get(pc.name) ?? [];
      l.push(pc);
      regexStanzas.set(pc.name, l);
    } else {
      projects.push(pc);
    }
  }
  for (const [regex, stanzas] of regexStanzas) {
    const matching = layout.tenant.projectsByRegex(new ZuulRegex(regex));
    for (const project of matching) {
      for (const pc of stanzas) {
        const copy = { ...pc, name: project.canonicalName };
        REGEX_ORIGINAL.set(copy, pc);
        projects.push(copy);
      }
    }
  }
  for (const pc of projects) layout.addProjectConfig(pc);
  validateProjectConfigs(layout);
}

function validatePipelineJobs(layout: Layout, owner: ProjectConfig, stanza: string, name: string): void {
  for (const [pipelineName, pp] of owner.pipelines) {
    if (!layout.pipelines.has(pipelineName)) {
      const configIncomplete = layout.tenant.configProjects.some((p) => !p.available && p.loadClasses.has('pipeline'));
      layout.errors.add(new ReferenceNotFoundError('pipeline', pipelineName, `The pipeline "${pipelineName}" is not defined; its jobs never run`,
        { ...originOptions(owner, stanza, name, pipelineName), unresolved: configIncomplete, severity: 'warning' }));
    }
    for (const [jobName, variants] of pp.jobs) {
      for (const v of variants) {
        run(layout, () => {
          layout.getJob(jobName, { attr: pipelineName });
          validateJobReferences(layout, v);
        }, { ...originOptions(v, stanza, name), attr: pipelineName });
      }
    }
  }
}

/** Regex stanzas are copied to every matching project; each copy points to its original. */
const REGEX_ORIGINAL = new WeakMap<ProjectConfig, ProjectConfig>();

/** Checks templates and project-pipeline jobs exist (once per stanza), and finds dependency cycles. */
function validateProjectConfigs(layout: Layout): void {
  const validatedTemplates = new Set<ProjectConfig>();
  const validatedStanzas = new Set<ProjectConfig>();
  for (const [, pcs] of layout.projectConfigs) {
    for (const copy of pcs) {
      const pc = REGEX_ORIGINAL.get(copy) ?? copy;
      if (validatedStanzas.has(pc)) continue;
      validatedStanzas.add(pc);
      const name = pc.name.startsWith('^') ? pc.name : layout.tenant.getProject(pc.name)?.name ?? pc.name;
      const opts = originOptions(pc, 'project', name);
      for (const tname of pc.templates) {
        let templates: ProjectConfig[];
        try {
          templates = layout.getProjectTemplates(tname, originOptions(pc, 'project', name, 'templates'));
        } catch (err) {
          layout.errors.add(toConfigError(err, opts));
          continue;
        }
        for (const t of templates) {
          if (validatedTemplates.has(t)) continue;
          validatedTemplates.add(t);
          validatePipelineJobs(layout, t, 'project-template', t.name);
        }
      }
      validatePipelineJobs(layout, pc, 'project', name);
    }
  }
  // Templates nobody uses are still checked, so that their errors show.
  for (const list of layout.projectTemplates.values()) {
    for (const t of list) if (!validatedTemplates.has(t)) validatePipelineJobs(layout, t, 'project-template', t.name);
  }
  findDependencyCycles(layout);
}

/**
 * Dependency cycles among the jobs of a project's pipeline, over every
 * variant (Zuul only finds them when freezing an item's job graph).
 */
function findDependencyCycles(layout: Layout): void {
  const reported = new Set<string>();
  for (const [, pcs] of layout.projectConfigs) {
    const pipelines = new Set<string>();
    for (const pc of pcs) {
      for (const p of pc.pipelines.keys()) pipelines.add(p);
      for (const t of pc.templates) for (const tp of layout.projectTemplates.get(t) ?? []) for (const p of tp.pipelines.keys()) pipelines.add(p);
    }
    for (const pipeline of pipelines) {
      const edges = new Map<string, Set<string>>();
      const owners = new Map<string, Origin>();
      const addJob = (name: string, variants: JobVariant[], owner: Origin) => {
        const deps = edges.get(name) ?? new Set<string>();
        for (const v of [...layout.getJobs(name), ...variants]) for (const d of v.dependencies ?? []) deps.add(d.name);
        edges.set(name, deps);
        if (!owners.has(name)) owners.set(name, owner);
      };
      for (const pc of pcs) {
        for (const t of pc.templates) {
          for (const tp of layout.projectTemplates.get(t) ?? []) {
            for (const [n, vs] of tp.pipelines.get(pipeline)?.jobs ?? []) addJob(n, vs, tp);
          }
        }
        for (const [n, vs] of pc.pipelines.get(pipeline)?.jobs ?? []) addJob(n, vs, pc);
      }
      for (const cycle of findCycles(edges)) {
        const owner = owners.get(cycle[0])!;
        const key = JSON.stringify([owner.source.project, owner.source.path, owner.line, [...cycle].sort()]);
        if (reported.has(key)) continue;
        reported.add(key);
        layout.errors.add(new JobCycleError('dependency', cycle, { ...originOptions(owner, 'project', undefined), attr: pipeline }));
      }
    }
  }
}
