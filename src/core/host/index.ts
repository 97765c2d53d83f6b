/** Facts about the host that several modules act on. Light: safe to import from CLI code. */
export { chooseAccelerator, detectAccelerator } from './accelerator.js';
export type { Accelerator } from './accelerator.js';
