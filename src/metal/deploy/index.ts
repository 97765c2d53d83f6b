/** Deploy interfaces (ramdisk, direct) and the wiring of network boot and the agent into the metal module. */
export { createRamdiskDeploy, BOOTED_KEY, type RamdiskDeployOptions, type SteppedDeployInterface } from './ramdisk.js';
export { createProvisioning, type Provisioning, type ProvisioningDeps, type ProvisioningOptions } from './provisioning.js';
export { createDirectDeploy, imageInfo, DIRECT_DEPLOY_STEPS, DIRECT_PHASE_KEY, type DirectDeployOptions, type ImageInfo } from './direct.js';
