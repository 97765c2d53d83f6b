// The tenant file (Zuul's main.yaml, given by `strata server
// --gate-tenant-config FILE`): tenants with their config and untrusted
// projects per connection, authorization rules, global semaphores and the
// API root. Parsed here without touching any repository; loader.ts resolves
// the projects.

import { ConfigError, ConfigYamlError, LoadingErrors } from './errors.js';
import { CONFIG_CLASSES, type ConfigClass, type Semaphore } from './model.js';
import { RegexSyntaxError, ZuulRegex } from './regex.js';
import {
  any, anyOf, asList, bool, dict, dictOf, float, int, isMapping, oneOf, str, toList, validate, type Check,
} from './validate.js';
import { loadYaml, SAFE_YAML_SCHEMA, type MarkTable } from './yaml.js';

/** Classes a tenant may name in include/exclude (nodepool ones are accepted and ignored). */
const ALL_CLASSES = [...CONFIG_CLASSES, 'image', 'flavor', 'label', 'section', 'provider'] as const;
const classes = toList(oneOf(...ALL_CLASSES));

const INNER_PROJECT: Record<string, Check> = {
  include: classes,
  exclude: classes,
  shadow: toList(str),
  'exclude-unprotected-branches': bool,
  'exclude-locked-branches': bool,
  'extra-config-paths': toList(str),
  'load-branch': str,
  'include-branches': toList(str),
  'exclude-branches': toList(str),
  'always-dynamic-branches': toList(str),
  'allow-circular-dependencies': bool,
  'implied-branch-matchers': bool,
  // Newer Zuul options, accepted and kept.
  'allow-base-jobs': bool,
  'include-provider-config': bool,
};
const configProject = anyOf(str, dictOf(dict(INNER_PROJECT)));
const untrustedProject = anyOf(str, dictOf(dict({ ...INNER_PROJECT, 'configure-projects': toList(str) })));

function projectOrGroup(project: Check): Check {
  const group = dict({ include: classes, exclude: classes, projects: toList(project) }, { required: ['projects'] });
  return (v, p) => (isMapping(v) && Object.keys(v).length > 1 && 'projects' in v ? group(v, p) : project(v, p));
}

const SOURCE = dict({
  'config-projects': toList(projectOrGroup(configProject)),
  'untrusted-projects': toList(projectOrGroup(untrustedProject)),
});

const TENANT = dict({
  name: str,
  'max-changes-per-pipeline': int,
  'max-dependencies': int,
  'max-nodes-per-job': int,
  'max-job-timeout': int,
  source: dictOf(SOURCE),
  'exclude-unprotected-branches': bool,
  'exclude-locked-branches': bool,
  'allowed-triggers': toList(str),
  'allowed-reporters': toList(str),
  'allowed-labels': toList(str),
  'disallowed-labels': toList(str),
  'allow-circular-dependencies': bool,
  'default-parent': str,
  'default-ansible-version': anyOf(str, float, int),
  'access-rules': toList(str),
  'admin-rules': toList(str),
  semaphores: toList(str),
  'authentication-realm': str,
  'report-build-page': bool,
  'web-root': str,
  'use-nodepool': bool,
}, { required: ['name'] });

const AUTHZ_RULE = dict({ name: str, conditions: toList(dictOf(any)) }, { required: ['name', 'conditions'] });
const GLOBAL_SEMAPHORE = dict({ name: str, max: int }, { required: ['name'] });
const API_ROOT = dict({ 'authentication-realm': str, 'access-rules': toList(str) });

/** One project of a tenant, with its per-tenant options. */
export interface TenantProjectEntry {
  name: string;
  connection: string;
  trusted: boolean;
  /** The configuration classes loaded from it (after include/exclude). */
  loadClasses: Set<ConfigClass>;
  shadow: string[];
  excludeUnprotectedBranches?: boolean;
  excludeLockedBranches?: boolean;
  /** Branch regexes (full match). */
  includeBranches?: ZuulRegex[];
  excludeBranches?: ZuulRegex[];
  alwaysDynamicBranches?: ZuulRegex[];
  extraConfigFiles: string[];
  extraConfigDirs: string[];
  loadBranch?: string;
  impliedBranchMatchers?: boolean;
  configureProjects: ZuulRegex[];
  allowCircularDependencies?: boolean;
  /** Options of newer Zuul versions, kept as written. */
  extra: Record<string, unknown>;
  /** Line of the entry in the tenant file. */
  line: number;
}

