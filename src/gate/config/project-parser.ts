// `project` and `project-template` objects (configloader.py ProjectParser,
// ProjectTemplateParser): which jobs run for a project in each pipeline,
// with templates, variables, the shared queue and branch matchers.

import { ConfigError, ReferenceNotFoundError } from './errors.js';
import { parseJob, JOB_ATTRIBUTES } from './job-parser.js';
import { BranchMatcher } from './change-matcher.js';
import { type MergeMode, type ProjectConfig, type ProjectPipeline } from './model.js';
import type { ConfigItem, ParseContext, TenantProjectView } from './parse-context.js';
import { ZuulRegex } from './regex.js';
import { anyOf, asList, bool, dict, isMapping, listOf, nullValue, oneOf, str, toList, type Check, type Path } from './validate.js';

const ZUUL_REGEX = dict({ regex: str, negate: bool }, { required: ['regex'] });
const jobEntry: Check = anyOf(str, dict({}, { extra: anyOf(nullValue, str, dict(JOB_ATTRIBUTES)) }));
const pipelineContents = dict({ debug: bool, 'fail-fast': bool, jobs: listOf(jobEntry) });
const varsDict: Check = (v, p) => (isMapping(v) ? null : { path: p, message: 'expected a dictionary' });

const TEMPLATE_SCHEMA = dict({ name: str, description: str, queue: str, vars: varsDict }, { extra: pipelineContents });
const PROJECT_SCHEMA = dict({
  name: str,
  description: str,
  branches: toList(anyOf(ZUUL_REGEX, str)),
  vars: varsDict,
  templates: listOf(str),
  'merge-mode': oneOf('merge', 'merge-resolve', 'merge-recursive', 'merge-ort', 'cherry-pick', 'squash-merge', 'rebase'),
  'default-branch': str,
  queue: str,
}, { extra: pipelineContents });

const NOT_PIPELINES = new Set(['name', 'description', 'templates', 'merge-mode', 'default-branch', 'vars', 'queue', 'branches']);
const FORBIDDEN_VARS = ['zuul', 'nodepool', 'unsafe_vars'];

function parsePipelines(ctx: ParseContext, item: ConfigItem): Map<string, ProjectPipeline> {
  const pipelines = new Map<string, ProjectPipeline>();
  for (const [pipelineName, conf] of Object.entries(item.body)) {
    if (NOT_PIPELINES.has(pipelineName)) continue;
    const c = (conf ?? {}) as Record<string, unknown>;
    const pp: ProjectPipeline = { jobs: new Map(), debug: c.debug === true, failFast: c['fail-fast'] as boolean | undefined };
    pipelines.set(pipelineName, pp);
    asList(c.jobs as unknown[]).forEach((entry, i) => {
      let jobName: string;
      let attrs: Record<string, unknown>;
      let path: Path;
      if (typeof entry === 'string') {
        jobName = entry;
        attrs = {};
        path = [pipelineName, 'jobs', i];
      } else {
        const e = entry as Record<string, unknown>;
        const keys = Object.keys(e);
        if (keys.length !== 1) {
          throw new ConfigError('schema', 'A job in a project pipeline must be a string or a dictionary with one key (the job name)',
            ctx.at(item, [pipelineName, 'jobs', i]));
        }
        jobName = keys[0];
        const a = e[jobName];
        if (typeof a === 'string') {
          throw new ConfigError('schema', `expected the attributes of job "${jobName}", got a string`, ctx.at(item, [pipelineName, 'jobs', i, jobName]));
        }
        attrs = (a ?? {}) as Record<string, unknown>;
        path = [pipelineName, 'jobs', i, jobName];
      }
      const job = parseJob(ctx, item, attrs, path, { projectPipeline: true, name: jobName });
      const list = pp.jobs.get(jobName);
      if (list) list.push(job);
      else pp.jobs.set(jobName, [job]);
    });
  }
  return pipelines;
}

function parseVariables(ctx: ParseContext, item: ConfigItem): Record<string, unknown> {
  const vars = (item.body.vars ?? {}) as Record<string, unknown>;
  if (FORBIDDEN_VARS.some((v) => v in vars)) {
    throw new ConfigError('invalid-variable', "Variables named 'zuul', 'nodepool', or 'unsafe_vars' are not allowed.", ctx.at(item, ['vars']));
  }
  return vars;
}

