/** Turns an image reference into a root directory on the host. */
import { realpath, stat } from 'node:fs/promises';
import { SandboxError } from '../model/errors.js';
import { ensureBusyboxImage } from './busybox-image.js';
import { unpackArchive } from './oci-archive.js';
import type { ImageRef, ResolvedImage } from './image-types.js';

export async function resolveImage(ref: ImageRef, cacheDir: string): Promise<ResolvedImage> {
  switch (ref.type) {
    case 'busybox': {
      const { rootfs, digest } = await ensureBusyboxImage(cacheDir);
      return { ref, rootfs, digest, config: { env: [] } };
    }
    case 'directory': {
      const st = await stat(ref.path).catch(() => undefined);
      if (!st) throw new SandboxError('image_not_found', `image directory ${ref.path} does not exist`, { image: ref.path });
      if (!st.isDirectory()) throw new SandboxError('image_invalid', `image ${ref.path} is not a directory`, { image: ref.path });
      const real = await realpath(ref.path);
      if (real === '/') throw new SandboxError('image_invalid', 'the host root (/) cannot be a sandbox image', { image: ref.path });
      return { ref, rootfs: real, digest: `dir:${real}`, config: { env: [] } };
    }
    case 'oci-archive': {
      const st = await stat(ref.path).catch(() => undefined);
      if (!st) throw new SandboxError('image_not_found', `image archive ${ref.path} does not exist`, { image: ref.path });
      if (!st.isFile()) throw new SandboxError('image_invalid', `image archive ${ref.path} is not a file`, { image: ref.path });
      const { rootfs, digest, config } = await unpackArchive(ref.path, cacheDir, ref.name);
      return { ref, rootfs, digest, config };
    }
  }
}
