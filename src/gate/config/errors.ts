// Configuration errors. Every problem found while reading gate configuration
// carries where it is (project, branch, file, line) and why, so that it can be
// reported on the change that caused it. Zuul keeps loading after a problem in
// one object or project and collects everything in a LoadingErrors list; so do
// we.

export type Severity = 'error' | 'warning';

export interface ConfigLocation {
  /** Project (repository) name, absent for the tenant file or a plain file. */
  project?: string;
  branch?: string;
  /** File path: relative to the repository root, or a filesystem path. */
  path: string;
  /** 1-based line, when known. */
  line?: number;
  column?: number;
}

export interface ConfigErrorOptions {
  severity?: Severity;
  location?: ConfigLocation;
  /** The kind of config object the problem is in: job, pipeline, project… */
  stanza?: string;
  /** The name of that object, when it has one. */
  objectName?: string;
  /** The attribute the problem is in. */
  attr?: string;
}

/** Formats a location the way Zuul names a source context: project/path@branch:line. */
export function formatLocation(loc: ConfigLocation | undefined): string {
  if (!loc) return '<unknown>';
  let where = loc.project ? `${loc.project}/${loc.path}` : loc.path;
  if (loc.branch) where += `@${loc.branch}`;
  if (loc.line !== undefined) where += `:${loc.line}`;
  return where;
}

/**
 * Base class of every configuration problem. `code` is stable and
 * machine-readable (tests and summaries group by it); `reason` is the human
 * sentence without the location.
 */
export class ConfigError extends Error {
  readonly code: string;
  readonly severity: Severity;
  readonly reason: string;
  location?: ConfigLocation;
  stanza?: string;
  objectName?: string;
  attr?: string;

  constructor(code: string, reason: string, opts: ConfigErrorOptions = {}) {
    super(reason);
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
    this.severity = opts.severity ?? 'error';
    this.location = opts.location;
    this.stanza = opts.stanza;
    this.objectName = opts.objectName;
    this.attr = opts.attr;
    this.message = this.describe();
  }

  /** Fills in context the raiser did not know (the accumulator knows it). */
  withContext(ctx: ConfigErrorOptions): this {
    if (!this.location && ctx.location) this.location = ctx.location;
    else if (this.location && this.location.line === undefined && ctx.location?.line !== undefined &&
      ctx.location.path === this.location.path) {
      this.location = { ...this.location, line: ctx.location.line };
    }
    this.stanza ??= ctx.stanza;
    this.objectName ??= ctx.objectName;
    this.attr ??= ctx.attr;
    this.message = this.describe();
    return this;
  }

  get file(): string | undefined {
    if (!this.location) return undefined;
    return this.location.project ? `${this.location.project}/${this.location.path}` : this.location.path;
  }

  get line(): number | undefined {
    return this.location?.line;
  }

  describe(): string {
    let where = formatLocation(this.location);
    const parts: string[] = [];
    if (this.stanza) parts.push(this.objectName ? `${this.stanza} "${this.objectName}"` : this.stanza);
    if (this.attr) parts.push(`attribute "${this.attr}"`);
    if (parts.length) where += ` (${parts.join(', ')})`;
    return `${where}: ${this.severity}: ${this.reason}`;
  }

  /**
   * Identity used to tell whether a candidate layout introduces a problem
   * the current layout does not have (Zuul's ConfigurationErrorKey: context,
   * line and text).
   */
  get key(): string {
    const l = this.location;
    return JSON.stringify([l?.project ?? null, l?.branch ?? null, l?.path ?? null, l?.line ?? null, this.code, this.reason]);
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      severity: this.severity,
      reason: this.reason,
      project: this.location?.project,
      branch: this.location?.branch,
      path: this.location?.path,
      line: this.location?.line,
      stanza: this.stanza,
      name: this.objectName,
      attr: this.attr,
      message: this.message,
    };
  }
}

/** The file is not valid YAML (or has a duplicate key, an unknown tag…). */
export class ConfigYamlError extends ConfigError {
  constructor(reason: string, opts: ConfigErrorOptions = {}) {
    super('yaml', reason, opts);
  }
}

/** An object does not have the shape Zuul's schema requires. */
export class ConfigSchemaError extends ConfigError {
  constructor(reason: string, opts: ConfigErrorOptions = {}) {
    super('schema', reason, opts);
  }
}

