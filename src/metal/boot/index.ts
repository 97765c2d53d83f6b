/**
 * Network boot for metal: iPXE scripts (the DHCP chain script and per-node
 * scripts), the `ipxe` boot interface, the HTTP routes that serve scripts
 * and boot images, dnsmasq configuration for a provisioning network, and
 * Strata's deploy ramdisk (Debian kernel + busybox + the agent).
 */
export { normalizeMac, macHexhyp } from './mac.js';
export { checkKernelArg, splitKernelArgs, kernelArgsFromMap } from './kernel-params.js';
export { renderChainScript, renderNodeScript, checkBootUrl, type ChainScriptOptions, type NodeScriptOptions, type NodeBootMode } from './ipxe-script.js';
export { renderDnsmasqConfig, type DnsmasqOptions } from './dnsmasq-config.js';
export { startDnsmasq, type DnsmasqProcess, type StartDnsmasqOptions } from './dnsmasq.js';
export { HttpBootStore } from './http-boot-store.js';
export { BootImages, type BootImageInfo } from './boot-images.js';
export { createIpxeBoot, isRamdiskCapable, DEFAULT_KERNEL_APPEND_PARAMS, IPXE_PROPERTIES, type IpxeBootOptions, type RamdiskCapableBoot } from './ipxe-boot.js';
export { bootRoutes, type BootRoutesOptions } from './routes.js';
export { buildDeployRamdisk, deployImageNames, isStaticElf, type DeployRamdisk, type DeployRamdiskOptions } from './ramdisk/build.js';
export { prepareKernelKit, DEFAULT_MODULES, type KernelKit } from './ramdisk/kernel-package.js';
export { defaultMetalCacheDir } from './ramdisk/cache.js';
export { createLabNetwork, type LabNetwork, type LabNetworkOptions } from './lab-network.js';
export { register as registerBootCli } from './cli.js';
