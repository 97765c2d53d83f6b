/**
 * Parses the image strings the CLI and API accept:
 *   busybox                     the built-in image (the default)
 *   dir:/path  or  /path        a root directory
 *   oci-archive:/path.tar[:name] or /path.tar   an OCI or `docker save` tarball
 */
import { SandboxError } from '../model/errors.js';
import type { ImageRef } from './image-types.js';

export function parseImageRef(text: string): ImageRef {
  const s = text.trim();
  if (s === '' || s === 'busybox') return { type: 'busybox' };
  if (s.startsWith('dir:')) return directory(s.slice(4), text);
  if (s.startsWith('oci-archive:')) {
    const rest = s.slice('oci-archive:'.length);
    // an optional ":name" after a path ending in .tar
    const m = /^(.*?\.tar):([^/]+)$/.exec(rest);
    const path = m ? m[1] : rest;
    if (!path.startsWith('/')) throw new SandboxError('invalid_spec', `image ${JSON.stringify(text)}: the archive path must be absolute`);
    return m ? { type: 'oci-archive', path, name: m[2] } : { type: 'oci-archive', path };
  }
  if (s.startsWith('/')) return /\.tar$/.test(s) ? { type: 'oci-archive', path: s } : directory(s, text);
  throw new SandboxError('invalid_spec', `image ${JSON.stringify(text)}: expected busybox, dir:/path, oci-archive:/path.tar or an absolute path`);
}

function directory(path: string, text: string): ImageRef {
  if (!path.startsWith('/')) throw new SandboxError('invalid_spec', `image ${JSON.stringify(text)}: the directory must be an absolute path`);
  return { type: 'directory', path };
}

export function formatImageRef(ref: ImageRef): string {
  if (ref.type === 'busybox') return 'busybox';
  if (ref.type === 'directory') return `dir:${ref.path}`;
  return `oci-archive:${ref.path}${ref.name ? `:${ref.name}` : ''}`;
}
