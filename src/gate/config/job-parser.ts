// `job` objects and the job variants written inline in project pipelines
// (configloader.py JobParser). A variant records only what its stanza sets;
// inheritance and variant application happen when a job is frozen.
//
// `run` (and `pre-run`, `post-run`, `cleanup-run`) name Ansible playbooks,
// as in Zuul: a single `.yaml`/`.yml` path. Any other value is Strata's
// extension: a command line run with /bin/sh -c in the job's workspace.

import { ConfigError, ReferenceNotFoundError } from './errors.js';
import { BranchMatcher } from './change-matcher.js';
import {
  type IncludeVars, type JobDependency, type JobProject, type JobRole, type JobSemaphore, type JobVariant, type OverridableAttr, type RunStep, type SecretUse,
} from './model.js';
import { parseNodeSet } from './nodeset-parser.js';
import type { ConfigItem, ParseContext } from './parse-context.js';
import {
  any, anyOf, asList, bool, dict, dictOf, float, int, isMapping, nullValue, oneOf, overridable,
  regexMatch, str, toList, type Check, type Path,
} from './validate.js';
import { OverrideValue } from './yaml.js';

const ZUUL_REGEX = dict({ regex: str, negate: bool }, { required: ['regex'] });
const ansibleVarName = regexMatch(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'Ansible variable name');
const ansibleVarsDict: Check = (v, p) => (isMapping(v) ? dictOf(any, ansibleVarName)(v, p) : { path: p, message: 'expected a dictionary' });

const role = anyOf(dict({ zuul: str, name: str }, { required: ['zuul'] }), dict({ galaxy: str, name: str }, { required: ['galaxy'] }));
const jobProject = dict({ name: str, 'override-branch': str, 'override-checkout': str }, { required: ['name'] });
const jobDependency = dict({ name: str, soft: bool }, { required: ['name'] });
const secretUse = dict({ name: ansibleVarName, secret: str, 'pass-to-parent': bool }, { required: ['name', 'secret'] });
const semaphore = dict({ name: str, 'resources-first': bool }, { required: ['name'] });
const playbookDef = toList(anyOf(str, dict({ name: str, semaphores: toList(str) }, { required: ['name'] })));
const postRunDef = toList(anyOf(str, dict({ name: str, semaphores: toList(str), cleanup: bool }, { required: ['name'] })));
const includeVarsDef = toList(anyOf(
  str,
  dict({ name: str, project: str, required: bool }, { required: ['name'] }),
  dict({ name: str, 'zuul-project': bool, 'use-ref': bool, required: bool }, { required: ['name'] }),
));

const ATTRIBUTE_CONTROL_KEYS = [
  'requires', 'provides', 'tags', 'files', 'irrelevant-files', 'required-projects', 'vars', 'extra-vars',
  'host-vars', 'group-vars', 'include-vars', 'dependencies', 'failure-output',
];

/** The attributes of a job that may also appear on a job in a project pipeline. */
export const JOB_ATTRIBUTES: Record<string, Check> = {
  parent: anyOf(str, nullValue),
  final: bool,
  abstract: bool,
  protected: bool,
  intermediate: bool,
  requires: overridable(toList(str)),
  provides: overridable(toList(str)),
  'failure-message': str,
  'success-message': str,
  'failure-url': str,
  'success-url': str,
  'hold-following-changes': bool,
  voting: bool,
  semaphore: anyOf(semaphore, str),
  semaphores: toList(anyOf(semaphore, str)),
  tags: overridable(toList(str)),
  branches: toList(anyOf(ZUUL_REGEX, str)),
  files: overridable(toList(anyOf(ZUUL_REGEX, str))),
  secrets: toList(anyOf(secretUse, str)),
  'irrelevant-files': overridable(toList(anyOf(ZUUL_REGEX, str))),
  nodeset: anyOf(str, (v, p) => (isMapping(v) ? null : { path: p, message: 'expected a dictionary or a nodeset name' })),
  timeout: int,
  'post-timeout': int,
  attempts: int,
  'pre-run': playbookDef,
  'post-run': postRunDef,
  run: playbookDef,
  'cleanup-run': playbookDef,
  'ansible-split-streams': bool,
  'ansible-version': anyOf(str, float, int),
  roles: toList(role),
  'required-projects': overridable(toList(anyOf(jobProject, str))),
  vars: overridable(ansibleVarsDict),
  'extra-vars': overridable(ansibleVarsDict),
  'host-vars': overridable(dictOf(ansibleVarsDict, str)),
  'group-vars': overridable(dictOf(ansibleVarsDict, str)),
  'include-vars': overridable(includeVarsDef),
  dependencies: overridable(toList(anyOf(jobDependency, str))),
  'allowed-projects': toList(str),
  'override-branch': str,
  'override-checkout': str,
  description: str,
  'variant-description': str,
  'post-review': bool,
  'match-on-config-updates': bool,
  'workspace-scheme': oneOf('golang', 'flat', 'unique'),
  'workspace-checkout': anyOf(bool, oneOf('auto')),
  deduplicate: anyOf(bool, oneOf('auto')),
  'failure-output': overridable(toList(str)),
  'image-build-name': str,
  'attribute-control': dict({}, {
    extraKey: oneOf(...ATTRIBUTE_CONTROL_KEYS),
    extra: dict({ final: oneOf(true) }),
  }),
};

