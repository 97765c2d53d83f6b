// Loads a tenant's layout as Zuul does (configloader.py TenantParser): find
// the tenant's repositories, read the configuration of the config projects
// (their load branch) and of the untrusted projects (every branch), parse
// each object, then assemble and check the layout. Problems never stop the
// load: they are collected in layout.errors with file and line.

import {
  ConfigError, ConfigYamlError, LoadingErrors, toConfigError, type ConfigErrorOptions,
} from './errors.js';
import { parseJob } from './job-parser.js';
import { Layout } from './layout.js';
import { assembleLayout } from './layout-assembly.js';
import { CONFIG_CLASSES, type ConfigClass, type JobVariant, type NodeSet, type Pipeline, type ProjectConfig, type Queue, type Secret, type Semaphore, type SourceContext } from './model.js';
import { parseNodeSet } from './nodeset-parser.js';
import { defaultConnections, ParseContext, type ConfigItem, type ConnectionRegistry } from './parse-context.js';
import { parsePipeline } from './pipeline-parser.js';
import { applyPragma } from './pragma-parser.js';
import { parseProject, parseProjectTemplate } from './project-parser.js';
import { parseQueue } from './queue-parser.js';
import { ReaderError, type ConfigFile, type ConfigReader, type ConfigRoots } from './reader.js';
import { parseSecret } from './secret-parser.js';
import { parseSemaphore } from './semaphore-parser.js';
import { Tenant, type TenantProject } from './tenant.js';
import type { TenantConfig, TenantConfigFile, TenantProjectEntry } from './tenant-config.js';
import { isMapping } from './validate.js';
import { loadYaml, type ParsedYaml } from './yaml.js';
import { isSafeProjectName } from './git-reader.js';

/** The files Zuul reads a project's configuration from, in order; only the first one found is used. */
export const ZUUL_CONF_ROOTS = ['zuul.yaml', 'zuul.d', '.zuul.yaml', '.zuul.d'] as const;

/** Item types Zuul knows but Strata does not handle (nodepool-in-zuul objects). */
const UNSUPPORTED_ITEMS = new Set(['image', 'flavor', 'label', 'section', 'provider']);

/** Freezes parsed YAML: layouts built from a cache share it, so nobody may change it. */
function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

/** Caches parsed YAML by content id, so re-reading unchanged files costs nothing. */
export class ParseCache {
  private readonly entries = new Map<string, ParsedYaml | { error: ConfigYamlError }>();
  readonly maxEntries: number;
  hits = 0;
  misses = 0;

  constructor(maxEntries = 20000) {
    this.maxEntries = maxEntries;
  }

