// The engine of `strata gate config check FILE|DIR`: checks a tenant file,
// a configuration file, or a repository directory, and returns every
// problem with file:line. It loads what it checks exactly as the server
// would, in a tenant of its own when the target is not a tenant file.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError, formatLocation, type ConfigLocation } from './errors.js';
import { GitReader } from './git-reader.js';
import { loadTenant, type LoadOptions } from './loader.js';
import { CONFIG_CLASSES, type ConfigClass } from './model.js';
import { DirectoryReader, MemoryReader, type ConfigReader } from './reader.js';
import { parseTenantConfig, type TenantConfig } from './tenant-config.js';
import { loadYaml } from './yaml.js';

export interface CheckOptions extends LoadOptions {
  /** With a tenant file: the git root of the `local` connection, to load each tenant fully. */
  gitRoot?: string;
  /** With a tenant file: only this tenant. */
  tenant?: string;
  /** With a config file or directory: the project name it stands for (default: the directory name). */
  project?: string;
  /** With a config file or directory: check it as a config project (default) or an untrusted one. */
  trusted?: boolean;
  /**
   * With a config file or directory (default true): it is one part of a
   * tenant this check does not know, so a reference it does not satisfy (a
   * project, a connection, a parent job…) is an `unresolved-*` warning.
   * false: the checked files are the whole configuration; such a reference is an error.
   */
  open?: boolean;
}

export interface CheckResult {
  target: string;
  kind: 'tenant-file' | 'config-file' | 'config-dir';
  ok: boolean;
  errors: ConfigError[];
  warnings: ConfigError[];
  /** Objects read, by type. */
  objects: Record<string, number>;
  tenants: string[];
}

const REPO_ROOTS = ['zuul.yaml', 'zuul.d', '.zuul.yaml', '.zuul.d'];
const TENANT_ITEMS = new Set(['tenant', 'authorization-rule', 'admin-rule', 'global-semaphore', 'api-root']);

/** A tenant with one project, for checking configuration outside a tenant. */
export function singleProjectTenant(project: string, trusted: boolean, file = '<check>', open = false): TenantConfig {
  return {
    name: 'check', path: file, line: 1, maxNodesPerJob: 5, maxJobTimeout: 10800, excludeUnprotectedBranches: false,
    excludeLockedBranches: false, defaultParent: 'base', accessRules: [], adminRules: [], semaphores: [], raw: {}, open,
    sources: [{
      connection: 'local', line: 1, projects: [{
        name: project, connection: 'local', trusted, line: 1, shadow: [], extraConfigFiles: [], extraConfigDirs: [],
        configureProjects: [], extra: {},
        loadClasses: new Set<ConfigClass>(trusted ? CONFIG_CLASSES : CONFIG_CLASSES.filter((c) => c !== 'pipeline')),
      }],
    }],
  };
}

function sortErrors(list: ConfigError[]): ConfigError[] {
  return [...list].sort((a, b) => formatLocation(a.location).localeCompare(formatLocation(b.location), 'en', { numeric: true }));
}

function result(target: string, kind: CheckResult['kind'], all: ConfigError[], objects: Record<string, number>, tenants: string[]): CheckResult {
  const errors = sortErrors(all.filter((e) => e.severity === 'error'));
  const warnings = sortErrors(all.filter((e) => e.severity === 'warning'));
  return { target, kind, ok: errors.length === 0, errors, warnings, objects, tenants };
}

/** Maps locations in the synthetic project back to the files checked. */
function relocate(errors: ConfigError[], project: string, toPath: (p: string) => string): ConfigError[] {
  for (const e of errors) {
    if (e.location?.project === project) {
      const loc: ConfigLocation = { path: toPath(e.location.path), line: e.location.line, column: e.location.column };
      e.location = loc;
      e.message = e.describe();
    }
  }
  return errors;
}