const JOB_SCHEMA = dict({ name: str, ...JOB_ATTRIBUTES }, { required: ['name'] });
const PIPELINE_JOB_SCHEMA = dict(JOB_ATTRIBUTES);

const RESERVED_VARS = [
  'zuul', 'nodepool', 'unsafe_vars', 'ansible_connection', 'ansible_host', 'ansible_python_interpreter',
  'ansible_shell_executable', 'ansible_user',
];

/** Zuul's check_varnames: letters, digits and underscores, and no reserved names. */
export function checkVarNames(vars: Record<string, unknown>): string | null {
  for (const k of Object.keys(vars)) {
    if (!/^[A-Za-z0-9_]+$/.test(k)) return 'Variable names may only contain letters, numbers, and underscores';
  }
  for (const r of RESERVED_VARS) if (r in vars) return `Defining a variable named '${r}' is not allowed`;
  return null;
}

/** A run value that names a playbook rather than a command: one path ending in .yaml/.yml. */
export function isPlaybookPath(value: string): boolean {
  return /^\S+\.ya?ml$/.test(value.trim());
}

export interface ParseJobOptions {
  /** The job is written inline in a project or template pipeline. */
  projectPipeline?: boolean;
  /** The job name, when it is not in `conf` (project pipelines). */
  name?: string;
}

const ANSIBLE_ROLE_RE = /^(ansible[-_.+]*)*(role[-_.+]*)*/;

/**
 * Parses a job (path [] for a top-level `job` object, or the path of the
 * attributes of a job listed in a project pipeline). Throws ConfigError;
 * problems that do not invalidate the job (playbooks, deprecations) go to
 * the context's accumulator.
 */
