/**
 * Host ends of copy in and copy out: walking a host file or tree into copy
 * entries, and writing entries that come from a sandbox onto the host without
 * letting them escape the destination. The sandbox side is untrusted: an
 * entry may not be absolute, may not climb with "..", and a symlink it
 * created is never followed by a later entry.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, rm, symlink, chmod, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, dirname } from 'node:path';
import { SandboxError } from '../model/errors.js';

export type CopyEntry =
  | { type: 'f'; path: string; mode: number; content: () => AsyncIterable<Buffer> }
  | { type: 'd'; path: string; mode: number }
  | { type: 'l'; path: string; mode: number; target: string };

/** Receives a copied tree, entry by entry; data follows its file entry. */
export interface CopySink {
  entry(type: 'f' | 'd' | 'l', path: string, mode: number, target: string): Promise<void>;
  data(chunk: Buffer): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

/** Walks a host path depth-first; entry paths are relative to it ('' is the root). */
export async function* walkHostPath(hostPath: string, rel = ''): AsyncGenerator<CopyEntry> {
  const st = await lstat(hostPath).catch((err: NodeJS.ErrnoException) => {
    throw new SandboxError('copy_failed', `copy source ${hostPath}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`, {
      path: hostPath,
    });
  });
  const mode = st.mode & 0o7777;
  if (st.isSymbolicLink()) {
    yield { type: 'l', path: rel, mode, target: await readlink(hostPath) };
  } else if (st.isDirectory()) {
    yield { type: 'd', path: rel, mode };
    const names = (await readdir(hostPath)).sort();
    for (const name of names) yield* walkHostPath(join(hostPath, name), rel ? `${rel}/${name}` : name);
  } else if (st.isFile()) {
    yield { type: 'f', path: rel, mode, content: () => createReadStream(hostPath) };
  }
  // devices, fifos and sockets are not copied
}

/** Checks a relative entry path from the sandbox: no absolute paths, no "..". */
export function checkEntryPath(rel: string): string[] {
  if (rel === '') return [];
  if (rel.startsWith('/') || rel.includes('\0')) throw new SandboxError('copy_failed', `copy entry path ${JSON.stringify(rel)} is not relative`);
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new SandboxError('copy_failed', `copy entry path ${JSON.stringify(rel)} climbs out of the destination`);
  return parts;
}

/**
 * Writes a copied tree at `dest` (the copy's own path). Parents of dest are
 * created; what this sink created is removed again if the copy fails.
 */
export function hostTreeSink(dest: string): CopySink {
  let file: FileHandle | undefined;
  let destExisted: boolean | undefined;
  let created = false;

  // Every component below dest must be a real directory we can trust: a
  // symlink sent earlier in this copy must never redirect a later write.
  async function resolve(parts: string[]): Promise<string> {
    let path = dest;
    for (const part of parts) {
      const st = await lstat(path).catch(() => undefined);
      if (!st?.isDirectory())
        throw new SandboxError('copy_failed', `copy entry ${parts.join('/')}: ${path} is not a directory (symlinks are not followed)`);
      path = join(path, part);
    }
    return path;
  }

  async function closeFile(): Promise<void> {
    const f = file;
    file = undefined;
    await f?.close();
  }

  return {
    async entry(type, rel, mode, target) {
      await closeFile();
      const parts = checkEntryPath(rel);
      if (destExisted === undefined) {
        destExisted = (await lstat(dest).catch(() => undefined)) !== undefined;
        await mkdir(dirname(dest), { recursive: true });
      }
      const path = await resolve(parts);
      const safeMode = mode & 0o777; // never carry setuid/setgid bits out of a sandbox
      if (type === 'd') {
        const st = await lstat(path).catch(() => undefined);
        if (st && !st.isDirectory()) throw new SandboxError('copy_failed', `copy destination ${path} exists and is not a directory`);
        if (!st) await mkdir(path, { mode: safeMode });
        await chmod(path, safeMode | 0o700);
      } else if (type === 'l') {
        await rm(path, { force: true });
        await symlink(target, path);
      } else {
        file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, safeMode);
        await file.chmod(safeMode);
      }
      if (parts.length === 0) created = true;
    },
    async data(chunk) {
      if (!file) throw new SandboxError('copy_failed', 'copy data arrived without a file entry');
      await file.write(chunk);
    },
    async finish() {
      await closeFile();
      if (!created) throw new SandboxError('copy_failed', `copy to ${dest}: the sandbox sent nothing`);
    },
    async abort() {
      await closeFile().catch(() => {});
      if (destExisted === false) await rm(dest, { recursive: true, force: true }).catch(() => {});
    },
  };
}
