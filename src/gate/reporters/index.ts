export { Reporter, type ReporterDeps } from './reporter.js';
export { formatReport, formatDuration, jobLines, type PipelineMessages } from './format.js';
