export { prepareOverlayRoot, STANDARD_DIRS, AGENT_PATH, type OverlayRootOptions } from './overlay-rootfs.js';
