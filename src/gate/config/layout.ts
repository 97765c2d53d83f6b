// A tenant's layout: every configuration object of the tenant, combined as
// Zuul combines them (model.py Layout), with references checked. Objects
// that fail are left out and their errors kept; the rest of the layout
// stays usable. layout-assembly.ts adds the parsed objects in Zuul's order
// and validates what spans them.

import {
  ConfigError, LoadingErrors, ReferenceNotFoundError, type ConfigErrorOptions,
  type ReferenceKind,
} from './errors.js';
import { sameNodeSet } from './nodeset-parser.js';
import { matchesAnyBranch, type ChangeRef } from './change-matcher.js';
import {
  type JobVariant, type NodeSet, type Origin, type Pipeline, type ProjectConfig, type ProjectMetadata, type ProjectPipeline, type Queue, type Secret, type Semaphore, type SourceContext,
} from './model.js';
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
