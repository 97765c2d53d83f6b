// A tenant's layout: every configuration object of the tenant, combined as
// Zuul combines them (configloader.py _addLayoutItems, model.py Layout), with
// references checked. Objects that fail are left out and their errors kept;
// the rest of the layout stays usable.

import {
  ConfigError, JobCycleError, LoadingErrors, ReferenceNotFoundError, toConfigError, type ConfigErrorOptions,
  type ReferenceKind,
} from './errors.js';
import { sameNodeSet } from './nodeset-parser.js';
import {
  matchesAnyBranch, type ChangeRef, type JobVariant, type NodeSet, type Origin, type Pipeline, type ProjectConfig,
  type ProjectMetadata, type ProjectPipeline, type Queue, type Secret, type Semaphore, type SourceContext,
} from './model.js';
import { ZuulRegex } from './regex.js';
import { sameSecret } from './secret-parser.js';
import type { Tenant } from './tenant.js';

const BUILTIN_SOURCE: SourceContext = {
  project: '', canonicalProject: '', connection: '', branch: '', path: '<builtin>', trusted: true,
};

/** Zuul's built-in `noop` job: always succeeds, runs nothing. */
export function noopJob(): JobVariant {
  return {
    name: 'noop',
    description: 'A job that will always succeed, no operation.',
    parent: null,
    deduplicate: true,
    run: [{ kind: 'command', command: 'true', semaphores: [], cleanup: false, source: BUILTIN_SOURCE, line: 0, secrets: [] }],
    projectPipeline: false,
    secrets: [],
    overrideControl: {},
    finalControl: {},
    source: BUILTIN_SOURCE,
    line: 0,
  };
}

export function originOptions(o: Origin, stanza: string, name?: string, attr?: string): ConfigErrorOptions {
  const line = (attr !== undefined ? o.attrLines?.[attr] : undefined) ?? o.line;
  return {
    location: { project: o.source.project || undefined, branch: o.source.branch || undefined, path: o.source.path, line: line || undefined },
    stanza,
    objectName: name,
    attr,
  };
}

/** The project-pipeline configuration an item gets (Zuul's ProjectPipelineConfig). */
export interface ItemPipelineConfig {
  /** Job name -> variants listed in the project and its templates, in order of first appearance. */
  jobs: Map<string, JobVariant[]>;
  /** Project and template variables (project ones win), merged under job variables. */
  variables: Record<string, unknown>;
  debug: boolean;
  failFast?: boolean;
  debugMessages: string[];
}