export interface TenantSource {
  connection: string;
  line: number;
  projects: TenantProjectEntry[];
}

export interface TenantConfig {
  name: string;
  /** The tenant file and the line of this tenant. */
  path: string;
  line: number;
  maxNodesPerJob: number;
  maxJobTimeout: number;
  maxChangesPerPipeline?: number;
  maxDependencies?: number;
  excludeUnprotectedBranches: boolean;
  excludeLockedBranches: boolean;
  allowedTriggers?: string[];
  allowedReporters?: string[];
  allowedLabels?: string[];
  disallowedLabels?: string[];
  allowCircularDependencies?: boolean;
  defaultParent: string;
  defaultAnsibleVersion?: string;
  accessRules: string[];
  adminRules: string[];
  /** Global semaphores this tenant may use. */
  semaphores: string[];
  authenticationRealm?: string;
  webRoot?: string;
  sources: TenantSource[];
  /** The tenant's body as written (its marks locate attributes). */
  raw: Record<string, unknown>;
  /**
   * A stand-in tenant for checking configuration outside any deployment:
   * the projects and connections it references may exist there, so not
   * finding them is a warning.
   */
  open?: boolean;
}

export interface AuthorizationRule {
  name: string;
  conditions: Array<Record<string, unknown>>;
  line: number;
}

export interface TenantConfigFile {
  path: string;
  tenants: TenantConfig[];
  authorizationRules: AuthorizationRule[];
  globalSemaphores: Semaphore[];
  apiRoot: { authenticationRealm?: string; accessRules: string[] };
  errors: LoadingErrors;
}

const DEFAULT_CLASSES: ConfigClass[] = ['pipeline', 'job', 'semaphore', 'project', 'secret', 'project-template', 'nodeset', 'queue'];

function knownClasses(v: unknown): Set<ConfigClass> {
  return new Set(asList(v as string[]).filter((c): c is ConfigClass => (CONFIG_CLASSES as readonly string[]).includes(c)));
}

function fullRegexes(values: unknown, where: () => string): ZuulRegex[] | undefined {
  if (values === undefined || values === null) return undefined;
  return asList(values as string[]).map((v) => {
    try {
      return new ZuulRegex(v);
    } catch (err) {
      if (err instanceof RegexSyntaxError) throw new Error(`${err.message} (${where()})`);
      throw err;
    }
  });
}

interface Ctx {
  path: string;
  marks: MarkTable;
  errors: LoadingErrors;
}

function parseProjectEntries(
  ctx: Ctx, conf: unknown, connection: string, trusted: boolean, include: Set<ConfigClass>, out: TenantProjectEntry[], parentLine: number,
): void {
  const line = ctx.marks.line(conf) ?? parentLine;
  if (typeof conf === 'string') {
    out.push(entry(conf, {}, connection, trusted, include, line));
    return;
  }
  const c = conf as Record<string, unknown>;
  if (Object.keys(c).length > 1 && 'projects' in c) {
    let current = c.include !== undefined ? knownClasses(c.include) : new Set(include);
    if (c.exclude !== undefined) for (const x of knownClasses(c.exclude)) current.delete(x);
    current = new Set(current);
    const projects = asList(c.projects as unknown[]);
    projects.forEach((p, i) => {
      parseProjectEntries(ctx, p, connection, trusted, current, out, Array.isArray(c.projects) ? ctx.marks.itemLine(c.projects, i) ?? line : line);
    });
    return;
  }
  const [name] = Object.keys(c);
  out.push(entry(name, (c[name] ?? {}) as Record<string, unknown>, connection, trusted, include, line));
}

