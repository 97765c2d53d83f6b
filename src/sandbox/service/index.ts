/** The sandbox module's application service (records, exec, copy, lifecycle) and the gate's job sessions in sandboxes. */
export { SandboxService, type SandboxRecordsDb } from './service.js';
export type { SandboxServiceOptions, SandboxView, ExecStart } from './views.js';
export type { CreateRequest, ExecRequest, RunRequest } from './requests.js';
export { openJobSession, sandboxBuildRuntime, type JobSession, type JobSessionSpec, type JobSandboxOptions } from './job-session.js';
export { devicesFor, type DeviceBinder, type BoundDevice } from './device-binder.js';
