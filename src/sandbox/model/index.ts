export { SandboxError, isSandboxError, type SandboxErrorCode } from './errors.js';
export { validateSpec, type SandboxSpec, type NormalizedSpec, type MountSpec, type Limits } from './spec.js';
export { parseMemory, parseCpus, parseDuration, formatBytes } from './quantity.js';
export { SANDBOX_TRANSITIONS, sandboxMachine, sandboxMachineSpec, nextState, canTransition, type SandboxState, type SandboxEvent } from './states.js';
