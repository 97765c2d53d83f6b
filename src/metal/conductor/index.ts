/** The metal conductor: durable provision and power work under node reservations, takeover, periodic sync. */
export { Conductor, PROVISION_TASK, POWER_TASK, powerTargetState } from './conductor.js';
export type { ConductorDeps, ProvisionRequest, ProvisionPayload, PowerPayload } from './conductor.js';
export { DEFAULT_CONDUCTOR_OPTIONS, type ConductorOptions } from './options.js';
export { FLOWS, type FlowContext, type FlowOutcome, type ProvisionArgs } from './flows.js';
export { Periodic } from './periodic.js';
export { STUCK_STATES } from '../states/index.js';
export { conductorFor, type RingMember } from './hash-ring.js';
export { isSecretKey, maskSecrets, openSecrets, sealSecrets } from './secrets.js';
export * from './errors.js';
