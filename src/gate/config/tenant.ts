// A tenant with its projects resolved: which repositories exist, their
// branches, which are trusted (config projects) and what each may load.

import type { ConfigClass } from './model.js';
import type { TenantProjectView, TenantView } from './parse-context.js';
import type { ZuulRegex } from './regex.js';
import type { TenantConfig, TenantProjectEntry } from './tenant-config.js';

export interface TenantProject extends TenantProjectView {
  entry: TenantProjectEntry;
  /** The repository was found (and its branches read). */
  available: boolean;
  /** Its connection is implemented by Strata (`local`). */
  supported: boolean;
  defaultBranch: string;
  /** Branches whose configuration is loaded (default branch first). */
  branches: string[];
  loadClasses: Set<ConfigClass>;
  /** Canonical names of projects whose jobs this one's definitions yield to. */
  shadowProjects: Set<string>;
}

export class Tenant implements TenantView {
  readonly config: TenantConfig;
  /** Config projects first, then untrusted projects, in tenant file order. */
  readonly projects: TenantProject[];
  private readonly byName = new Map<string, TenantProject[]>();
  private readonly byCanonical = new Map<string, TenantProject>();
  readonly canonicalHostnames: Set<string>;

  constructor(config: TenantConfig, projects: TenantProject[]) {
    this.config = config;
    this.projects = projects;
    this.canonicalHostnames = new Set();
    for (const p of projects) {
      const list = this.byName.get(p.name) ?? [];
      list.push(p);
      this.byName.set(p.name, list);
      this.byCanonical.set(p.canonicalName, p);
      this.canonicalHostnames.add(p.canonicalName.slice(0, p.canonicalName.length - p.name.length - 1));
    }
  }

  get name(): string { return this.config.name; }
  get open(): boolean { return this.config.open === true; }
  get maxJobTimeout(): number { return this.config.maxJobTimeout; }
  get maxNodesPerJob(): number { return this.config.maxNodesPerJob; }
  get defaultParent(): string { return this.config.defaultParent; }
  get allowedTriggers(): string[] | undefined { return this.config.allowedTriggers; }
  get allowedReporters(): string[] | undefined { return this.config.allowedReporters; }
  get allowedLabels(): string[] | undefined { return this.config.allowedLabels; }
  get disallowedLabels(): string[] | undefined { return this.config.disallowedLabels; }
  get defaultAnsibleVersion(): string | undefined { return this.config.defaultAnsibleVersion; }

  get configProjects(): TenantProject[] {
    return this.projects.filter((p) => p.trusted);
  }

  get untrustedProjects(): TenantProject[] {
    return this.projects.filter((p) => !p.trusted);
  }

  /**
   * Some project that should contribute configuration could not be read, so
   * references to objects not found may be defined there.
   */
  get incomplete(): boolean {
    return this.open || this.projects.some((p) => !p.available && p.loadClasses.size > 0);
  }

  /** By name (`org/a`) or canonical name (`host/org/a`), as Zuul's Tenant.getProject. */
  getProject(name: string): TenantProject | undefined {
    const exact = this.byCanonical.get(name);
    if (exact) return exact;
    const slash = name.indexOf('/');
    if (slash > 0 && this.canonicalHostnames.has(name.slice(0, slash))) {
      return this.byCanonical.get(name);
    }
    const list = this.byName.get(name);
    if (!list) return undefined;
    if (list.length > 1) throw new Error(`Project name '${name}' is ambiguous, please fully qualify the project with a hostname`);
    return list[0];
  }

  projectsByRegex(regex: ZuulRegex): TenantProject[] {
    const out: TenantProject[] = [];
    for (const [name, list] of this.byName) {
      if (regex.fullmatch(name)) out.push(...list);
      else for (const p of list) if (regex.fullmatch(p.canonicalName)) out.push(p);
    }
    return out;
  }
}
