export type { Runtime, RuntimeInstance, RuntimeStartContext, LimitPlan, LimitEnforcement, HostCheck, Isolation, Logger } from './runtime.js';
export { RuntimeRegistry, builtinRuntimes, BUILTIN_RUNTIME_NAMES } from './registry.js';
export { ProcessRuntime } from './process/process-runtime.js';
export { NamespacesRuntime } from './namespaces/namespaces-runtime.js';
export { RuncRuntime } from './runc/runc-runtime.js';
export { GvisorRuntime } from './gvisor/gvisor-runtime.js';
export { VmRuntime, vmMemoryMiB, GUEST_BASE_MIB, DEFAULT_VM_MIB } from './vm/vm-runtime.js';
