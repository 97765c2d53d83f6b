// Strata gate configuration: Zuul-compatible parsing, tenant layouts, job
// inheritance and freezing. The only module other code imports.
//
// Typical use by the scheduler:
//
//   const file = parseTenantConfig(text, '/etc/strata/main.yaml');   // main.yaml
//   const reader = new CachingReader(new GitReader(gitRoot));        // the `local` connection
//   const layout = await loadTenantLayout(file.tenants[0], reader, { globalSemaphores: file.globalSemaphores });
//   layout.errors.errors / .warnings                                 // problems, with file:line
//   layout.pipelines.get('gate')                                     // manager, triggers, reporters, window…
//   layout.getProjectPipelineConfig({ project, branch }, 'gate')     // null: project not in pipeline
//   layout.getProjectQueue('org/a')                                  // shared queue name + queue object
//   const { graph, failFast } = freezeJobGraph(layout, 'gate', { project, branch, files });
//   graph.jobs / graph.getDependencies(name) / graph.runnable(state) // FrozenJob: run commands, vars, nodeset…
//
// Events: pipelineTriggerFor(pipeline, event, change) and
// pipelineAccepts(pipeline, connection, change) apply triggers and
// require/reject as Zuul's Gerrit driver does.
//
// On reconfiguration (a branch moved), load the new layout and keep the
// current one if introducedErrors(current, candidate) is not empty: an
// invalid config never replaces the last good one.
//
// For an item whose change edits configuration, buildSpeculativeLayout()
// loads the layout with the change's commit (OverlayReader) and decides, as
// Zuul does, whether the item runs with it or gets its config errors
// reported. freezeJobGraph(..., { previousLayout }) then ignores file
// matchers of jobs the change reconfigures.

export {
  ConfigError, ConfigSchemaError, ConfigYamlError, JobConfigurationError, JobCycleError, LoadingErrors,
  ReferenceNotFoundError, UnsupportedError, formatLocation,
  type ConfigLocation, type ErrorSummary, type ReferenceKind, type Severity,
} from './errors.js';
export { EncryptedValue, OverrideValue, MarkTable, loadYaml, ZUUL_YAML_SCHEMA, type NodeMark, type ParsedYaml } from './yaml.js';
export { ZuulRegex, RegexSyntaxError, translateRe2 } from './regex.js';
export { parseCron, nextCronTime, CronSyntaxError, type CronSpec } from './cron.js';
export { BranchMatcher, matchAllFiles, matchAnyFiles, matchesAnyBranch, type ChangeRef } from './change-matcher.js';
export {
  CONFIG_CLASSES, GERRIT_EVENTS, MANAGERS, REPORTER_ACTIONS,
  type ApprovalRequirement, type ChangeEventFilter, type ConfigClass, type EventFilter, type JobDependency,
  type JobProject, type JobSemaphore, type JobVariant, type ManagerName, type MergeMode, type Node, type NodeGroup, type NodeSet,
  type Origin, type Pipeline, type PipelineMessages, type Precedence, type ProjectConfig, type ProjectMetadata,
  type ProjectPipeline, type Queue, type RefFilter, type Reporter, type ReporterAction, type RunStep, type Secret,
  type SecretUse, type Semaphore, type SourceContext, type TimerEventFilter, type UnsupportedEventFilter, type WindowType,
} from './model.js';
export {
  parseTenantConfig, type AuthorizationRule, type TenantConfig, type TenantConfigFile, type TenantProjectEntry, type TenantSource,
} from './tenant-config.js';
export { Tenant, type TenantProject } from './tenant.js';
export {
  CachingReader, DirectoryReader, MemoryReader, OverlayReader, ReaderError, selectConfigPaths,
  type ConfigFile, type ConfigReader, type ConfigRoots, type DirectoryProject, type MemoryRepo, type ProjectBranches,
} from './reader.js';
export { GitReader, isSafeProjectName } from './git-reader.js';
export { defaultConnections, type ConnectionDriver, type ConnectionInfo, type ConnectionRegistry } from './parse-context.js';
export { Layout, deepUpdate, type ItemPipelineConfig } from './layout.js';
export { loadAllTenants, loadTenant, loadTenantLayout, ParseCache, ZUUL_CONF_ROOTS, type LoadedTenant, type LoadOptions } from './loader.js';
export { freezeJobGraph, type FreezeOptions, type FrozenJobGraph } from './freeze.js';
export { JobGraph, type GraphEdge } from './job-graph.js';
export type { FrozenJob, FrozenNodeSet, FrozenSecret, FrozenStep, FrozenJobSource } from './frozen-job.js';
export {
  matchEvent, matchRequirements, pipelineAccepts, pipelineTriggerFor, type ChangeState, type MatchResult, type TriggerEvent,
} from './filters.js';
export { parseDuration } from './trigger-parser.js';
export {
  buildSpeculativeLayout, findRelevantErrors, introducedErrors, isConfigFile,
  type SpeculativeChange, type SpeculativeInput, type SpeculativeResult,
} from './speculative.js';
export { checkConfig, formatCheckResult, type CheckOptions, type CheckResult } from './check.js';
