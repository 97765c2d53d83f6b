/**
 * Files in and out of sandboxes, staged in the server's transfer
 * directory: an upload (a tar, or one file) is unpacked there and copied in
 * through the agent; a path copied out is packed as a tar (or streamed as
 * one file's bytes) from there.
 */
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidInputError, PayloadTooLargeError, type Principal } from '../../core/index.js';
import { extractTar, hostPathEntries, tarStream } from '../../core/tar/index.js';
import type { Sandboxes } from './records.js';

export class Copies {
  constructor(
    private readonly sandboxes: Sandboxes,
    /** where copies are staged */
    private readonly transfers: string,
    private readonly limit: number,
  ) {}

  /** Clears copies staged by a server that died mid-transfer. */
  async open(): Promise<void> {
    await rm(this.transfers, { recursive: true, force: true });
    await mkdir(this.transfers, { recursive: true, mode: 0o700 });
  }

  private stage(): Promise<string> {
    return mkdtemp(join(this.transfers, 'x-'));
  }

  /**
   * Copies an upload into a sandbox: a tar's entries go under `path` (a
   * directory, created if missing); a single file becomes `path` itself.
   */
  async copyIn(caller: Principal, id: string, path: string, body: AsyncIterable<Uint8Array>, kind: 'tar' | 'file', mode?: number): Promise<{ path: string; entries: number; bytes: number }> {
    const target = sandboxPath(path);
    const live = await this.sandboxes.running(caller, id, 'copy files in');
    const stage = await this.stage();
    try {
      if (kind === 'file') {
        const file = join(stage, 'file');
        const bytes = await writeLimited(body, file, this.limit);
        await chmod(file, mode ?? 0o644);
        await live.sandbox.copyIn(file, target);
        return { path: target, entries: 1, bytes };
      }
      const r = await extractTar(body, stage, { limit: this.limit });
      if (r.topLevel.length === 0) {
        // an empty archive (or only "./"): the directory itself
        await chmod(stage, 0o755);
        await live.sandbox.copyIn(stage, target);
      }
      for (const name of r.topLevel) await live.sandbox.copyIn(join(stage, name), posix.join(target, name));
      return { path: target, entries: r.entries, bytes: r.bytes };
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }

  /**
   * Copies a sandbox path out: as a tar whose one top entry is the path's
   * base name, or (format file) as the bytes of a regular file.
   */
  async copyOut(caller: Principal, id: string, path: string, format: 'tar' | 'file'): Promise<{ stream: Readable; type: 'file' | 'directory' | 'symlink'; size?: number; name: string }> {
    const source = sandboxPath(path);
    if (source === '/') throw new InvalidInputError('copy out a path below /, not the whole file system');
    const live = await this.sandboxes.running(caller, id, 'copy files out');
    const stage = await this.stage();
    const out = join(stage, 'out');
    const cleanup = () => void rm(stage, { recursive: true, force: true });
    try {
      await live.sandbox.copyOut(source, out);
      const st = await lstat(out);
      const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
      const name = posix.basename(source);
      let stream: Readable;
      if (format === 'file') {
        if (type !== 'file') throw new InvalidInputError(`${source} is a ${type}: ask for it as a tar archive`);
        stream = createReadStream(out);
      } else {
        stream = Readable.from(tarStream(hostPathEntries(out, name)), { objectMode: false });
      }
      stream.once('close', cleanup);
      return { stream, type, size: type === 'file' ? st.size : undefined, name };
    } catch (err) {
      cleanup();
      throw err;
    }
  }
}

function sandboxPath(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/')) throw new InvalidInputError(`path ${JSON.stringify(p)} must be an absolute path in the sandbox`);
  if (p.includes('\0')) throw new InvalidInputError('path contains a NUL byte');
  if (p.split('/').includes('..')) throw new InvalidInputError(`path ${JSON.stringify(p)} may not contain ".."`);
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

async function writeLimited(body: AsyncIterable<Uint8Array>, file: string, limit: number): Promise<number> {
  const fh = await open(file, 'wx', 0o600);
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.length;
      if (bytes > limit) throw new PayloadTooLargeError(`upload larger than the limit of ${limit} bytes`);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  return bytes;
}