  parse(file: ConfigFile, location: { project: string; branch: string; path: string }): ParsedYaml {
    let entry = this.entries.get(file.id);
    if (entry) {
      this.hits++;
      this.entries.delete(file.id);
      this.entries.set(file.id, entry);
    } else {
      this.misses++;
      try {
        entry = loadYaml(file.content, { location });
        deepFreeze(entry.data);
      } catch (err) {
        if (!(err instanceof ConfigYamlError)) throw err;
        entry = { error: err };
      }
      this.entries.set(file.id, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    if ('error' in entry) {
      const e = entry.error;
      throw new ConfigYamlError(e.reason, { location: { ...location, line: e.location?.line, column: e.location?.column } });
    }
    return entry;
  }
}

export interface LoadOptions {
  /** Connections by name (default: `local`, `timer`, and known foreign names reported as unsupported). */
  connections?: ConnectionRegistry;
  /** Parsed-YAML cache shared between loads (speculative layouts re-read mostly unchanged files). */
  cache?: ParseCache;
  /** How many repositories to read at once. */
  concurrency?: number;
  /** The tenant file's global semaphores (those the tenant lists become usable). */
  globalSemaphores?: Semaphore[];
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

function tenantFileOpts(tenant: TenantConfig, line: number, name?: string): ConfigErrorOptions {
  return { location: { path: tenant.path, line }, stanza: 'tenant', objectName: name ?? tenant.name };
}

/** Applies a tenant project's include/exclude-branches to its branch list; default branch first. */
export function filterBranches(entry: TenantProjectEntry, branches: string[], defaultBranch: string): string[] {
  const included = branches.filter((b) => {
    if (entry.includeBranches) return entry.includeBranches.some((r) => r.fullmatch(b));
    if (entry.excludeBranches) return !entry.excludeBranches.some((r) => r.fullmatch(b));
    return true;
  });
  const sorted = [...included].sort();
  if (sorted.includes(defaultBranch)) return [defaultBranch, ...sorted.filter((b) => b !== defaultBranch)];
  return sorted;
}

/** Resolves the tenant's projects against the reader. */
export async function resolveTenant(tenant: TenantConfig, reader: ConfigReader, errors: LoadingErrors, opts: LoadOptions = {}): Promise<Tenant> {
  const connections = opts.connections ?? defaultConnections();
  const entries: TenantProjectEntry[] = [];
  const supportedByConnection = new Map<string, boolean>();
  for (const source of tenant.sources) {
    const info = connections[source.connection];
    if (!info) {
      errors.add(new ConfigError('unknown-connection', `Unknown connection named "${source.connection}"`, tenantFileOpts(tenant, source.line)));
      continue;
    }
    if (!info.supported) {
      errors.add(new ConfigError('unsupported-connection',
        `connection "${source.connection}" is not available in Strata (only "local" is); its ${source.projects.length} projects are read from the local repositories where present`,
        { ...tenantFileOpts(tenant, source.line), severity: 'warning' }));
    }
    supportedByConnection.set(source.connection, info.supported);
    entries.push(...source.projects);
  }
  // Config projects load first, then untrusted ones, each in file order.
  const ordered = [...entries.filter((e) => e.trusted), ...entries.filter((e) => !e.trusted)];
  const results = await mapLimit(ordered, opts.concurrency ?? 8, async (entry) => {
    if (!isSafeProjectName(entry.name)) return { entry, branches: null, error: `invalid project name "${entry.name}"` };
    try {
      return { entry, branches: await reader.getBranches(entry.name), error: undefined };
    } catch (err) {
      return { entry, branches: null, error: (err as Error).message };
    }
  });
  const projects: TenantProject[] = [];
  const seen = new Map<string, TenantProjectEntry>();
  for (const { entry, branches, error } of results) {
    const info = connections[entry.connection];
    const canonicalName = `${info.canonicalHostname}/${entry.name}`;
    if (seen.has(canonicalName)) {
      errors.add(new ConfigError('duplicate-project', `Project ${entry.name} appears more than once in tenant ${tenant.name} (first at line ${seen.get(canonicalName)!.line})`,
        tenantFileOpts(tenant, entry.line)));
      continue;
    }
    seen.set(canonicalName, entry);
    const supported = supportedByConnection.get(entry.connection) ?? false;
    if (error) {
      errors.add(new ConfigError('project-not-found', `Project ${entry.name}: ${error}`, tenantFileOpts(tenant, entry.line)));
    } else if (!branches) {
      if (supported) {
        errors.add(new ConfigError('project-not-found',
          `Project ${entry.name} of connection "${entry.connection}" not found: no git repository ${entry.name} under the git root`,
          tenantFileOpts(tenant, entry.line)));
      } else if (entry.loadClasses.size > 0) {
        errors.add(new ConfigError('unresolved-project',
          `Project ${entry.name} of connection "${entry.connection}" is not available; its configuration is not loaded`,
          { ...tenantFileOpts(tenant, entry.line), severity: 'warning' }));
      }
    }
    const defaultBranch = branches?.defaultBranch ?? 'master';
    projects.push({
      name: entry.name,
      canonicalName,
      connection: entry.connection,
      trusted: entry.trusted,
      configureProjects: entry.configureProjects,
      entry,
      available: !!branches,
      supported,
      defaultBranch,
      branches: branches ? filterBranches(entry, branches.branches, defaultBranch) : [],
      loadClasses: entry.loadClasses,
      shadowProjects: new Set(),
    });
  }
  const resolved = new Tenant(tenant, projects);
  for (const p of projects) {
    for (const s of p.entry.shadow) {
      const other = resolved.getProject(s);
      if (!other) errors.add(new ConfigError('project-not-found', `Project ${s} (shadowed by ${p.name}) was not found`, tenantFileOpts(tenant, p.entry.line)));
      else p.shadowProjects.add(other.canonicalName);
    }
  }
  return resolved;
}

/**
 * The files of one project-branch Zuul loads: the first of zuul.yaml,
 * zuul.d/, .zuul.yaml, .zuul.d/ present (a warning when several are), then
 * the tenant's extra-config-paths.
 */
export function selectProjectFiles(files: ConfigFile[], project: TenantProject): { files: ConfigFile[]; multiple: string[] } {
  const out: ConfigFile[] = [];
  const roots: string[] = [];
  let loaded: string | undefined;
  for (const root of ZUUL_CONF_ROOTS) {
    const isDir = root.endsWith('.d');
    const matching = files.filter((f) => (isDir ? f.path.startsWith(`${root}/`) : f.path === root));
    if (!matching.length) continue;
    if (loaded === undefined) {
      loaded = root;
      out.push(...matching);
    } else {
      roots.push(root);
    }
  }
  for (const extra of project.entry.extraConfigFiles) out.push(...files.filter((f) => f.path === extra));
  for (const dir of project.entry.extraConfigDirs) out.push(...files.filter((f) => f.path.startsWith(`${dir}/`)));
  return { files: out, multiple: roots.length ? [loaded!, ...roots] : [] };
}

export function configRoots(project: TenantProject): ConfigRoots {
  return {
    files: ['zuul.yaml', '.zuul.yaml', ...project.entry.extraConfigFiles],
    dirs: ['zuul.d', '.zuul.d', ...project.entry.extraConfigDirs],
  };
}

/** The branches whose configuration a project contributes. */
export function loadBranches(project: TenantProject): string[] {
  if (project.trusted) return [project.entry.loadBranch ?? project.defaultBranch];
  return project.branches;
}

/** Splits a parsed file into its items, reporting malformed ones. */
export function splitItems(doc: ParsedYaml, source: SourceContext, errors: LoadingErrors): ConfigItem[] {
  const { data, marks } = doc;
  const loc = (line?: number) => ({ location: { project: source.project, branch: source.branch, path: source.path, line } });
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) {
    errors.add(new ConfigError('schema', 'Configuration must be a list of items (each a dictionary with one key: job, project, pipeline…)',
      loc(marks.line(data) ?? 1)));
    return [];
  }
  const items: ConfigItem[] = [];
  data.forEach((entry, i) => {
    const line = marks.itemLine(data, i);
    if (!isMapping(entry) || Object.keys(entry).length !== 1) {
      errors.add(new ConfigError('schema', 'Each configuration item must be a dictionary with exactly one key', loc(line)));
      return;
    }
    const [type] = Object.keys(entry);
    const body = entry[type];
    const itemLine = marks.keyLine(entry, type) ?? line ?? 1;
    if (!isMapping(body)) {
      errors.add(new ConfigError('schema', `The ${type} item must be a dictionary`, { ...loc(itemLine), stanza: type }));
      return;
    }
    if (UNSUPPORTED_ITEMS.has(type)) {
      errors.add(new ConfigError('unsupported-object', `${type} objects (Zuul's nodepool configuration) are not supported by Strata; ignored`,
        { ...loc(itemLine), stanza: type, objectName: typeof body.name === 'string' ? body.name : undefined, severity: 'warning' }));
      return;
    }
    if (type !== 'pragma' && !(CONFIG_CLASSES as readonly string[]).includes(type)) {
      errors.add(new ConfigError('schema', `Unknown configuration item "${type}"`, { ...loc(itemLine), stanza: type }));
      return;
    }
    items.push({ type, body, source, line: itemLine, marks });
  });
  return items;
}

export interface ParsedObjects {
  pipelines: Pipeline[];
  nodesets: NodeSet[];
  secrets: Secret[];
  jobs: JobVariant[];
  semaphores: Semaphore[];
  queues: Queue[];
  templates: ProjectConfig[];
  projects: ProjectConfig[];
  /** Items seen per type (including those that failed to parse). */
  seen: Record<string, number>;
}

/** Parses items in Zuul's order (pragmas first, then by class), keeping those the project may load. */
export function parseItems(ctx: ParseContext, items: ConfigItem[], loadClasses: (item: ConfigItem) => Set<ConfigClass>): ParsedObjects {
  const out: ParsedObjects = { pipelines: [], nodesets: [], secrets: [], jobs: [], semaphores: [], queues: [], templates: [], projects: [], seen: {} };
  const byType = new Map<string, ConfigItem[]>();
  for (const item of items) {
    out.seen[item.type] = (out.seen[item.type] ?? 0) + 1;
    const list = byType.get(item.type) ?? [];
    list.push(item);
    byType.set(item.type, list);
  }
  const each = <T>(type: string, fn: (item: ConfigItem) => T, push: (v: T) => void) => {
    for (const item of byType.get(type) ?? []) {
      // Zuul rejects pipelines of untrusted projects before looking at the classes they may load.
      const forbiddenPipeline = type === 'pipeline' && !item.source.trusted;
      if (type !== 'pragma' && !forbiddenPipeline && !loadClasses(item).has(type as ConfigClass)) continue;
      try {
        push(fn(item));
      } catch (err) {
        ctx.errors.add(toConfigError(err, ctx.at(item)));
      }
    }
  };
  each('pragma', (item) => applyPragma(ctx, item), () => undefined);
  const pipelineFiles = new Set<string>();
  each('pipeline', (item) => {
    if (!item.source.trusted) {
      const key = `${item.source.project}\0${item.source.branch}`;
      if (pipelineFiles.has(key)) return null;
      pipelineFiles.add(key);
      throw new ConfigError('pipeline-not-permitted', 'Pipelines may not be defined in untrusted repos, they may only be defined in config repos.', ctx.at(item));
    }
    return parsePipeline(ctx, item);
  }, (p) => { if (p) out.pipelines.push(p); });
  each('nodeset', (item) => parseNodeSet(ctx, item, item.body), (v) => out.nodesets.push(v));
  each('secret', (item) => parseSecret(ctx, item), (v) => out.secrets.push(v));
  each('job', (item) => parseJob(ctx, item, item.body), (v) => out.jobs.push(v));
  each('semaphore', (item) => parseSemaphore(ctx, item), (v) => out.semaphores.push(v));
  each('queue', (item) => parseQueue(ctx, item), (v) => out.queues.push(v));
  each('project-template', (item) => parseProjectTemplate(ctx, item), (v) => out.templates.push(v));
  each('project', (item) => parseProject(ctx, item), (v) => out.projects.push(v));
  return out;
}

export interface LoadedTenant {
  layout: Layout;
  /** Items read, per type. */
  seen: Record<string, number>;
  /** Items parsed without error, per type. */
  parsed: Record<string, number>;
  /** Project-branches read, and the files read from each. */
  files: Array<{ project: string; branch: string; ref: string; paths: string[] }>;
}

/**
 * Loads a tenant's layout through `reader`. To build a speculative layout
 * for a change, wrap the reader in an OverlayReader reading the change's
 * project-branch at its speculative commit.
 */
export async function loadTenant(tenantConfig: TenantConfig, reader: ConfigReader, opts: LoadOptions = {}): Promise<LoadedTenant> {
  const errors = new LoadingErrors();
  const connections = opts.connections ?? defaultConnections();
  const tenant = await resolveTenant(tenantConfig, reader, errors, { ...opts, connections });
  const cache = opts.cache ?? new ParseCache();

  interface Job { project: TenantProject; branch: string }
  const jobs: Job[] = [];
  for (const project of tenant.projects) {
    if (!project.available || project.loadClasses.size === 0) continue;
    for (const branch of loadBranches(project)) jobs.push({ project, branch });
  }
  const read = await mapLimit(jobs, opts.concurrency ?? 8, async ({ project, branch }) => {
    try {
      return { project, branch, files: await reader.readConfigFiles(project.name, branch, configRoots(project)) };
    } catch (err) {
      if (err instanceof ReaderError) {
        errors.add(new ConfigError('read-failed', `Unable to read the configuration of ${project.name} on branch ${branch}: ${err.message}`,
          tenantFileOpts(tenantConfig, project.entry.line)));
        return { project, branch, files: [] as ConfigFile[] };
      }
      throw err;
    }
  });

  const items: ConfigItem[] = [];
  const filesRead: LoadedTenant['files'] = [];
  for (const { project, branch, files } of read) {
    const { files: selected, multiple } = selectProjectFiles(files, project);
    if (multiple.length) {
      errors.add(new ConfigError('multiple-project-configurations',
        `Configuration in ${multiple.slice(1).join(', ')} ignored: ${project.name} on branch ${branch} is already configured by ${multiple[0]}`,
        { location: { project: project.name, branch, path: multiple[1] }, severity: 'warning' }));
    }
    filesRead.push({ project: project.name, branch, ref: branch, paths: selected.map((f) => f.path) });
    for (const file of selected) {
      const source: SourceContext = {
        project: project.name,
        canonicalProject: project.canonicalName,
        connection: project.connection,
        branch,
        path: file.path,
        trusted: project.trusted,
        impliedBranchMatchers: project.entry.impliedBranchMatchers,
      };
      let doc: ParsedYaml;
      try {
        doc = cache.parse(file, { project: project.name, branch, path: file.path });
      } catch (err) {
        if (err instanceof ConfigYamlError) {
          errors.add(err);
          continue;
        }
        throw err;
      }
      items.push(...splitItems(doc, source, errors));
    }
  }

  const ctx = new ParseContext(tenant, connections, errors);
  const parsed = parseItems(ctx, items, (item) => tenant.getProject(item.source.canonicalProject)?.loadClasses ?? new Set());
  const layout = new Layout(tenant, errors);
  for (const name of tenantConfig.semaphores) {
    const g = opts.globalSemaphores?.find((s) => s.name === name);
    layout.semaphores.set(name, g ?? { name, max: 1, global: true });
  }
  assembleLayout(layout, parsed);
  const counts: Record<string, number> = {
    pipeline: parsed.pipelines.length, job: parsed.jobs.length, nodeset: parsed.nodesets.length, secret: parsed.secrets.length,
    semaphore: parsed.semaphores.length, queue: parsed.queues.length, 'project-template': parsed.templates.length,
    project: parsed.projects.length,
  };
  return { layout, seen: parsed.seen, parsed: counts, files: filesRead };
}

/** Loads a tenant's layout (see loadTenant). */
export async function loadTenantLayout(tenantConfig: TenantConfig, reader: ConfigReader, opts: LoadOptions = {}): Promise<Layout> {
  return (await loadTenant(tenantConfig, reader, opts)).layout;
}


/** Loads every tenant of a tenant file, one after the other (sharing the parse cache). */
export async function loadAllTenants(file: TenantConfigFile, reader: ConfigReader, opts: LoadOptions = {}): Promise<Map<string, Layout>> {
  const cache = opts.cache ?? new ParseCache();
  const out = new Map<string, Layout>();
  for (const t of file.tenants) {
    out.set(t.name, await loadTenantLayout(t, reader, { ...opts, cache, globalSemaphores: opts.globalSemaphores ?? file.globalSemaphores }));
  }
  return out;
}
