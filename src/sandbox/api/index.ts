/** The sandbox module's server side (service, routes, job sessions) and its API client. */
export { SandboxService, type SandboxServiceOptions, type SandboxView, type CreateRequest, type ExecRequest, type RunRequest, type ExecStart } from './service.js';
export { sandboxRoutes } from './routes.js';
export { openJobSession, sandboxBuildRuntime, type JobSession, type JobSessionSpec, type JobSandboxOptions, type JobStep, type JobStepResult } from './job-session.js';
export { streamExec, copyIn, copyOut, parseCopyArg, API, type Fetcher, type ExecOutcome, type ExecControl, type StreamExecOptions } from './client.js';
export * from './frames.js';
export { newId, isId } from './ids.js';
export { devicesFor, type DeviceBinder, type BoundDevice } from './device-binder.js';
