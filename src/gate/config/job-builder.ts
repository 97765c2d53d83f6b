// Building a frozen job from its variants: the first collected variant is
// the base, every later one is applied on top (Zuul's Job.setBase and
// Job.applyVariant), with Zuul's rules for final, protected, abstract and
// intermediate jobs, attribute-control, and !override / !inherit.

import { createHash } from 'node:crypto';
import { JobConfigurationError, type ConfigErrorOptions } from './errors.js';
import type { FrozenJob, FrozenNodeSet, FrozenSecret, FrozenStep } from './frozen-job.js';
import type { Layout } from './layout.js';
import { deepUpdate } from './layout.js';
import type {
  IncludeVars, JobDependency, JobProject, JobRole, JobSemaphore, JobVariant, NodeSet, OverridableAttr, RunStep, SecretUse,
} from './model.js';
import type { ZuulRegex } from './regex.js';

const EXECUTION_ATTRS = [
  'parent', 'timeout', 'postTimeout', 'vars', 'extraVars', 'hostVars', 'groupVars', 'includeVars', 'nodeset', 'preRun',
  'postRun', 'cleanupRun', 'run', 'ansibleSplitStreams', 'ansibleVersion', 'semaphores', 'attempts', 'final', 'abstract',
  'intermediate', 'protected', 'roles', 'requiredProjects', 'allowedProjects', 'overrideBranch', 'overrideCheckout',
  'postReview', 'workspaceScheme', 'workspaceCheckout', 'failureOutput', 'imageBuildName',
] as const;

const CONTEXT_ATTRS = [
  'voting', 'holdFollowingChanges', 'failureMessage', 'successMessage', 'branches', 'files', 'irrelevantFiles',
  'matchOnConfigUpdates', 'deduplicate', 'tags', 'provides', 'requires', 'dependencies', 'ignoreAllowedProjects',
] as const;

/** Attributes combined rather than replaced when a variant applies (handled one by one below). */
const COMBINED = new Set<string>([
  'preRun', 'run', 'postRun', 'cleanupRun', 'roles', 'vars', 'extraVars', 'hostVars', 'groupVars', 'requiredProjects',
  'allowedProjects', 'semaphores', 'failureOutput', 'includeVars',
]);

/** Zuul's default override control: true replaces, false merges. */
const DEFAULT_OVERRIDE: Record<string, boolean> = {
  files: true, irrelevantFiles: true, tags: false, provides: false, requires: false, dependencies: true, vars: false,
  extraVars: false, hostVars: false, groupVars: false, includeVars: false, requiredProjects: false, failureOutput: false,
};

function overrides(v: JobVariant, attr: string): boolean {
  return v.overrideControl[attr as OverridableAttr] ?? DEFAULT_OVERRIDE[attr] ?? true;
}

export function describeVariant(v: JobVariant): string {
  const where = v.source.project ? `${v.source.project}/${v.source.path}@${v.source.branch}:${v.line}` : v.source.path;
  return `${v.name} (${where})`;
}

function variantOptions(v: JobVariant, attr?: string): ConfigErrorOptions {
  return {
    location: v.source.project ? { project: v.source.project, branch: v.source.branch, path: v.source.path, line: v.line } : undefined,
    stanza: 'job', objectName: v.name, attr,
  };
}

type Mutable = Record<string, unknown>;

/** The job being frozen: JobVariant fields plus bookkeeping. */
export class JobBuilder {
  readonly attrs: Mutable = {};
  name: string;
  finalControl: Record<string, true> = {};
  protectedOrigin?: string;
  inheritancePath: string[] = [];
  secretsByStep = new Map<RunStep, SecretUse[]>();
  nesting = new Map<RunStep, number>();
  /** The job's own reference definition (its first variant), for its parent and location. */
  reference: JobVariant;

