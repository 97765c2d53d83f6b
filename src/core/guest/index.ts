/**
 * What the project puts inside the guests it boots (metal's deploy ramdisk,
 * the sandbox VM): initramfs archives, kernel modules, Debian's kernel
 * package. Imported by modules through this file, not through core/index.ts.
 */
export { writeCpio, type CpioEntry } from './cpio.js';
export { loadOrder, moduleDepends, moduleName } from './kernel-modules.js';
export { KERNEL_META_PACKAGE, candidatePackage, currentKernelPackage, defaultDebDir, downloadKernelDeb, type DebianPackage, type KernelDebOptions } from './debian-kernel.js';
