/**
 * Streaming tar (POSIX ustar with pax extended headers), both ways, for
 * copying files in and out over HTTP: the server packs what it copied out
 * of a sandbox and unpacks what a client uploads; the CLI does the reverse.
 * Nothing is held in memory beyond one block and one data chunk.
 *
 * Unpacking treats the archive as hostile: no absolute paths, no "..", no
 * write through a symlink (every parent is checked with lstat, files are
 * created with O_EXCL|O_NOFOLLOW), hard links become copies of files
 * already unpacked, devices and fifos are skipped, and a byte limit caps the
 * whole stream.
 */
import { createReadStream, constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, readdir, readlink, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777; // 11 octal digits: 8 GiB - 1

/** A malformed, hostile or oversized archive: the HTTP status says which. */
export class TarError extends Error {
  override name = 'TarError';
  constructor(message: string, readonly statusCode = 400, readonly code = 'invalid_archive') {
    super(message);
  }
}

export type TarEntryType = 'file' | 'directory' | 'symlink';

export interface TarEntry {
  /** relative path, "/"-separated */
  path: string;
  type: TarEntryType;
  mode: number;
  /** seconds since the epoch */
  mtime?: number;
  /** files: the exact number of bytes content() yields */
  size?: number;
  linkname?: string;
  content?: () => AsyncIterable<Buffer>;
}

// ---------------------------------------------------------------- writing

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length !== String(len - bodyLen).length) len = bodyLen + String(len).length;
  return Buffer.from(`${len}${body}`);
}

function header(name: string, type: string, mode: number, size: number, mtime: number, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.max(0, Math.floor(mtime)), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** Packs entries into tar blocks, ending with the two zero blocks. */
export async function* tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    const name = e.type === 'directory' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    const size = e.type === 'file' ? (e.size ?? 0) : 0;
    const linkname = e.linkname ?? '';
    const pax: Buffer[] = [];
    if (Buffer.byteLength(name) > 100) pax.push(paxRecord('path', name));
    if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
    if (size > MAX_OCTAL_SIZE) pax.push(paxRecord('size', String(size)));
    if (pax.length) {
      const data = Buffer.concat(pax);
      yield header('PaxHeader', 'x', 0o644, data.length, e.mtime ?? 0, '');
      yield data;
      yield padding(data.length);
    }
    const type = e.type === 'file' ? '0' : e.type === 'directory' ? '5' : '2';
    yield header(name, type, e.mode, Math.min(size, MAX_OCTAL_SIZE), e.mtime ?? Date.now() / 1000, linkname);
    if (e.type !== 'file') continue;
    let sent = 0;
    if (e.content && size > 0) {
      for await (const chunk of e.content()) {
        const take = chunk.subarray(0, size - sent);
        sent += take.length;
        if (take.length) yield take;
        if (sent >= size) break;
      }
    }
    if (sent < size) throw new TarError(`${e.path}: file shrank while being packed (${sent} of ${size} bytes)`, 500, 'copy_failed');
    yield padding(size);
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
    yield { path: name, type: 'directory', mode, mtime };
    for (const child of (await readdir(hostPath)).sort()) yield* hostPathEntries(join(hostPath, child), `${name}/${child}`);
  } else if (st.isFile()) {
    yield { path: name, type: 'file', mode, mtime, size: st.size, content: () => createReadStream(hostPath) };
  }
  // devices, fifos and sockets are not copied
}

// ---------------------------------------------------------------- reading

/** Reads exact byte counts from a stream of arbitrary chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  total = 0;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly limit: number,
  ) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.source.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    this.total += b.length;
    if (this.total > this.limit) throw new TarError(`archive larger than the limit of ${this.limit} bytes`, 413, 'payload_too_large');
    if (b.length) {
      this.chunks.push(b);
      this.buffered += b.length;
    }
    return true;
  }

  /** Up to n bytes (at least 1), or undefined at the end of the stream. */
  async some(n: number): Promise<Buffer | undefined> {
    while (this.buffered === 0) if (!(await this.fill())) return undefined;
    const first = this.chunks[0]!;
    if (first.length <= n) {
      this.chunks.shift();
      this.buffered -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return first.subarray(0, n);
  }

  /** Exactly n bytes; undefined when the stream ends first (with `got` the bytes it had). */
  async exact(n: number): Promise<{ data?: Buffer; got: number }> {
    while (this.buffered < n) if (!(await this.fill())) return { got: this.buffered };
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const b = (await this.some(need))!;
      parts.push(b);
      need -= b.length;
    }
    return { data: parts.length === 1 ? parts[0] : Buffer.concat(parts), got: n };
  }

  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (await this.fill()) {
      this.chunks = [];
      this.buffered = 0;
    }
  }
}