  /** Zuul's copy() + setBase(): the first variant collected. */
  constructor(base: JobVariant) {
    this.reference = base;
    this.name = base.name;
    for (const k of [...EXECUTION_ATTRS, ...CONTEXT_ATTRS]) {
      const v = (base as unknown as Mutable)[k];
      if (v !== undefined) this.attrs[k] = v;
    }
    this.finalControl = { ...base.finalControl } as Record<string, true>;
    for (const k of ['preRun', 'run', 'postRun', 'cleanupRun'] as const) {
      for (const s of base[k] ?? []) this.nesting.set(s, 0);
    }
    this.inheritancePath.push(describeVariant(base));
  }

  get<T>(k: string): T | undefined {
    return this.attrs[k] as T | undefined;
  }

  get final(): boolean { return this.get<boolean>('final') ?? false; }
  get abstract(): boolean { return this.get<boolean>('abstract') ?? false; }
  get intermediate(): boolean { return this.get<boolean>('intermediate') ?? false; }

  private handleFinalControl(other: JobVariant, attr: string): void {
    if ((other as unknown as Mutable)[attr] !== undefined && this.finalControl[attr]) {
      throw new JobConfigurationError('final-attribute',
        `Unable to modify job ${this.name} final attribute ${attr} with variant ${describeVariant(other)}`, variantOptions(other, attr));
    }
    if (other.finalControl[attr]) this.finalControl = { ...this.finalControl, [attr]: true };
  }

  private steps(list: RunStep[]): RunStep[] {
    const level = this.inheritancePath.length;
    for (const s of list) this.nesting.set(s, level);
    return list;
  }

