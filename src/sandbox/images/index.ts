export type { ImageRef, ImageConfig, ResolvedImage } from './image-types.js';
export { parseImageRef, formatImageRef } from './image-ref.js';
export { resolveImage } from './resolve-image.js';
export { ensureBusyboxImage, BUSYBOX_BINARY } from './busybox-image.js';
export { planArchive, unpackArchive } from './oci-archive.js';
export { applyLayer } from './layer-apply.js';
export { resolveInRoot, splitPath } from './root-path.js';
