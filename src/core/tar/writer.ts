/**
 * Writing tar (ustar, with pax records where a name, link or size does not
 * fit): a streaming writer whose file contents are read as they are packed
 * (copies out of sandboxes, uploads from the CLI), the entries of a host
 * tree to feed it, and a whole archive in memory for tests and fixtures.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOCK, TarError, headerBlocks, padding, type HeaderSpec } from './format.js';

export interface TarEntry {
  /** relative path, "/"-separated */
  path: string;
  type: HeaderSpec['type'];
  mode: number;
  /** seconds since the epoch (default: now) */
  mtime?: number;
  /** files: the exact number of bytes content() yields */
  size?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
  content?: () => AsyncIterable<Buffer>;
}

function spec(e: TarEntry, mtime: number): HeaderSpec {
  return { path: e.path, type: e.type, mode: e.mode, size: e.type === 'file' ? (e.size ?? 0) : 0, mtime, linkname: e.linkname ?? '', uid: e.uid ?? 0, gid: e.gid ?? 0 };
}

/** Packs entries into tar blocks, ending with the two zero blocks. */
export async function* tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    const h = spec(e, e.mtime ?? Date.now() / 1000);
    yield* headerBlocks(h);
    if (e.type !== 'file') continue;
    let sent = 0;
    if (e.content && h.size > 0) {
      for await (const chunk of e.content()) {
        const take = chunk.subarray(0, h.size - sent);
        sent += take.length;
        if (take.length) yield take;
        if (sent >= h.size) break;
      }
    }
    if (sent < h.size) throw new TarError(`${e.path}: file shrank while being packed (${sent} of ${h.size} bytes)`, 500, 'copy_failed');
    yield Buffer.alloc(padding(h.size));
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** Entries of a host file or tree, the top one named `name` (symlinks are kept as links). */
export async function* hostPathEntries(hostPath: string, name: string): AsyncGenerator<TarEntry> {
  const st = await lstat(hostPath);
  const mode = st.mode & 0o7777;
  const mtime = Math.floor(st.mtimeMs / 1000);
  if (st.isSymbolicLink()) {
    yield { path: name, type: 'symlink', mode, mtime, linkname: await readlink(hostPath) };
  } else if (st.isDirectory()) {
    yield { path: name, type: 'dir', mode, mtime };
    for (const child of (await readdir(hostPath)).sort()) yield* hostPathEntries(join(hostPath, child), `${name}/${child}`);
  } else if (st.isFile()) {
    yield { path: name, type: 'file', mode, mtime, size: st.size, content: () => createReadStream(hostPath) };
  }
  // devices, fifos and sockets are not copied
}

/** One entry of an archive built in memory: data instead of a content stream, modes and type defaulted. */
export interface TarWriteEntry {
  path: string;
  type?: HeaderSpec['type'];
  mode?: number;
  data?: Buffer | string;
  linkname?: string;
  uid?: number;
  gid?: number;
}

/** A whole archive in memory (tests and fixtures; a fixed mtime keeps it reproducible). */
export function writeTar(entries: TarWriteEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    const mode = e.mode ?? (type === 'dir' ? 0o755 : 0o644);
    out.push(...headerBlocks(spec({ ...e, type, mode, size: data.length }, 1700000000)), data, Buffer.alloc(padding(data.length)));
  }
  out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
}