async function checkProject(target: string, kind: 'config-file' | 'config-dir', reader: ConfigReader, project: string, opts: CheckOptions,
  toPath: (p: string) => string): Promise<CheckResult> {
  const tenant = singleProjectTenant(project, opts.trusted ?? true, target, opts.open ?? true);
  const loaded = await loadTenant(tenant, reader, opts);
  const errors = relocate([...loaded.layout.errors], project, toPath);
  if (kind === 'config-dir' && loaded.files.every((f) => f.paths.length === 0)) {
    errors.push(new ConfigError('no-config', 'No Zuul configuration found (zuul.yaml, zuul.d/, .zuul.yaml, .zuul.d/ or YAML files)', { location: { path: target } }));
  }
  return result(target, kind, errors, loaded.seen, []);
}

async function checkTenantFile(file: string, text: string, opts: CheckOptions): Promise<CheckResult> {
  const parsed = parseTenantConfig(text, file);
  const errors = [...parsed.errors];
  const objects: Record<string, number> = { tenant: parsed.tenants.length, 'authorization-rule': parsed.authorizationRules.length };
  const tenants = parsed.tenants.filter((t) => !opts.tenant || t.name === opts.tenant);
  if (opts.tenant && tenants.length === 0) {
    errors.push(new ConfigError('tenant-not-found', `Tenant ${opts.tenant} is not defined`, { location: { path: file } }));
  }
  if (opts.gitRoot) {
    const reader = new GitReader(opts.gitRoot);
    for (const t of tenants) {
      const loaded = await loadTenant(t, reader, opts);
      errors.push(...loaded.layout.errors);
      for (const [k, v] of Object.entries(loaded.seen)) objects[k] = (objects[k] ?? 0) + v;
    }
  }
  return result(file, 'tenant-file', errors, objects, tenants.map((t) => t.name));
}

/**
 * Checks a tenant file (with `gitRoot`: and every tenant it defines), a
 * configuration file, or a directory holding a project's configuration.
 */
export async function checkConfig(target: string, opts: CheckOptions = {}): Promise<CheckResult> {
  let stat;
  try {
    stat = await fs.stat(target);
  } catch {
    return result(target, 'config-file', [new ConfigError('not-found', `${target}: no such file or directory`, { location: { path: target } })], {}, []);
  }
  if (stat.isDirectory()) {
    // A repository (it holds zuul.yaml, zuul.d/…) or, failing that, a folder of
    // YAML files read as a zuul.d/ — `project-config/zuul.d` as users check it.
    const names = new Set(await fs.readdir(target));
    const isRepo = REPO_ROOTS.some((n) => names.has(n));
    const project = opts.project ?? path.basename(path.resolve(isRepo ? target : path.dirname(path.resolve(target))));
    const reader = new DirectoryReader({ [project]: isRepo ? { dir: target } : { dir: target, mountedAt: 'zuul.d' } });
    const res = await checkProject(target, 'config-dir', reader, project, opts,
      (p) => path.join(target, isRepo ? p : p.replace(/^zuul\.d\//, '')));
    const tenantFile = path.join(target, 'zuul', 'main.yaml');
    try {
      const text = await fs.readFile(tenantFile, 'utf8');
      const t = await checkTenantFile(tenantFile, text, { ...opts, gitRoot: undefined });
      return result(target, 'config-dir', [...res.errors, ...res.warnings, ...t.errors, ...t.warnings],
        { ...res.objects, ...t.objects }, t.tenants);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return res;
      throw err;
    }
  }
  const text = await fs.readFile(target, 'utf8');
  let isTenantFile = false;
  try {
    const { data } = loadYaml(text, { location: { path: target } });
    isTenantFile = Array.isArray(data) && data.some((i) => i && typeof i === 'object' && Object.keys(i).some((k) => TENANT_ITEMS.has(k)));
  } catch {
    // Reported by the check below.
  }
  if (isTenantFile) return checkTenantFile(target, text, opts);
  const project = opts.project ?? 'check/project';
  const reader = new MemoryReader({ [project]: { branches: { master: { 'zuul.yaml': text } } } });
  return checkProject(target, 'config-file', reader, project, opts, () => target);
}

/** One line per problem, then a summary line: what the CLI prints. */
export function formatCheckResult(res: CheckResult): string {
  const lines = [...res.errors, ...res.warnings].map((e) => e.message);
  const objs = Object.entries(res.objects).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  lines.push(`${res.target}: ${res.errors.length} error(s), ${res.warnings.length} warning(s)${objs ? ` (${objs})` : ''}`);
  return lines.join('\n');
}
