/**
 * The accel module's public API: the service other modules use (bind
 * accelerators for an instance, report a host's devices, retire a host),
 * the discovery drivers, and the model.
 */
export { accelModule } from './module.js';
export { AccelService, type Attachment, type BindTarget, type InstanceProbe } from './service.js';
export { discoverAll, selectDrivers, presentDrivers, DRIVER_NAMES, type AccelDriver, type DriverEnv } from './drivers/index.js';
export { describeFunction } from './drivers/pci/pci-driver.js';
export type * from './model.js';
export { arqSpec, arqMachine } from './states.js';
