/** Deploy interfaces (ramdisk) and the wiring of network boot and the agent into the metal module. */
export { createRamdiskDeploy, BOOTED_KEY, type RamdiskDeployOptions, type SteppedDeployInterface } from './ramdisk.js';
export { createProvisioning, type Provisioning, type ProvisioningDeps, type ProvisioningOptions } from './provisioning.js';
