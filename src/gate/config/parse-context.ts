// What every object parser needs: the object as read (with its line marks and
// source context), a view of the tenant (projects, branches, limits), the
// connections Strata knows, and the accumulator for warnings.

import { ConfigError, ConfigSchemaError, LoadingErrors, type ConfigErrorOptions, type ConfigLocation } from './errors.js';
import { BranchMatcher } from './change-matcher.js';
import { type SourceContext } from './model.js';
import { RegexSyntaxError, ZuulRegex } from './regex.js';
import { isMapping, lineAt, validate, type Check, type Path } from './validate.js';
import type { MarkTable } from './yaml.js';

/** One `- <type>: {...}` item of a configuration file. */
export interface ConfigItem {
  type: string;
  body: Record<string, unknown>;
  source: SourceContext;
  /** Line of the `- <type>:` key. */
  line: number;
  marks: MarkTable;
}

/** A project of the tenant, as the parsers see it. */
export interface TenantProjectView {
  name: string;
  canonicalName: string;
  connection: string;
  trusted: boolean;
  branches: string[];
  /** Regexes of projects this untrusted project may configure (configure-projects). */
  configureProjects: ZuulRegex[];
}

export interface TenantView {
  name: string;
  maxJobTimeout: number;
  maxNodesPerJob: number;
  defaultParent: string;
  allowedTriggers?: string[];
  allowedReporters?: string[];
  allowedLabels?: string[];
  disallowedLabels?: string[];
  /** Some configuration of the tenant could not be read: a reference not found is unresolved (a warning). */
  readonly incomplete: boolean;
  /** A check's stand-in tenant: unknown projects and connections may exist in the real deployment. */
  readonly open: boolean;
  /** Finds a project by name or canonical name; throws on an ambiguous name. */
  getProject(name: string): TenantProjectView | undefined;
  /** Projects whose name or canonical name fully matches the regex. */
  projectsByRegex(regex: ZuulRegex): TenantProjectView[];
}

/** The kind of driver behind a connection name. */
export type ConnectionDriver = 'local' | 'timer' | 'gerrit' | 'github' | 'gitlab' | 'smtp' | 'other';

export interface ConnectionInfo {
  driver: ConnectionDriver;
  /** Strata implements this connection (`local`, `timer`). */
  supported: boolean;
  canonicalHostname: string;
}

export type ConnectionRegistry = Record<string, ConnectionInfo>;

/**
 * The connections Strata has (`local`: its own review source and git root;
 * `timer`) and connection names common in Zuul deployments, whose objects are
 * parsed and kept but reported as unsupported. Any other name is an unknown
 * connection, as in Zuul.
 */
export function defaultConnections(extra: ConnectionRegistry = {}): ConnectionRegistry {
  const foreign = (driver: ConnectionDriver, host: string): ConnectionInfo => ({ driver, supported: false, canonicalHostname: host });
  return {
    local: { driver: 'local', supported: true, canonicalHostname: 'localhost' },
    timer: { driver: 'timer', supported: true, canonicalHostname: 'timer' },
    gerrit: foreign('gerrit', 'review.opendev.org'),
    opendev: foreign('gerrit', 'review.opendev.org'),
    googlesource: foreign('gerrit', 'gerrit.googlesource.com'),
    github: foreign('github', 'github.com'),
    gitlab: foreign('gitlab', 'gitlab.com'),
    pagure: foreign('other', 'pagure.io'),
    gitea: foreign('other', 'gitea'),
    smtp: foreign('smtp', 'smtp'),
    mqtt: foreign('other', 'mqtt'),
    elasticsearch: foreign('other', 'elasticsearch'),
    sql: foreign('other', 'sql'),
    database: foreign('other', 'database'),
    git: foreign('other', 'git'),
    zuul: foreign('other', 'zuul'),
    ...extra,
  };
}

export class ParseContext {
  readonly tenant: TenantView;
  readonly connections: ConnectionRegistry;
  readonly errors: LoadingErrors;
  /** Connection names already reported as unsupported (once per connection and file). */
  private readonly reportedConnections = new Set<string>();

  constructor(tenant: TenantView, connections: ConnectionRegistry, errors: LoadingErrors) {
    this.tenant = tenant;
    this.connections = connections;
    this.errors = errors;
  }

  /** The location of an attribute (by path) of an item, or of the item itself. */
  location(item: ConfigItem, path: Path = []): ConfigLocation {
    const line = path.length ? lineAt(item.marks, item.body, path) ?? item.line : item.line;
    return { project: item.source.project, branch: item.source.branch, path: item.source.path, line };
  }

  /** Error options locating a problem at `path` in `item`. */
  at(item: ConfigItem, path: Path = [], stanza = item.type): ConfigErrorOptions {
    const name = typeof item.body.name === 'string' ? item.body.name : undefined;
    return {
      location: this.location(item, path),
      stanza,
      objectName: name,
      attr: typeof path[0] === 'string' ? path[0] : undefined,
    };
  }

  validate(item: ConfigItem, check: Check): void {
    validate(check, item.body, {
      marks: item.marks,
      location: this.location(item),
      stanza: item.type,
      name: typeof item.body.name === 'string' ? item.body.name : undefined,
    });
  }

  /** Validates a value nested at `path` inside the item. */
  validateAt(item: ConfigItem, path: Path, value: unknown, check: Check): void {
    validate(check, value, {
      marks: item.marks,
      location: this.location(item, path),
      stanza: item.type,
      name: typeof item.body.name === 'string' ? item.body.name : undefined,
      basePath: path,
    });
  }

  fail(item: ConfigItem, path: Path, code: string, reason: string): never {
    throw new ConfigError(code, reason, this.at(item, path));
  }

  warn(error: ConfigError): void {
    this.errors.add(error);
  }

  /** Compiles a Zuul regex (`str` or `{regex, negate}`) at `path`. */
  regex(item: ConfigItem, value: unknown, path: Path): ZuulRegex {
    let pattern: string;
    let negate = false;
    if (isMapping(value)) {
      pattern = String(value.regex);
      negate = value.negate === true;
    } else {
      pattern = String(value);
    }
    try {
      return new ZuulRegex(pattern, negate);
    } catch (err) {
      if (err instanceof RegexSyntaxError) throw new ConfigSchemaError(err.message, this.at(item, path));
      throw err;
    }
  }

  /** Reports (once per file) that a connection's objects are parsed but not acted on. */
  reportUnsupportedConnection(item: ConfigItem, path: Path, connection: string, what: string): void {
    const key = `${item.source.project}\0${item.source.branch}\0${item.source.path}\0${connection}`;
    if (this.reportedConnections.has(key)) return;
    this.reportedConnections.add(key);
    this.warn(new ConfigError('unsupported-connection',
      `connection "${connection}" is not available in Strata (only "local" and "timer" are); its ${what} are kept but never act`,
      { ...this.at(item, path), severity: 'warning' }));
  }

  /** The implied branch matchers for objects read from `source` (Zuul's getImpliedBranches). */
  impliedBranches(source: SourceContext): BranchMatcher[] | undefined {
    if (source.impliedBranchMatchers === true) {
      return source.impliedBranches ?? [BranchMatcher.implied(source.branch)];
    }
    if (source.impliedBranchMatchers === false) return undefined;
    if (source.trusted) return undefined;
    const project = this.tenant.getProject(source.canonicalProject);
    if (project && project.branches.length === 1) return undefined;
    if (source.impliedBranches) return source.impliedBranches;
    return [BranchMatcher.implied(source.branch)];
  }
}