  /** Zuul's Job.applyVariant. */
  applyVariant(other: JobVariant, layout: Layout): void {
    const o = other as unknown as Mutable;
    for (const k of EXECUTION_ATTRS) {
      if (o[k] === undefined || k === 'final' || k === 'abstract' || k === 'protected' || k === 'intermediate') continue;
      if (this.final) {
        throw new JobConfigurationError('final-job',
          `Unable to modify final job ${this.name} attribute ${k} with variant ${describeVariant(other)}`, variantOptions(other, k));
      }
      if (this.protectedOrigin && this.protectedOrigin !== other.source.canonicalProject) {
        throw new JobConfigurationError('protected-job',
          `Job ${this.name} which is defined in ${this.protectedOrigin} is protected and cannot be inherited from other projects.`,
          variantOptions(other, k));
      }
      if (!COMBINED.has(k)) this.attrs[k] = o[k];
    }
    if (other.final) this.attrs.final = true;

    // Abstract and intermediate are reset by inheriting, never by a variant.
    if (other.name !== this.name) this.attrs.abstract = other.abstract ?? false;
    else if (other.abstract) this.attrs.abstract = true;
    if (this.intermediate && !other.abstract) {
      throw new JobConfigurationError('intermediate-job',
        `Intermediate job ${this.name} may only be inherited by another abstract job`, variantOptions(other, 'abstract'));
    }
    if (other.name !== this.name) this.attrs.intermediate = other.intermediate ?? false;
    else if (other.intermediate) this.attrs.intermediate = true;

    if (other.protected !== undefined) {
      if (!other.protected && this.protectedOrigin) {
        throw new JobConfigurationError('protected-job', `Unable to reset protected attribute of job ${this.name} by job ${describeVariant(other)}`,
          variantOptions(other, 'protected'));
      }
      if (other.protected && !this.protectedOrigin) this.protectedOrigin = other.source.canonicalProject;
      this.attrs.protected = (this.get<boolean>('protected') ?? false) || other.protected;
    }

    if (other.roles) {
      const roles = [...(this.get<JobRole[]>('roles') ?? [])];
      for (const r of [...other.roles].reverse()) {
        const i = roles.findIndex((x) => x.kind === r.kind && x.target === r.target && x.name === r.name);
        if (i === -1) roles.unshift(r);
        else if (roles[i].implicit && !r.implicit) roles[i] = r;
      }
      this.attrs.roles = roles;
    }

    if (this.attrs.nodeset !== undefined) this.attrs.nodeset = this.resolveNodeset(layout, this.attrs.nodeset as string | NodeSet, other);

    // Secrets passed to parents become usable by the steps inherited so far.
    const passed = other.secrets.filter((s) => s.passToParent);
    if (passed.length) {
      for (const k of ['preRun', 'run', 'postRun', 'cleanupRun']) {
        for (const s of this.get<RunStep[]>(k) ?? []) {
          const own = this.secretsByStep.get(s) ?? s.secrets;
          this.secretsByStep.set(s, [...own, ...passed.filter((p) => !own.some((x) => x.alias === p.alias))]);
          if (!s.source.trusted) this.attrs.postReview = true;
        }
      }
    }

    if (other.run) this.attrs.run = this.steps(other.run);
    if (other.preRun) this.attrs.preRun = [...(this.get<RunStep[]>('preRun') ?? []), ...this.steps(other.preRun)];
    if (other.postRun) this.attrs.postRun = [...this.steps(other.postRun), ...(this.get<RunStep[]>('postRun') ?? [])];
    if (other.cleanupRun) this.attrs.cleanupRun = [...this.steps(other.cleanupRun), ...(this.get<RunStep[]>('cleanupRun') ?? [])];

    for (const k of ['vars', 'extraVars', 'hostVars', 'groupVars'] as const) {
      this.handleFinalControl(other, k);
      if (other[k] === undefined) continue;
      this.attrs[k] = overrides(other, k) ? other[k] : deepUpdate((this.get<Mutable>(k) ?? {}), other[k] as Mutable);
    }
    if (other.includeVars) {
      this.handleFinalControl(other, 'includeVars');
      if (overrides(other, 'includeVars')) {
        this.attrs.includeVars = other.includeVars;
      } else {
        const list = [...(this.get<IncludeVars[]>('includeVars') ?? [])];
        for (const iv of other.includeVars) if (!list.some((x) => JSON.stringify(x) === JSON.stringify(iv))) list.push(iv);
        this.attrs.includeVars = list;
      }
    }
    if (other.requiredProjects) {
      this.handleFinalControl(other, 'requiredProjects');
      const map = new Map<string, JobProject>();
      if (!overrides(other, 'requiredProjects')) for (const p of this.get<JobProject[]>('requiredProjects') ?? []) map.set(p.project, p);
      for (const p of other.requiredProjects) map.set(p.project, p);
      this.attrs.requiredProjects = [...map.values()];
    }
    if (other.allowedProjects) {
      const mine = this.get<string[]>('allowedProjects');
      this.attrs.allowedProjects = mine ? mine.filter((p) => other.allowedProjects!.includes(p)) : other.allowedProjects;
    }
    if (other.semaphores) {
      const map = new Map<string, JobSemaphore>();
      for (const s of [...(this.get<JobSemaphore[]>('semaphores') ?? []), ...other.semaphores]) map.set(JSON.stringify(s), s);
      this.attrs.semaphores = [...map.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    if (other.failureOutput) {
      this.handleFinalControl(other, 'failureOutput');
      this.attrs.failureOutput = overrides(other, 'failureOutput') ? other.failureOutput
        : [...new Set([...(this.get<string[]>('failureOutput') ?? []), ...other.failureOutput])].sort();
    }

    const stepSemaphores = new Set<string>();
    for (const k of ['preRun', 'run', 'postRun', 'cleanupRun']) for (const s of this.get<RunStep[]>(k) ?? []) for (const n of s.semaphores) stepSemaphores.add(n);
    const common = (this.get<JobSemaphore[]>('semaphores') ?? []).map((s) => s.name).filter((n) => stepSemaphores.has(n));
    if (common.length) {
      throw new JobConfigurationError('semaphore-conflict',
        `Semaphores ${common.join(', ')} specified as both job and playbook semaphores but may only be used for one`, variantOptions(other, 'semaphores'));
    }

    for (const k of CONTEXT_ATTRS) {
      const v = o[k];
      if (v === undefined) continue;
      this.handleFinalControl(other, k);
      if (overrides(other, k)) {
        this.attrs[k] = v;
      } else if (k === 'files' || k === 'irrelevantFiles') {
        const mine = this.get<ZuulRegex[]>(k) ?? [];
        const merged = [...mine];
        for (const r of v as ZuulRegex[]) if (!merged.some((m) => m.equals(r))) merged.push(r);
        this.attrs[k] = merged;
      } else if (k === 'dependencies') {
        const merged = [...(this.get<JobDependency[]>(k) ?? [])];
        for (const d of v as JobDependency[]) if (!merged.some((m) => m.name === d.name && m.soft === d.soft)) merged.push(d);
        this.attrs[k] = merged;
      } else {
        this.attrs[k] = [...new Set([...(this.get<string[]>(k) ?? []), ...(v as string[])])];
      }
    }
    this.inheritancePath.push(describeVariant(other));
  }

  private resolveNodeset(layout: Layout, ns: string | NodeSet, other: JobVariant): NodeSet {
    if (typeof ns !== 'string') return ns;
    const found = layout.nodesets.get(ns);
    if (!found) throw new JobConfigurationError('nodeset-not-found', `The nodeset "${ns}" was not found.`, variantOptions(other, 'nodeset'));
    return found;
  }

  /** Zuul's updateProjectVariables: project and template vars sit under the job's own. */
  updateProjectVariables(projectVars: Record<string, unknown>): void {
    this.attrs.vars = deepUpdate(projectVars, this.get<Mutable>('vars') ?? {});
  }

  /** Resolves steps, nodesets, semaphores and secrets into a FrozenJob. */
  freeze(layout: Layout, matchesFiles: boolean): FrozenJob {
    const g = <T>(k: string, d: T): T => (this.attrs[k] === undefined ? d : this.attrs[k] as T);
    const frozenSecrets: FrozenSecret[] = [];
    const freezeSteps = (k: string): FrozenStep[] => g<RunStep[]>(k, []).map((s) => {
      const uses = this.secretsByStep.get(s) ?? s.secrets;
      for (const u of uses) {
        const secret = layout.secrets.get(u.secret);
        if (!secret) {
          throw new JobConfigurationError('secret-not-found', `Secret ${u.secret} not found`, {
            location: { project: s.source.project, branch: s.source.branch, path: s.source.path, line: s.line }, stanza: 'job', objectName: this.name,
          });
        }
        if (!frozenSecrets.some((f) => f.alias === u.alias && f.secret === u.secret)) {
          frozenSecrets.push({ alias: u.alias, secret: u.secret, project: secret.source.project, data: secret.data });
        }
      }
      return {
        kind: s.kind,
        command: s.command,
        trusted: s.source.trusted,
        project: s.source.project,
        branch: s.source.branch,
        path: s.source.path,
        line: s.line,
        semaphores: s.semaphores,
        cleanup: s.cleanup,
        secrets: uses.map((u) => u.alias),
        nestingLevel: this.nesting.get(s) ?? 0,
      };
    });
    const preRun = freezeSteps('preRun');
    const run = freezeSteps('run');
    const postRun = freezeSteps('postRun');
    const cleanupRun = freezeSteps('cleanupRun');
    const nsAttr = this.attrs.nodeset as string | NodeSet | undefined;
    const alternatives = nsAttr === undefined ? [{ nodes: [], groups: [], alternatives: [] } as NodeSet]
      : layout.flattenNodeset(nsAttr, { stanza: 'job', objectName: this.name, attr: 'nodeset' });
    const frozenNs = (ns: NodeSet): FrozenNodeSet => ({
      ...(ns.name ? { name: ns.name } : {}),
      nodes: ns.nodes.map((n) => ({ name: [...n.name], label: n.label })),
      groups: ns.groups.map((gr) => ({ name: gr.name, nodes: [...gr.nodes] })),
    });
    const nodesetAlternatives = alternatives.map(frozenNs);
    const ref = this.reference;
    const job: Omit<FrozenJob, 'configHash'> = {
      name: this.name,
      description: ref.description,
      variantDescription: ref.variantDescription,
      parent: ref.parent === null ? null : ref.parent ?? (ref.name === layout.tenant.defaultParent ? null : layout.tenant.defaultParent),
      inheritancePath: this.inheritancePath,
      source: ref.source.project ? { project: ref.source.project, branch: ref.source.branch, path: ref.source.path, line: ref.line } : undefined,
      voting: g('voting', true),
      holdFollowingChanges: g('holdFollowingChanges', false),
      failureMessage: g<string | undefined>('failureMessage', undefined),
      successMessage: g<string | undefined>('successMessage', undefined),
      timeout: g<number | undefined>('timeout', undefined),
      postTimeout: g<number | undefined>('postTimeout', undefined),
      attempts: g('attempts', 3),
      preRun,
      run,
      postRun,
      cleanupRun,
      vars: g('vars', {}),
      extraVars: g('extraVars', {}),
      hostVars: g('hostVars', {}),
      groupVars: g('groupVars', {}),
      includeVars: g('includeVars', []),
      requiredProjects: g('requiredProjects', []),
      nodeset: nodesetAlternatives[0],
      nodesetAlternatives,
      semaphores: g<JobSemaphore[]>('semaphores', []).map((s) => ({ ...s, max: layout.getSemaphore(s.name).max })),
      dependencies: g('dependencies', []),
      tags: g('tags', []),
      provides: g('provides', []),
      requires: g('requires', []),
      secrets: frozenSecrets,
      roles: g('roles', []),
      overrideBranch: g<string | undefined>('overrideBranch', undefined),
      overrideCheckout: g<string | undefined>('overrideCheckout', undefined),
      allowedProjects: g<string[] | undefined>('allowedProjects', undefined),
      postReview: g('postReview', false),
      final: this.final,
      abstract: this.abstract,
      intermediate: this.intermediate,
      protected: g('protected', false),
      matchOnConfigUpdates: g('matchOnConfigUpdates', true),
      deduplicate: g<boolean | 'auto'>('deduplicate', 'auto'),
      workspaceScheme: g('workspaceScheme', 'golang'),
      workspaceCheckout: g<boolean | 'auto'>('workspaceCheckout', true),
      failureOutput: g('failureOutput', []),
      ansibleVersion: g<string | undefined>('ansibleVersion', undefined),
      files: g<ZuulRegex[]>('files', []).map((r) => r.pattern),
      irrelevantFiles: g<ZuulRegex[]>('irrelevantFiles', []).map((r) => r.pattern),
      matchesFiles,
    };
    return { ...job, configHash: configHash(job) };
  }
}

/**
 * What the job does, without where it is written: two layouts giving the
 * same hash run the same job (file matchers and descriptions excluded, as
 * Zuul's Job.getConfigHash).
 */
export function configHash(job: Omit<FrozenJob, 'configHash'>): string {
  const strip = (s: FrozenStep) => ({ kind: s.kind, command: s.command, trusted: s.trusted, project: s.project, semaphores: s.semaphores, cleanup: s.cleanup, secrets: s.secrets });
  const content = {
    ...job,
    description: undefined, variantDescription: undefined, inheritancePath: undefined, source: undefined,
    files: undefined, irrelevantFiles: undefined, matchesFiles: undefined,
    preRun: job.preRun.map(strip), run: job.run.map(strip), postRun: job.postRun.map(strip), cleanupRun: job.cleanupRun.map(strip),
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}
