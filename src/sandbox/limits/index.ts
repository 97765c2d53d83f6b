export { detectCgroups, planCgroups, SandboxCgroup, wrapInCgroup, type CgroupSupport, type CgroupLimits } from './cgroups.js';
export { createNetwork, destroyNetwork, subnetAddresses, usedSubnets, type SandboxNetwork } from './network.js';
