/**
 * Resolves a path inside an unpacked root filesystem as if the root were
 * chrooted: symlinks met on the way are followed within the root (an
 * absolute target restarts at the root, ".." stops at the root), so an
 * image's `etc -> /` can never direct a write to the host's /etc.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_LINKS = 40;

export class RootPathError extends Error {
  override name = 'RootPathError';
}

/** Splits a tar or image path into clean components ("./a//b/" -> ["a","b"]). */
export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/**
 * Returns the host path of `parts` under root, following symlinks in every
 * component except the last (which the caller creates or replaces).
 */
export async function resolveInRoot(root: string, parts: readonly string[], followLast = false): Promise<string> {
  let links = 0;
  const resolved: string[] = [];
  const queue = [...parts];
  while (queue.length) {
    const part = queue.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    if (part === '.' || part === '') continue;
    const isLast = queue.length === 0;
    const candidate = join(root, ...resolved, part);
    if (isLast && !followLast) {
      resolved.push(part);
      break;
    }
    const st = await lstat(candidate).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new RootPathError(`too many levels of symbolic links resolving /${parts.join('/')}`);
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      queue.unshift(...splitPath(target));
      continue;
    }
    resolved.push(part);
  }
  return join(root, ...resolved);
}
