export { ensureGuestKernel, type GuestKernel, type GuestKernelOptions } from './guest-kernel.js';
export { ensureInitramfs, GUEST_MODULES, NETWORK_MODULES } from './initramfs.js';
export { qemuArgs, kernelCmdline, type QemuPlan, type Accelerator } from './qemu-args.js';
export { detectAccelerator } from './accel.js';
export { prepareSandboxAssets, type PreparedAssets } from './prepare.js';