export function parseJob(ctx: ParseContext, item: ConfigItem, conf: Record<string, unknown>, path: Path = [], opts: ParseJobOptions = {}): JobVariant {
  const projectPipeline = opts.projectPipeline ?? false;
  ctx.validateAt(item, path, conf, projectPipeline ? PIPELINE_JOB_SCHEMA : JOB_SCHEMA);
  const name = opts.name ?? (conf.name as string);
  const source = item.source;
  const at = (...p: Path) => ({ ...ctx.at(item, [...path, ...p], 'job'), objectName: name });
  const line = path.length ? ctx.location(item, path).line ?? item.line : item.line;
  const attrLines: Record<string, number> = {};
  for (const k of Object.keys(conf)) attrLines[k] = ctx.location(item, [...path, k]).line ?? line;
  const job: JobVariant = {
    name,
    source,
    line,
    attrLines,
    projectPipeline,
    secrets: [],
    overrideControl: {},
    finalControl: {},
  };
  job.description = conf.description as string | undefined;
  job.variantDescription = (conf['variant-description'] as string | undefined) ??
    asList(conf.branches as unknown[]).map((b) => (isMapping(b) ? String(b.regex) : String(b))).join(' ');

  if (projectPipeline && source.trusted) job.ignoreAllowedProjects = true;

  if ('parent' in conf) {
    if (conf.parent !== null) {
      job.parent = conf.parent as string;
    } else {
      if (!source.trusted) throw new ConfigError('invalid', 'Base jobs must be defined in config projects', at('parent'));
      job.parent = null;
    }
  }

  // Secrets are bound to the playbooks (here: steps) of the variant that names them.
  const secrets: SecretUse[] = asList(conf.secrets as unknown[]).map((s) => (typeof s === 'string'
    ? { secret: s, alias: s, passToParent: false }
    : {
      secret: (s as Record<string, unknown>).secret as string,
      alias: (s as Record<string, unknown>).name as string,
      passToParent: ((s as Record<string, unknown>)['pass-to-parent'] as boolean | undefined) ?? false,
    }));
  job.secrets = secrets;
  if (secrets.length && !source.trusted) {
    // A job with secrets in an untrusted project may only run post-review,
    // and only for its own project (Zuul: allowed-projects is forced).
    job.postReview = true;
    job.allowedProjects = [source.project];
  }

  const maxTimeout = ctx.tenant.maxJobTimeout;
  for (const k of ['timeout', 'post-timeout'] as const) {
    const v = conf[k] as number | undefined;
    if (v && maxTimeout !== -1 && v > maxTimeout) {
      throw new ConfigError('max-timeout', `The job "${name}" exceeds tenant max-job-timeout ${maxTimeout}.`, at(k));
    }
  }

  if ('post-review' in conf) {
    if (conf['post-review']) job.postReview = true;
    else throw new ConfigError('invalid', 'Once set, the post-review attribute may not be unset', at('post-review'));
  }
  if ('ansible-split-streams' in conf) job.ansibleSplitStreams = conf['ansible-split-streams'] as boolean;
  if ('ansible-version' in conf) job.ansibleVersion = String(conf['ansible-version']);

  const roles: JobRole[] = [];
  asList(conf.roles as unknown[]).forEach((r) => {
    const rc = r as Record<string, string>;
    if (rc.zuul !== undefined) {
      const project = ctx.tenant.getProject(rc.zuul);
      // Zuul drops roles of unknown projects silently.
      if (project) roles.push({ kind: 'zuul', target: project.canonicalName, name: rc.name ?? rc.zuul.split('/').pop()!, implicit: false });
    } else {
      roles.push({ kind: 'galaxy', target: rc.galaxy, name: rc.name ?? rc.galaxy, implicit: false });
    }
  });
  if (!projectPipeline) {
    const short = source.project.split('/').pop()!;
    roles.unshift({ kind: 'zuul', target: source.canonicalProject, name: short.replace(ANSIBLE_ROLE_RE, '') || short, implicit: true });
  }
  if (roles.length) job.roles = roles;

  const playbookSemaphores = new Set<string>();
  const steps = (key: 'pre-run' | 'run' | 'post-run' | 'cleanup-run'): RunStep[] => {
    const value = conf[key];
    const list = asList(value as unknown[]);
    return list.map((entry, i) => {
      const d = typeof entry === 'string' ? { name: entry } : entry as Record<string, unknown>;
      const stepPath: Path = Array.isArray(value) ? [key, i] : [key];
      const sems = asList(d.semaphores as string | string[] | undefined).slice().sort();
      for (const s of sems) playbookSemaphores.add(s);
      const command = String(d.name);
      const playbook = isPlaybookPath(command);
      return {
        kind: playbook ? 'playbook' : 'command',
        command,
        semaphores: sems,
        cleanup: (d.cleanup as boolean | undefined) ?? false,
        source,
        line: ctx.location(item, [...path, ...stepPath]).line ?? line,
        secrets,
      };
    });
  };
  if (conf['pre-run'] !== undefined) job.preRun = steps('pre-run');
  // Zuul prepends post-run steps as it inherits; keep them in written order here.
  if (conf['post-run'] !== undefined) job.postRun = steps('post-run');
  if (conf['cleanup-run'] !== undefined) {
    ctx.warn(new ConfigError('deprecated-cleanup-run', 'The cleanup-run attribute is deprecated; use post-run with cleanup: true',
      { ...at('cleanup-run'), severity: 'warning' }));
    job.cleanupRun = steps('cleanup-run');
  }
  if (conf.run !== undefined) job.run = steps('run');

  if (conf.intermediate === true && conf.abstract !== true) {
    throw new ConfigError('invalid', 'An intermediate job must also be abstract', at('intermediate'));
  }

  const simple: Array<[string, keyof JobVariant]> = [
    ['final', 'final'], ['abstract', 'abstract'], ['protected', 'protected'], ['intermediate', 'intermediate'],
    ['timeout', 'timeout'], ['post-timeout', 'postTimeout'], ['voting', 'voting'],
    ['hold-following-changes', 'holdFollowingChanges'], ['attempts', 'attempts'],
    ['failure-message', 'failureMessage'], ['success-message', 'successMessage'],
    ['override-branch', 'overrideBranch'], ['override-checkout', 'overrideCheckout'],
    ['match-on-config-updates', 'matchOnConfigUpdates'], ['workspace-scheme', 'workspaceScheme'],
    ['workspace-checkout', 'workspaceCheckout'], ['deduplicate', 'deduplicate'], ['image-build-name', 'imageBuildName'],
  ];
  for (const [k, a] of simple) {
    if (k in conf) (job as unknown as Record<string, unknown>)[a] = conf[k];
  }

  if ('nodeset' in conf) {
    const ns = conf.nodeset;
    job.nodeset = typeof ns === 'string' ? ns : parseNodeSet(ctx, item, ns, [...path, 'nodeset'], true);
  }

  const unwrap = (key: string, attr: OverridableAttr): unknown => {
    let v = conf[key];
    if (v instanceof OverrideValue) {
      job.overrideControl[attr] = v.override;
      v = v.value;
    }
    return v;
  };

  if ('required-projects' in conf) {
    const value = unwrap('required-projects', 'requiredProjects');
    const unknown: string[] = [];
    const projects = new Map<string, JobProject>();
    for (const p of asList(value as unknown[])) {
      const pname = typeof p === 'string' ? p : (p as Record<string, string>).name;
      const project = ctx.tenant.getProject(pname);
      if (!project) {
        unknown.push(pname);
        continue;
      }
      const d = typeof p === 'string' ? {} : p as Record<string, string>;
      projects.set(project.canonicalName, {
        project: project.canonicalName,
        name: project.name,
        overrideBranch: d['override-branch'],
        overrideCheckout: d['override-checkout'],
      });
    }
    if (unknown.length) {
      throw new ReferenceNotFoundError('project', unknown.join(', '),
        `The projects "${unknown.join('", "')}" were not found. All projects referenced within a Zuul configuration must first be added to the main configuration file by the Zuul administrator.`,
        { ...at('required-projects'), unresolved: ctx.tenant.open });
    }
    job.requiredProjects = [...projects.values()];
  }

  if ('dependencies' in conf) {
    const value = unwrap('dependencies', 'dependencies');
    const deps: JobDependency[] = [];
    for (const d of asList(value as unknown[])) {
      const dep = typeof d === 'string' ? { name: d, soft: false }
        : { name: (d as Record<string, unknown>).name as string, soft: ((d as Record<string, unknown>).soft as boolean | undefined) ?? false };
      if (!deps.some((x) => x.name === dep.name && x.soft === dep.soft)) deps.push(dep);
    }
    job.dependencies = deps;
  }

  let semaphores: unknown[] = asList(conf.semaphore as unknown);
  if ('semaphores' in conf) semaphores = asList(conf.semaphores as unknown[]);
  if (semaphores.length) {
    const js: JobSemaphore[] = semaphores.map((s) => (typeof s === 'string'
      ? { name: s, resourcesFirst: false }
      : { name: (s as Record<string, unknown>).name as string, resourcesFirst: ((s as Record<string, unknown>)['resources-first'] as boolean | undefined) ?? false }));
    js.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    job.semaphores = js;
    const common = js.map((s) => s.name).filter((n) => playbookSemaphores.has(n));
    if (common.length) {
      throw new ConfigError('invalid', `Semaphores ${common.join(', ')} specified as both job and playbook semaphores but may only be used for one`,
        at('semaphores' in conf ? 'semaphores' : 'semaphore'));
    }
  }

  for (const [k, attr] of [['tags', 'tags'], ['requires', 'requires'], ['provides', 'provides']] as const) {
    if (!(k in conf)) continue;
    const v = [...new Set(asList(unwrap(k, attr) as string[]))];
    if (v.length) job[attr] = v;
  }

  for (const [k, attr, host] of [
    ['vars', 'vars', false], ['extra-vars', 'extraVars', false], ['host-vars', 'hostVars', true], ['group-vars', 'groupVars', true],
  ] as const) {
    if (!(k in conf)) continue;
    const v = unwrap(k, attr) as Record<string, unknown> | null;
    if (!v || Object.keys(v).length === 0) continue;
    const dicts = host ? Object.values(v) as Record<string, unknown>[] : [v];
    for (const d of dicts) {
      const problem = checkVarNames(d);
      if (problem) throw new ConfigError('invalid-variable', problem, at(k));
    }
    (job as unknown as Record<string, unknown>)[attr] = v;
  }

  if ('include-vars' in conf) {
    const value = unwrap('include-vars', 'includeVars');
    const ivs: IncludeVars[] = [];
    for (const iv of asList(value as unknown[])) {
      const d = typeof iv === 'string' ? { name: iv } as Record<string, unknown> : iv as Record<string, unknown>;
      let project: string | null = null;
      if (!d['zuul-project']) {
        const pname = (d.project as string | undefined) ?? source.canonicalProject;
        const p = ctx.tenant.getProject(pname);
        if (!p) throw new ReferenceNotFoundError('project', pname, `The project "${pname}" was not found.`, { ...at('include-vars'), unresolved: ctx.tenant.open });
        project = p.canonicalName;
      }
      ivs.push({ name: d.name as string, project, required: (d.required as boolean | undefined) ?? true, useRef: (d['use-ref'] as boolean | undefined) ?? true });
    }
    if (ivs.length) job.includeVars = ivs;
  }

  const allowed = conf['allowed-projects'];
  if (allowed !== undefined && allowed !== null && !job.allowedProjects) {
    const names: string[] = [];
    for (const p of asList(allowed as string[])) {
      const project = ctx.tenant.getProject(p);
      if (!project) throw new ReferenceNotFoundError('project', p, `The project "${p}" was not found.`, { ...at('allowed-projects'), unresolved: ctx.tenant.open });
      names.push(project.name);
    }
    if (names.length) job.allowedProjects = names;
  }

  if ('branches' in conf) {
    const list = asList(conf.branches as unknown[]);
    job.branches = list.map((b, i) => BranchMatcher.regex(ctx.regex(item, b, [...path, 'branches', ...(Array.isArray(conf.branches) ? [i] : [])])));
  } else if (!projectPipeline) {
    job.branches = ctx.impliedBranches(source);
  }

  for (const [k, attr] of [['files', 'files'], ['irrelevant-files', 'irrelevantFiles']] as const) {
    if (!(k in conf)) continue;
    const value = unwrap(k, attr);
    const list = asList(value as unknown[]);
    job[attr] = list.map((x, i) => ctx.regex(item, x, [...path, k, ...(Array.isArray(value) ? [i] : [])]));
  }

  if ('failure-output' in conf) {
    const value = asList(unwrap('failure-output', 'failureOutput') as string[]);
    value.forEach((x, i) => ctx.regex(item, x, [...path, 'failure-output', i]));
    job.failureOutput = [...value].sort();
  }

  if (isMapping(conf['attribute-control'])) {
    const attrMap: Record<string, string> = {
      'irrelevant-files': 'irrelevantFiles', 'required-projects': 'requiredProjects', 'extra-vars': 'extraVars',
      'host-vars': 'hostVars', 'group-vars': 'groupVars', 'include-vars': 'includeVars', 'failure-output': 'failureOutput',
    };
    for (const [k, controls] of Object.entries(conf['attribute-control'])) {
      if (isMapping(controls) && controls.final === true) job.finalControl[attrMap[k] ?? k] = true;
    }
  }

  return job;
}

/** The nodeset a variant names or defines, for reference validation. */
export function variantNodesetName(job: JobVariant): string | undefined {
  return typeof job.nodeset === 'string' ? job.nodeset : undefined;
}