function entry(name: string, opts: Record<string, unknown>, connection: string, trusted: boolean, include: Set<ConfigClass>, line: number): TenantProjectEntry {
  let load = opts.include !== undefined && opts.include !== null ? knownClasses(opts.include) : new Set(include);
  if (opts.exclude !== undefined) {
    load = new Set(load);
    for (const x of knownClasses(opts.exclude)) load.delete(x);
  }
  const where = () => `project ${name}`;
  let exclude = fullRegexes(opts['exclude-branches'], where);
  const dynamic = fullRegexes(opts['always-dynamic-branches'], where);
  if (dynamic) exclude = [...(exclude ?? []), ...dynamic.filter((d) => !(exclude ?? []).some((e) => e.pattern === d.pattern))];
  const extraPaths = asList(opts['extra-config-paths'] as string[]);
  for (const p of extraPaths) {
    if (['zuul.yaml', 'zuul.d/', '.zuul.yaml', '.zuul.d/'].includes(p)) {
      throw new Error('Default zuul configs are not allowed in extra-config-paths');
    }
  }
  const extra: Record<string, unknown> = {};
  for (const k of ['allow-base-jobs', 'include-provider-config']) if (k in opts) extra[k] = opts[k];
  return {
    name,
    connection,
    trusted,
    loadClasses: load,
    shadow: asList(opts.shadow as string[]),
    excludeUnprotectedBranches: opts['exclude-unprotected-branches'] as boolean | undefined,
    excludeLockedBranches: opts['exclude-locked-branches'] as boolean | undefined,
    includeBranches: fullRegexes(opts['include-branches'], where),
    excludeBranches: exclude,
    alwaysDynamicBranches: dynamic,
    extraConfigFiles: extraPaths.filter((p) => !p.endsWith('/')),
    extraConfigDirs: extraPaths.filter((p) => p.endsWith('/')).map((p) => p.slice(0, -1)),
    loadBranch: opts['load-branch'] as string | undefined,
    impliedBranchMatchers: opts['implied-branch-matchers'] as boolean | undefined,
    configureProjects: fullRegexes(opts['configure-projects'], where) ?? [],
    allowCircularDependencies: opts['allow-circular-dependencies'] as boolean | undefined,
    extra,
    line,
  };
}

function parseTenant(ctx: Ctx, body: Record<string, unknown>, line: number): TenantConfig {
  validate(TENANT, body, { marks: ctx.marks, location: { path: ctx.path, line }, stanza: 'tenant', name: body.name as string | undefined });
  const t: TenantConfig = {
    name: body.name as string,
    path: ctx.path,
    line,
    maxNodesPerJob: (body['max-nodes-per-job'] as number | undefined) ?? 5,
    maxJobTimeout: (body['max-job-timeout'] as number | undefined) ?? 10800,
    maxChangesPerPipeline: body['max-changes-per-pipeline'] as number | undefined,
    maxDependencies: body['max-dependencies'] as number | undefined,
    excludeUnprotectedBranches: (body['exclude-unprotected-branches'] as boolean | undefined) ?? false,
    excludeLockedBranches: (body['exclude-locked-branches'] as boolean | undefined) ?? false,
    allowedTriggers: body['allowed-triggers'] === undefined ? undefined : asList(body['allowed-triggers'] as string[]),
    allowedReporters: body['allowed-reporters'] === undefined ? undefined : asList(body['allowed-reporters'] as string[]),
    allowedLabels: body['allowed-labels'] === undefined ? undefined : asList(body['allowed-labels'] as string[]),
    disallowedLabels: body['disallowed-labels'] === undefined ? undefined : asList(body['disallowed-labels'] as string[]),
    allowCircularDependencies: body['allow-circular-dependencies'] as boolean | undefined,
    defaultParent: (body['default-parent'] as string | undefined) ?? 'base',
    defaultAnsibleVersion: body['default-ansible-version'] === undefined ? undefined : String(body['default-ansible-version']),
    accessRules: asList(body['access-rules'] as string[]),
    adminRules: asList(body['admin-rules'] as string[]),
    semaphores: asList(body.semaphores as string[]),
    authenticationRealm: body['authentication-realm'] as string | undefined,
    webRoot: body['web-root'] as string | undefined,
    sources: [],
    raw: body,
  };
  const sources = (body.source ?? {}) as Record<string, Record<string, unknown>>;
  for (const [connection, conf] of Object.entries(sources)) {
    const sourceLine = ctx.marks.keyLine(sources, connection) ?? line;
    const src: TenantSource = { connection, line: sourceLine, projects: [] };
    const c = conf ?? {};
    const walk = (key: 'config-projects' | 'untrusted-projects', trusted: boolean) => {
      const list = c[key];
      const include = new Set<ConfigClass>(trusted ? DEFAULT_CLASSES : DEFAULT_CLASSES.filter((x) => x !== 'pipeline'));
      asList(list as unknown[]).forEach((p, i) => {
        const itemLine = Array.isArray(list) ? ctx.marks.itemLine(list, i) ?? sourceLine : sourceLine;
        try {
          parseProjectEntries(ctx, p, connection, trusted, include, src.projects, itemLine);
        } catch (err) {
          throw new ConfigError('schema', (err as Error).message, {
            location: { path: ctx.path, line: itemLine }, stanza: 'tenant', objectName: t.name,
          });
        }
      });
    };
    walk('config-projects', true);
    walk('untrusted-projects', false);
    t.sources.push(src);
  }
  return t;
}

