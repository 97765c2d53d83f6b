export { SandboxManager, stderrLogger, defaultStateDir, type SandboxManagerOptions } from './sandbox-manager.js';
export { Sandbox, type Exec, type ExecOptions, type ExecResult, type RunResult, type SandboxInfo } from './sandbox.js';
export { RuntimeClasses, parseRuntimeClasses, BUILTIN_CLASSES, type RuntimeClass } from './runtime-classes.js';
export { ResourceLedger, type Resource } from './resources.js';
