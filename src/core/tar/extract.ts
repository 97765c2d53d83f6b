/**
 * Unpacking an untrusted tar stream under a directory. The archive is
 * treated as hostile: no absolute paths, no "..", no write through a
 * symlink (every parent is checked with lstat, files are created with
 * O_EXCL|O_NOFOLLOW), hard links become copies of files already unpacked,
 * devices and fifos are skipped, and a byte limit caps the whole stream.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TarError } from './format.js';
import { readTar } from './reader.js';

/** A relative archive path as components; "" and "." are the root. Throws on absolute paths and "..". */
export function entryParts(path: string): string[] {
  if (path.startsWith('/')) throw new TarError(`archive entry ${JSON.stringify(path)}: absolute paths are not allowed`);
  if (path.includes('\0')) throw new TarError(`archive entry ${JSON.stringify(path)}: contains a NUL byte`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new TarError(`archive entry ${JSON.stringify(path)}: ".." is not allowed`);
  return parts;
}

export interface ExtractOptions {
  /** byte limit on the whole archive (default: none) */
  limit?: number;
  /** maps an entry's components to where it goes under dest (e.g. renames the top entry) */
  rename?: (parts: string[]) => string[];
}

export interface ExtractResult {
  /** names of the entries directly under dest, in archive order */
  topLevel: string[];
  entries: number;
  bytes: number;
  /** devices, fifos and other entries that were not unpacked */
  skipped: string[];
}

/**
 * Unpacks a tar stream under `dest` (which must exist). Existing files are
 * replaced, existing directories merged; directory modes are applied last so
 * read-only directories can still be filled.
 */
export async function extractTar(source: AsyncIterable<Uint8Array>, dest: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const result: ExtractResult = { topLevel: [], entries: 0, bytes: 0, skipped: [] };
  const dirModes: Array<{ path: string; mode: number; depth: number }> = [];
  const place = (path: string) => (opts.rename ? opts.rename(entryParts(path)) : entryParts(path));

  // Every component from dest down to the parent must be a real directory:
  // a symlink unpacked earlier must never redirect a later write.
  const parent = async (parts: string[], what: string): Promise<string> => {
    let path = dest;
    for (const part of parts.slice(0, -1)) {
      path = join(path, part);
      const st = await lstat(path).catch(() => undefined);
      if (!st) await mkdir(path, { mode: 0o755 });
      else if (!st.isDirectory()) throw new TarError(`archive entry ${what}: ${path} is not a directory (symlinks are not followed)`);
    }
    return join(path, parts[parts.length - 1]!);
  };
  // An entry already unpacked, reached through real directories only.
  const existing = async (parts: string[]): Promise<string | undefined> => {
    let path = dest;
    for (const [i, part] of parts.entries()) {
      path = join(path, part);
      const st = await lstat(path).catch(() => undefined);
      if (!st || (i < parts.length - 1 ? !st.isDirectory() : !st.isFile())) return undefined;
    }
    return parts.length ? path : undefined;
  };
  const replaceable = async (path: string, what: string): Promise<void> => {
    const st = await lstat(path).catch(() => undefined);
    if (st?.isDirectory()) throw new TarError(`archive entry ${what}: ${path} is a directory`);
    if (st) await unlink(path);
  };

  for await (const entry of readTar(source, { limit: opts.limit, lenientEnd: true })) {
    const what = JSON.stringify(entry.path);
    const mode = entry.mode & 0o7777;
    const parts = place(entry.path);
    if (parts.length === 0) continue; // the archive's root ("./"): dest itself is left as it is
    if (parts.length === 1 && !result.topLevel.includes(parts[0]!)) result.topLevel.push(parts[0]!);
    result.entries++;

    if (entry.type === 'dir') {
      const path = await parent(parts, what);
      const st = await lstat(path).catch(() => undefined);
      if (!st) await mkdir(path, { mode: 0o700 });
      else if (!st.isDirectory()) throw new TarError(`archive entry ${what}: ${path} exists and is not a directory`);
      await chmod(path, 0o700 | mode);
      dirModes.push({ path, mode, depth: parts.length });
    } else if (entry.type === 'file') {
      const path = await parent(parts, what);
      await replaceable(path, what);
      const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        for await (const b of entry.body()) await fh.write(b);
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
      result.bytes += entry.size;
    } else if (entry.type === 'symlink') {
      const path = await parent(parts, what);
      await replaceable(path, what);
      await symlink(entry.linkname, path);
    } else if (entry.type === 'hardlink') {
      // a hard link to an entry already unpacked: copied, never linked to anything outside dest
      const target = await existing(place(entry.linkname));
      if (!target) throw new TarError(`archive entry ${what}: hard link to ${JSON.stringify(entry.linkname)}, which is not a file unpacked before it`);
      const path = await parent(parts, what);
      await replaceable(path, what);
      await copyFile(target, path, constants.COPYFILE_EXCL);
    } else {
      result.skipped.push(entry.path);
      result.entries--;
    }
  }
  // deepest first, so a read-only parent does not stop its children's modes
  for (const d of dirModes.sort((a, b) => b.depth - a.depth)) await chmod(d.path, d.mode);
  return result;
}