/** Parses the text of a tenant file; problems are collected, valid tenants returned. */
export function parseTenantConfig(text: string, path: string): TenantConfigFile {
  const out: TenantConfigFile = {
    path, tenants: [], authorizationRules: [], globalSemaphores: [], apiRoot: { accessRules: [] }, errors: new LoadingErrors(),
  };
  let doc;
  try {
    doc = loadYaml(text, { location: { path }, schema: SAFE_YAML_SCHEMA });
  } catch (err) {
    if (err instanceof ConfigYamlError) {
      out.errors.add(err);
      return out;
    }
    throw err;
  }
  const { data, marks } = doc;
  if (data === null || data === undefined) return out;
  if (!Array.isArray(data)) {
    out.errors.add(new ConfigError('schema', 'The tenant file must be a list of objects (tenant, authorization-rule, global-semaphore, api-root)',
      { location: { path, line: marks.line(data) ?? 1 } }));
    return out;
  }
  const ctx: Ctx = { path, marks, errors: out.errors };
  const names = new Set<string>();
  data.forEach((itemValue, i) => {
    const line = marks.itemLine(data, i) ?? 1;
    try {
      if (!isMapping(itemValue) || Object.keys(itemValue).length !== 1) {
        throw new ConfigError('schema', 'Each item of the tenant file must be a dictionary with one key', { location: { path, line } });
      }
      const [type] = Object.keys(itemValue);
      const body = itemValue[type];
      const loc = { path, line };
      if (!isMapping(body)) throw new ConfigError('schema', `The ${type} item must be a dictionary`, { location: loc, stanza: type });
      switch (type) {
        case 'tenant': {
          const tenant = parseTenant(ctx, body, line);
          if (names.has(tenant.name)) {
            throw new ConfigError('duplicate', `Tenant ${tenant.name} is already defined`, { location: loc, stanza: 'tenant', objectName: tenant.name });
          }
          names.add(tenant.name);
          out.tenants.push(tenant);
          break;
        }
        case 'admin-rule':
        case 'authorization-rule':
          validate(AUTHZ_RULE, body, { marks, location: loc, stanza: type });
          out.authorizationRules.push({ name: body.name as string, conditions: asList(body.conditions as Record<string, unknown>[]), line });
          if (type === 'admin-rule') {
            out.errors.add(new ConfigError('deprecated-admin-rule', "'admin-rule' is deprecated; use 'authorization-rule'",
              { location: loc, stanza: type, objectName: body.name as string, severity: 'warning' }));
          }
          break;
        case 'global-semaphore':
          validate(GLOBAL_SEMAPHORE, body, { marks, location: loc, stanza: type });
          out.globalSemaphores.push({ name: body.name as string, max: (body.max as number | undefined) ?? 1, global: true });
          break;
        case 'api-root':
          validate(API_ROOT, body, { marks, location: loc, stanza: type });
          out.apiRoot = { authenticationRealm: body['authentication-realm'] as string | undefined, accessRules: asList(body['access-rules'] as string[]) };
          break;
        default:
          throw new ConfigError('schema', `Unknown tenant file item "${type}"`, { location: loc, stanza: type });
      }
    } catch (err) {
      if (err instanceof ConfigError) out.errors.add(err);
      else throw err;
    }
  });
  for (const t of out.tenants) {
    for (const s of t.semaphores) {
      if (!out.globalSemaphores.some((g) => g.name === s)) {
        out.errors.add(new ConfigError('semaphore-not-found', `The global semaphore "${s}" was not found`,
          { location: { path, line: marks.keyLine(t.raw, 'semaphores') ?? t.line }, stanza: 'tenant', objectName: t.name }));
      }
    }
  }
  return out;
}

