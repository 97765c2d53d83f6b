/** Core: what every module stands on. Modules import from here, never from core's files. */
export * from './errors/index.js';
export * from './config.js';
export { createLogger, silentLogger, SECRET_KEYS } from './logging.js';
export type { Logger } from './logging.js';
export { SecretBox, MASK } from './secrets.js';
export { verifySecretKey, rotateSecretKey } from './secret-key.js';
export { Services } from './services.js';
export type { ModuleContext, ModuleInstance, Mount, StopOptions, StrataModule } from './module.js';
export * from './fsm/index.js';
export * from './store/index.js';
export * from './tasks/index.js';
export * from './auth/index.js';
export * from './http/index.js';
export { createMetrics } from './metrics.js';
export { faults, FM_SERVICE } from './faults.js';
export type { FaultReporter, RaiseAlarm, AlarmSeverity } from './faults.js';