export type ReferenceKind =
  | 'job' | 'project-template' | 'nodeset' | 'secret' | 'semaphore' | 'project' | 'pipeline' | 'queue';

/**
 * A reference to an object the layout does not have. When some of the
 * tenant's repositories could not be read, such a reference may well be
 * defined there: it is then a warning with code `unresolved-<kind>`, otherwise
 * an error with code `<kind>-not-found`.
 */
export class ReferenceNotFoundError extends ConfigError {
  readonly kind: ReferenceKind;
  readonly target: string;
  constructor(kind: ReferenceKind, target: string, reason: string, opts: ConfigErrorOptions & { unresolved?: boolean } = {}) {
    super(opts.unresolved ? `unresolved-${kind}` : `${kind}-not-found`, reason,
      { ...opts, severity: opts.severity ?? (opts.unresolved ? 'warning' : 'error') });
    this.kind = kind;
    this.target = target;
  }
}

/** A cycle in job inheritance (parent) or in job dependencies. */
export class JobCycleError extends ConfigError {
  readonly cycle: string[];
  constructor(kind: 'parent' | 'dependency', cycle: string[], opts: ConfigErrorOptions = {}) {
    super(kind === 'parent' ? 'parent-cycle' : 'dependency-cycle',
      kind === 'parent'
        ? `Job inheritance cycle: ${cycle.join(' -> ')}`
        : `Dependency cycle detected: ${cycle.join(' -> ')}`,
      opts);
    this.cycle = cycle;
  }
}

/**
 * Something Zuul accepts that Strata does not do (yet): a connection driver
 * other than `local`/`timer`, an Ansible playbook run, a nodepool object.
 */
export class UnsupportedError extends ConfigError {
  constructor(code: string, reason: string, opts: ConfigErrorOptions = {}) {
    super(code, reason, opts);
  }
}

/**
 * A problem found when freezing the job graph of an item (Zuul's
 * JobConfigurationError): reported on the item, not on the layout.
 */
export class JobConfigurationError extends ConfigError {
  constructor(code: string, reason: string, opts: ConfigErrorOptions = {}) {
    super(code, reason, opts);
  }
}

/** Any other semantic problem in an object (Zuul raises a bare Exception). */
export function semanticError(code: string, reason: string, opts: ConfigErrorOptions = {}): ConfigError {
  return new ConfigError(code, reason, opts);
}

export interface ErrorSummary {
  errors: number;
  warnings: number;
  /** severity:code -> count, keys sorted. */
  byCode: Record<string, number>;
}

/** The problems collected while loading a layout (Zuul's LoadingErrors). */
export class LoadingErrors {
  readonly all: ConfigError[] = [];
  private readonly keys = new Set<string>();

  add(error: ConfigError): void {
    this.all.push(error);
    this.keys.add(error.key);
  }

  extend(errors: Iterable<ConfigError>): void {
    for (const e of errors) this.add(e);
  }

  get errors(): ConfigError[] {
    return this.all.filter((e) => e.severity === 'error');
  }

  get warnings(): ConfigError[] {
    return this.all.filter((e) => e.severity === 'warning');
  }

  get size(): number {
    return this.all.length;
  }

  hasKey(key: string): boolean {
    return this.keys.has(key);
  }

  errorKeys(): ReadonlySet<string> {
    return this.keys;
  }

  /** Problems located in one project (and branch, when given). */
  forProject(project: string, branch?: string): ConfigError[] {
    return this.all.filter((e) => e.location?.project === project &&
      (branch === undefined || e.location?.branch === branch));
  }

  summary(): ErrorSummary {
    const byCode: Record<string, number> = {};
    for (const e of this.all) {
      const k = `${e.severity}:${e.code}`;
      byCode[k] = (byCode[k] ?? 0) + 1;
    }
    const sorted: Record<string, number> = {};
    for (const k of Object.keys(byCode).sort()) sorted[k] = byCode[k];
    return { errors: this.errors.length, warnings: this.warnings.length, byCode: sorted };
  }

  [Symbol.iterator](): Iterator<ConfigError> {
    return this.all[Symbol.iterator]();
  }
}

/** Converts anything thrown while parsing an object into a ConfigError. */
export function toConfigError(err: unknown, ctx: ConfigErrorOptions): ConfigError {
  if (err instanceof ConfigError) return err.withContext(ctx);
  const reason = err instanceof Error ? err.message : String(err);
  return new ConfigError('invalid', reason, ctx);
}