/** Zuul's Job._deepUpdate: merge mappings recursively; otherwise b wins. */
export function deepUpdate(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) if (!(k in b)) out[k] = v;
  for (const [k, bv] of Object.entries(b)) {
    const av = a[k];
    out[k] = isPlainObject(av) && isPlainObject(bv) ? deepUpdate(av, bv) : bv;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

export class Layout {
  readonly tenant: Tenant;
  readonly pipelines = new Map<string, Pipeline>();
  /** Job name -> variants; the first is the reference definition. */
  readonly jobs = new Map<string, JobVariant[]>([['noop', [noopJob()]]]);
  readonly nodesets = new Map<string, NodeSet>();
  readonly secrets = new Map<string, Secret>();
  readonly semaphores = new Map<string, Semaphore>();
  readonly queues = new Map<string, Queue>();
  readonly projectTemplates = new Map<string, ProjectConfig[]>();
  /** Canonical project name -> its project stanzas, in load order. */
  readonly projectConfigs = new Map<string, ProjectConfig[]>();
  readonly projectMetadata = new Map<string, ProjectMetadata>();
  readonly errors: LoadingErrors;

  constructor(tenant: Tenant, errors = new LoadingErrors()) {
    this.tenant = tenant;
    this.errors = errors;
  }

  /** A missing reference: unresolved (a warning) when part of the tenant could not be read. */
  missing(kind: ReferenceKind, target: string, reason: string, opts: ConfigErrorOptions): ReferenceNotFoundError {
    return new ReferenceNotFoundError(kind, target, reason, { ...opts, unresolved: this.tenant.incomplete });
  }

  getJobs(name: string): JobVariant[] {
    return this.jobs.get(name) ?? [];
  }

  /** The reference definition of a job; throws when it is not defined. */
  getJob(name: string, opts: ConfigErrorOptions = {}): JobVariant {
    const list = this.jobs.get(name);
    if (!list?.length) throw this.missing('job', name, `Job ${name} not defined`, opts);
    return list[0];
  }

  /** Adds a job variant; false when it yields to a shadowed project's definition. */
  addJob(job: JobVariant): boolean {
    const prior = this.jobs.get(job.name);
    if (prior?.length) {
      const priorProject = prior[0].source.canonicalProject;
      if (priorProject !== job.source.canonicalProject) {
        const tp = this.tenant.getProject(job.source.canonicalProject);
        if (tp?.shadowProjects.has(priorProject)) return false;
        throw new ConfigError('job-shadow',
          `Job ${job.name} in ${job.source.project} is not permitted to shadow job ${job.name} in ${prior[0].source.project || 'Zuul (built-in)'}`,
          originOptions(job, 'job', job.name));
      }
      prior.push(job);
    } else {
      this.jobs.set(job.name, [job]);
    }
    return true;
  }

  /** Nodesets, secrets, semaphores and queues: one definition, possibly repeated identically on branches. */
  private addIdentical<T extends { name: string }>(kind: string, map: Map<string, T>, obj: T, origin: Origin, same: (a: T, b: T) => boolean): void {
    const other = map.get(obj.name);
    if (!other) {
      map.set(obj.name, obj);
      return;
    }
    const otherOrigin = originOf(other);
    const opts = originOptions(origin, kind.toLowerCase(), obj.name);
    if (!otherOrigin || otherOrigin.source.canonicalProject !== origin.source.canonicalProject || otherOrigin.source.trusted !== origin.source.trusted) {
      throw new ConfigError('duplicate', `${kind} ${obj.name} already defined in project ${otherOrigin?.source.project ?? '(tenant)'}`, opts);
    }
    if (otherOrigin.source.branch === origin.source.branch) throw new ConfigError('duplicate', `${kind} ${obj.name} already defined`, opts);
    if (!same(obj, other)) {
      throw new ConfigError('duplicate', `${kind} ${obj.name} does not match existing definition in branch ${otherOrigin.source.branch}`, opts);
    }
  }

  addNodeSet(ns: NodeSet): void {
    this.addIdentical('Nodeset', this.nodesets as Map<string, NodeSet & { name: string }>, ns as NodeSet & { name: string }, ns.origin!, sameNodeSet);
  }

  addSecret(s: Secret): void {
    this.addIdentical('Secret', this.secrets, s, s, sameSecret);
  }

  addSemaphore(s: Semaphore): void {
    if (this.semaphores.get(s.name)?.global) {
      throw new ConfigError('duplicate', `Semaphore ${s.name} shadows a global semaphore and will be ignored`, originOptions(s.origin!, 'semaphore', s.name));
    }
    this.addIdentical('Semaphore', this.semaphores, s, s.origin!, (a, b) => a.max === b.max);
  }

  addQueue(q: Queue): void {
    this.addIdentical('Queue', this.queues, q, q, (a, b) => a.perBranch === b.perBranch &&
      a.allowCircularDependencies === b.allowCircularDependencies && a.dependenciesByTopic === b.dependenciesByTopic);
  }

  addPipeline(p: Pipeline): void {
    if (this.pipelines.has(p.name)) throw new ConfigError('duplicate', `Pipeline ${p.name} is already defined`, originOptions(p, 'pipeline', p.name));
    this.pipelines.set(p.name, p);
  }

  addProjectTemplate(t: ProjectConfig): void {
    const list = this.projectTemplates.get(t.name);
    if (list) {
      if (list[0].source.canonicalProject !== t.source.canonicalProject) {
        throw new ConfigError('duplicate', `Project template ${t.name} is already defined`, originOptions(t, 'project-template', t.name));
      }
      list.push(t);
    } else {
      this.projectTemplates.set(t.name, [t]);
    }
  }

  addProjectConfig(pc: ProjectConfig): void {
    const list = this.projectConfigs.get(pc.name);
    if (list) list.push(pc);
    else this.projectConfigs.set(pc.name, [pc]);
    const md = this.projectMetadata.get(pc.name) ?? {};
    if (md.mergeMode === undefined && pc.mergeMode !== undefined) md.mergeMode = pc.mergeMode;
    if (md.defaultBranch === undefined && pc.defaultBranch !== undefined) md.defaultBranch = pc.defaultBranch;
    if (md.queueName === undefined && pc.queueName !== undefined) md.queueName = pc.queueName;
    this.projectMetadata.set(pc.name, md);
  }

  getProjectTemplates(name: string, opts: ConfigErrorOptions = {}): ProjectConfig[] {
    const list = this.projectTemplates.get(name);
    if (!list) throw this.missing('project-template', name, `Project template ${name} not found`, opts);
    return list;
  }

  /** Semaphore by name: tenant-defined, global, or implied with max 1 (as Zuul). */
  getSemaphore(name: string): Semaphore {
    return this.semaphores.get(name) ?? { name, max: 1, global: false };
  }

  /** Resolves a project name (short or canonical) to its canonical name. */
  canonicalName(project: string): string | undefined {
    return this.tenant.getProject(project)?.canonicalName;
  }

  getProjectMetadata(project: string): ProjectMetadata | undefined {
    const cn = this.canonicalName(project) ?? project;
    return this.projectMetadata.get(cn);
  }

  /**
   * The shared queue a project's items use in a pipeline (dependent and
   * serial managers): the project's `queue` name and the `queue` object of
   * that name if any. Without a name each project has its own queue.
   */
  getProjectQueue(project: string): { name: string | undefined; queue: Queue | undefined } {
    const name = this.getProjectMetadata(project)?.queueName;
    return { name, queue: name ? this.queues.get(name) : undefined };
  }

  /**
   * The project-pipeline configuration for an item of `change.project` on
   * its branch in `pipeline`, or null when the project does not take part
   * in that pipeline there (Zuul's Layout.getProjectPipelineConfig). Throws
   * ReferenceNotFoundError when a template the project uses is missing.
   */
  getProjectPipelineConfig(change: ChangeRef, pipeline: string): ItemPipelineConfig | null {
    const cn = this.canonicalName(change.project);
    if (!cn) return null;
    const ppc: ItemPipelineConfig = { jobs: new Map(), variables: {}, debug: false, failFast: undefined, debugMessages: [] };
    let inPipeline = false;
    const update = (pp: ProjectPipeline) => {
      if (pp.debug) ppc.debug = true;
      if (ppc.failFast === undefined) ppc.failFast = pp.failFast;
      for (const [name, variants] of pp.jobs) {
        const list = ppc.jobs.get(name) ?? [];
        for (const v of variants) if (!list.includes(v)) list.push(v);
        ppc.jobs.set(name, list);
      }
    };
    for (const pc of this.projectConfigs.get(cn) ?? []) {
      const where = `${pc.source.project}/${pc.source.path}@${pc.source.branch}:${pc.line}`;
      if (!matchesAnyBranch(pc.branchMatchers, change)) {
        ppc.debugMessages.push(`Project ${pc.name} (${where}) did not match`);
        continue;
      }
      ppc.debugMessages.push(`Project ${pc.name} (${where}) matched`);
      for (const tname of pc.templates) {
        // A missing template is an error for the item, as in Zuul (it is also in layout.errors).
        for (const template of this.getProjectTemplates(tname, originOptions(pc, 'project', change.project, 'templates'))) {
          const tpp = template.pipelines.get(pipeline);
          if (!tpp) continue;
          if (!matchesAnyBranch(template.branchMatchers, change)) {
            ppc.debugMessages.push(`Project template ${template.name} did not match`);
            continue;
          }
          ppc.debugMessages.push(`Project template ${template.name} matched`);
          inPipeline = true;
          update(tpp);
          ppc.variables = deepUpdate(ppc.variables, template.variables);
        }
      }
      ppc.variables = deepUpdate(ppc.variables, pc.variables);
      const pp = pc.pipelines.get(pipeline);
      if (pp) {
        inPipeline = true;
        update(pp);
      }
    }
    return inPipeline ? ppc : null;
  }

  /** Every job variant of the layout (top-level definitions). */
  *allJobVariants(): Iterable<JobVariant> {
    for (const list of this.jobs.values()) yield* list;
  }

  /** Flattens a nodeset's alternatives breadth-first into the nodesets to try. */
  flattenNodeset(nodeset: string | NodeSet, opts: ConfigErrorOptions = {}, history: NodeSet[] = []): NodeSet[] {
    let ns: NodeSet | undefined;
    if (typeof nodeset === 'string') {
      ns = this.nodesets.get(nodeset);
      if (!ns) throw this.missing('nodeset', nodeset, `The nodeset "${nodeset}" was not found.`, opts);
    } else {
      ns = nodeset;
    }
    if (history.includes(ns)) throw new ConfigError('nodeset-cycle', `Nodeset cycle detected on "${typeof nodeset === 'string' ? nodeset : ns.name ?? ''}"`, opts);
    history.push(ns);
    if (ns.alternatives.length === 0) return [ns];
    const out: NodeSet[] = [];
    for (const alt of ns.alternatives) out.push(...this.flattenNodeset(alt, opts, history));
    return out;
  }

  /** A summary of what the layout holds. */
  counts(): Record<string, number> {
    let jobVariants = 0;
    for (const l of this.jobs.values()) jobVariants += l.length;
    let projectStanzas = 0;
    for (const l of this.projectConfigs.values()) projectStanzas += l.length;
    let templateStanzas = 0;
    for (const l of this.projectTemplates.values()) templateStanzas += l.length;
    return {
      pipelines: this.pipelines.size,
      jobs: this.jobs.size,
      jobVariants,
      nodesets: this.nodesets.size,
      secrets: this.secrets.size,
      semaphores: [...this.semaphores.values()].filter((s) => !s.global).length,
      queues: this.queues.size,
      projectTemplates: this.projectTemplates.size,
      projectTemplateStanzas: templateStanzas,
      projects: this.projectConfigs.size,
      projectStanzas,
    };
  }
}

function originOf(obj: unknown): Origin | undefined {
  const o = obj as Partial<Origin> & { origin?: Origin };
  if (o.origin) return o.origin;
  if (o.source && o.line !== undefined) return o as Origin;
  return undefined;
}

// ------------------------------------------------------------------ validation

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
