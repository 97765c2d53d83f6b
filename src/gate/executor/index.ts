export { Executor, type BuildRequest, type BuildOutcome, type ExecutorListener, type ExecutorOptions } from './executor.js';
export { ProcessRuntime, runProcessStep } from './process-runtime.js';
export { killOrphans, MARKER_VAR } from './orphans.js';
export type { BuildRuntime, RuntimeSession, SessionSpec, StepSpec, StepResult, ExecSpec, ExecResult, RuntimeOffer } from './runtime.js';
export { RUNTIME_OFFERS } from './runtime.js';
