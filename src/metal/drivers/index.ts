/**
 * Bare-metal drivers: hardware types (fake-hardware, ipmi, redfish), their
 * interfaces, and the registry that composes a node's driver.
 *
 *   const drivers = createDriverRegistry();
 *   drivers.registerInterface(myIpxeBoot);           // the conductor adds boot/deploy
 *   const d = drivers.compose(node);                 // node.driver = 'ipmi', …
 *   await d.power.setPowerState({ node }, 'power on');
 */
import { createFakeInterfaces, type FakeOptions } from './fake/index.js';
import { BUILTIN_HARDWARE_TYPES } from './hardware-types.js';
import { createIpmiInterfaces, type IpmiDriverOptions } from './ipmi/index.js';
import { NOOP_INTERFACES } from './noop/index.js';
import { createRedfishInterfaces, type RedfishDriverOptions } from './redfish/index.js';
import { DriverRegistry, type RegistryOptions } from './registry.js';

export * from './types.js';
export { DriverError, isRetryable, type DriverErrorKind } from './errors.js';
export { DriverRegistry, type DriverDetail, type RegistryOptions, type ValidationResult } from './registry.js';
export { BUILTIN_HARDWARE_TYPES, FAKE_HARDWARE, IPMI, REDFISH, type HardwareType } from './hardware-types.js';
export { waitForPowerState, DEFAULT_POWER_TIMEOUT_MS } from './power-wait.js';
export { bootModeOf, parseCapabilities, DEFAULT_BOOT_MODE } from './boot-mode.js';
export { nodeLabel } from './driver-info.js';
export { createFakeInterfaces, type FakeOptions, type Delay } from './fake/index.js';
export { createIpmiInterfaces, parseIpmiInfo, IPMI_PROPERTIES, type IpmiDriverOptions, type IpmitoolOptions } from './ipmi/index.js';
export { createRedfishInterfaces, parseRedfishInfo, RedfishClient, RedfishClientCache, REDFISH_PROPERTIES, type RedfishDriverOptions } from './redfish/index.js';
export * as noop from './noop/index.js';

export interface DriverRegistryOptions extends RegistryOptions {
  fake?: FakeOptions;
  ipmi?: IpmiDriverOptions;
  redfish?: RedfishDriverOptions;
}

/**
 * A registry with the three built-in hardware types and every implementation
 * drivers/ provides (fake, ipmitool, redfish, no-*, noop). Boot (pxe, ipxe)
 * and deploy (direct, ramdisk) implementations are the conductor's to register.
 */
export function createDriverRegistry(opts: DriverRegistryOptions = {}): DriverRegistry {
  const reg = new DriverRegistry(opts);
  for (const hw of BUILTIN_HARDWARE_TYPES) reg.registerHardwareType(hw);
  for (const impl of NOOP_INTERFACES) reg.registerInterface(impl);
  for (const impl of createFakeInterfaces(opts.fake)) reg.registerInterface(impl);
  for (const impl of Object.values(createIpmiInterfaces(opts.ipmi))) reg.registerInterface(impl);
  for (const impl of Object.values(createRedfishInterfaces(opts.redfish))) reg.registerInterface(impl);
  return reg;
}