function cString(b: Buffer, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function parseNumber(b: Buffer, start: number, len: number, what: string, at: number): number {
  const field = b.subarray(start, start + len);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian, top bit of the first byte set
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = field.toString('ascii').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`not a tar archive: bad ${what} field in the header at byte ${at}`);
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = parseInt(h.subarray(148, 156).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(data: Buffer, at: number): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    const len = sp < 0 ? NaN : Number(data.subarray(off, sp).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || off + len > data.length) throw new TarError(`malformed pax header at byte ${at}`);
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

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
  const reader = new ByteReader(source[Symbol.asyncIterator](), opts.limit ?? Number.POSITIVE_INFINITY);
  const result: ExtractResult = { topLevel: [], entries: 0, bytes: 0, skipped: [] };
  const dirModes: Array<{ path: string; mode: number; depth: number }> = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;

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
  const skipData = async (size: number): Promise<void> => {
    let left = size + padding(size).length;
    while (left > 0) {
      const b = await reader.some(left);
      if (!b) throw new TarError(`archive truncated at byte ${reader.total}`);
      left -= b.length;
    }
  };

  for (;;) {
    const at = reader.total;
    const { data: h, got } = await reader.exact(BLOCK);
    if (!h) {
      if (got === 0) break; // the end without end-of-archive blocks: accepted, as GNU tar does
      throw new TarError(`archive truncated at byte ${reader.total}`);
    }
    if (h.every((b) => b === 0)) {
      await reader.drain(); // the second zero block and any record padding
      break;
    }
    if (!checksumOk(h)) throw new TarError(`not a tar archive (header checksum mismatch at byte ${at})`);
    const type = String.fromCharCode(h[156]!) || '0';
    const size = pax.size !== undefined ? Number(pax.size) : parseNumber(h, 124, 12, 'size', at);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`archive entry at byte ${at}: bad size`);
    const mode = parseNumber(h, 100, 8, 'mode', at) & 0o7777;
    const prefix = h.subarray(257, 262).toString('ascii') === 'ustar' ? cString(h, 345, 155) : '';
    const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
    const linkname = pax.linkpath ?? longLink ?? cString(h, 157, 100);

    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      const meta = await reader.exact(size);
      if (!meta.data && size > 0) throw new TarError(`archive truncated at byte ${reader.total}`);
      const pad = padding(size).length;
      if (pad && !(await reader.exact(pad)).data) throw new TarError(`archive truncated at byte ${reader.total}`);
      const body = meta.data ?? Buffer.alloc(0);
      if (type === 'x') pax = { ...pax, ...parsePax(body, at) };
      else if (type === 'L') longName = body.toString('utf8').replace(/\0+$/, '');
      else if (type === 'K') longLink = body.toString('utf8').replace(/\0+$/, '');
      continue; // 'g' (global) carries nothing we use
    }
    pax = {};
    longName = undefined;
    longLink = undefined;

    const what = JSON.stringify(rawName);
    let parts = entryParts(rawName);
    if (opts.rename) parts = opts.rename(parts);
    if (parts.length === 0) {
      await skipData(size);
      continue; // the archive's root ("./"): dest itself is left as it is
    }
    if (parts.length === 1 && !result.topLevel.includes(parts[0]!)) result.topLevel.push(parts[0]!);
    result.entries++;

    if (type === '5') {
      const path = await parent(parts, what);
      const st = await lstat(path).catch(() => undefined);
      if (!st) await mkdir(path, { mode: 0o700 });
      else if (!st.isDirectory()) throw new TarError(`archive entry ${what}: ${path} exists and is not a directory`);
      await chmod(path, 0o700 | mode);
      dirModes.push({ path, mode, depth: parts.length });
      await skipData(size);
    } else if (type === '0' || type === '\0' || type === '7') {
      const path = await parent(parts, what);
      await replaceable(path, what);
      const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        let left = size;
        while (left > 0) {
          const b = await reader.some(Math.min(left, 1 << 20));
          if (!b) throw new TarError(`archive truncated at byte ${reader.total} (in ${what})`);
          await fh.write(b);
          left -= b.length;
        }
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
      const pad = padding(size).length;
      if (pad && !(await reader.exact(pad)).data) throw new TarError(`archive truncated at byte ${reader.total}`);
      result.bytes += size;
    } else if (type === '2') {
      const path = await parent(parts, what);
      await replaceable(path, what);
      await symlink(linkname, path);
      await skipData(size);
    } else if (type === '1') {
      // a hard link to an entry already unpacked: copied, never linked to anything outside dest
      let targetParts = entryParts(linkname);
      if (opts.rename) targetParts = opts.rename(targetParts);
      const target = await existing(targetParts);
      if (!target) throw new TarError(`archive entry ${what}: hard link to ${JSON.stringify(linkname)}, which is not a file unpacked before it`);
      const path = await parent(parts, what);
      await replaceable(path, what);
      await copyFile(target, path, constants.COPYFILE_EXCL);
      await skipData(size);
    } else {
      result.skipped.push(rawName);
      result.entries--;
      await skipData(size);
    }
  }
  // deepest first, so a read-only parent does not stop its children's modes
  for (const d of dirModes.sort((a, b) => b.depth - a.depth)) await chmod(d.path, d.mode);
  return result;
}