function baseConfig(ctx: ParseContext, item: ConfigItem, name: string, isTemplate: boolean): ProjectConfig {
  return {
    name,
    isTemplate,
    description: item.body.description as string | undefined,
    templates: [],
    pipelines: parsePipelines(ctx, item),
    branchMatchers: [],
    variables: parseVariables(ctx, item),
    queueName: item.body.queue as string | undefined,
    source: item.source,
    line: item.line,
    attrLines: Object.fromEntries(Object.keys(item.body).map((k) => [k, ctx.location(item, [k]).line ?? item.line])),
  };
}

export function parseProjectTemplate(ctx: ParseContext, item: ConfigItem): ProjectConfig {
  ctx.validate(item, TEMPLATE_SCHEMA);
  const pc = baseConfig(ctx, item, (item.body.name as string | undefined) ?? '', true);
  pc.branchMatchers = ctx.impliedBranches(item.source) ?? [];
  return pc;
}

/** Zuul's TenantProjectConfig.canConfigureProject. */
export function canConfigure(source: TenantProjectView | undefined, trusted: boolean, other: TenantProjectView, validationOnly = false): boolean {
  if (trusted) return true;
  if (!source || source.configureProjects.length === 0) return false;
  if (!validationOnly && other.trusted) return false;
  return source.configureProjects.some((r) => r.fullmatch(other.name) || r.fullmatch(other.canonicalName));
}

/**
 * Parses a `project` stanza. A stanza named by a regex (`^…`) keeps the
 * regex as its name; the layout copies it to every matching project.
 */
export function parseProject(ctx: ParseContext, item: ConfigItem): ProjectConfig {
  ctx.validate(item, PROJECT_SCHEMA);
  const source = item.source;
  const projectName = (item.body.name as string | undefined) || source.canonicalProject;
  const sourceProject = ctx.tenant.getProject(source.canonicalProject);
  let pc: ProjectConfig;
  if (projectName.startsWith('^')) {
    const regex = ctx.regex(item, projectName, ['name']);
    for (const other of ctx.tenant.projectsByRegex(regex)) {
      if (!canConfigure(sourceProject, source.trusted, other)) {
        throw new ConfigError('project-not-permitted', `Project "${other.name}" may not be configured from ${source.project}`, ctx.at(item, ['name']));
      }
    }
    pc = baseConfig(ctx, item, projectName, false);
    pc.branchMatchers = ctx.impliedBranches(source) ?? [];
  } else {
    const other = ctx.tenant.getProject(projectName);
    if (!other) {
      throw new ReferenceNotFoundError('project', projectName,
        `The project "${projectName}" was not found. All projects referenced within a Zuul configuration must first be added to the main configuration file by the Zuul administrator.`,
        { ...ctx.at(item, item.body.name !== undefined ? ['name'] : []), unresolved: ctx.tenant.open });
    }
    const same = other.canonicalName === source.canonicalProject;
    if (!same && !canConfigure(sourceProject, source.trusted, other)) {
      throw new ConfigError('project-not-permitted', `Project "${other.name}" may not be configured from ${source.project}`, ctx.at(item, ['name']));
    }
    pc = baseConfig(ctx, item, other.canonicalName, false);
    if (same) {
      pc.branchMatchers = source.trusted ? [] : [BranchMatcher.implied(source.branch)];
    } else {
      pc.branchMatchers = ctx.impliedBranches(source) ?? [];
    }
  }
  if ('branches' in item.body) {
    const list = asList(item.body.branches as unknown[]);
    const matchers = list.map((b, i) => BranchMatcher.regex(ctx.regex(item, b, Array.isArray(item.body.branches) ? ['branches', i] : ['branches'])));
    if (matchers.length) pc.branchMatchers = matchers;
  }
  for (const t of asList(item.body.templates as string[])) if (!pc.templates.includes(t)) pc.templates.push(t);
  pc.mergeMode = item.body['merge-mode'] as MergeMode | undefined;
  pc.defaultBranch = item.body['default-branch'] as string | undefined;
  return pc;
}

/** A regex project name, as a ZuulRegex (for expanding regex stanzas). */
export function projectNameRegex(name: string): ZuulRegex {
  return new ZuulRegex(name);
}
