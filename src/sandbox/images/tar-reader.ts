/**
 * A tar reader for image tarballs and layers: ustar, GNU long names ('L',
 * 'K') and pax headers ('x'), with checksums verified. Two front ends: a
 * streaming reader over any byte source (layers, possibly gunzipped on the
 * fly) and an index of a tar file's members by offset (the outer OCI or
 * `docker save` archive, whose members are then read at random).
 */
import { open } from 'node:fs/promises';

export const BLOCK = 512;

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarHeader {
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

export class TarError extends Error {
  override name = 'TarError';
}

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

function octal(buf: Buffer, start: number, len: number, field: string, offset: number): number {
  // GNU base-256 for large values: high bit of the first byte set
  if (buf[start] & 0x80) {
    let v = buf[start] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[start + i];
    return v;
  }
  const s = cstring(buf, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`bad ${field} field ${JSON.stringify(s)} in header at offset ${offset}`);
  return parseInt(s, 8);
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

/** Raw typeflag and parsed fields of one 512-byte header block. */
export function parseHeader(block: Buffer, offset: number): TarHeader & { typeflag: string } {
  if (block.length !== BLOCK) throw new TarError(`truncated header at offset ${offset}`);
  const stored = octal(block, 148, 8, 'checksum', offset);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  if (sum !== stored) throw new TarError(`bad header checksum at offset ${offset} (stored ${stored}, computed ${sum})`);
  const magic = block.toString('latin1', 257, 263);
  let path = cstring(block, 0, 100);
  if (magic === 'ustar\0') {
    const prefix = cstring(block, 345, 155);
    if (prefix) path = `${prefix}/${path}`;
  }
  const typeflag = String.fromCharCode(block[156]);
  return {
    typeflag,
    path,
    type: TYPES[typeflag] ?? 'other',
    mode: octal(block, 100, 8, 'mode', offset),
    uid: octal(block, 108, 8, 'uid', offset),
    gid: octal(block, 116, 8, 'gid', offset),
    size: octal(block, 124, 12, 'size', offset),
    mtime: octal(block, 136, 12, 'mtime', offset),
    linkname: cstring(block, 157, 100),
    devmajor: octal(block, 329, 8, 'devmajor', offset),
    devminor: octal(block, 337, 8, 'devminor', offset),
  };
}

/** Pax extended header records: "LEN key=value\n". */
export function parsePax(data: Buffer, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number(data.toString('latin1', pos, space));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) throw new TarError(`bad pax record at offset ${offset + pos}`);
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Folds GNU long names and pax records into the next real header. */
class MetaState {
  longName?: string;
  longLink?: string;
  pax?: Map<string, string>;

  apply(h: TarHeader): TarHeader {
    const out = { ...h };
    if (this.longName !== undefined) out.path = this.longName;
    if (this.longLink !== undefined) out.linkname = this.longLink;
    if (this.pax) {
      const p = this.pax;
      if (p.has('path')) out.path = p.get('path')!;
      if (p.has('linkpath')) out.linkname = p.get('linkpath')!;
      if (p.has('size')) out.size = Number(p.get('size'));
      if (p.has('uid')) out.uid = Number(p.get('uid'));
      if (p.has('gid')) out.gid = Number(p.get('gid'));
      if (p.has('mtime')) out.mtime = Math.floor(Number(p.get('mtime')));
    }
    this.longName = this.longLink = this.pax = undefined;
    return out;
  }
}

/** Pulls exact byte counts out of an async byte source. */
class ByteReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private done = false;
  offset = 0;
  private readonly it: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.have += r.value.length;
      }
    }
  }

  /** Up to n bytes (fewer only at end of input). */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const take = Math.min(n, this.have);
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.have);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    this.offset += take;
    return out;
  }

  /** Up to max bytes of whatever is buffered or next (for streaming bodies). */
  async readSome(max: number): Promise<Buffer> {
    if (this.have === 0) await this.fill(1);
    if (this.have === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first.length <= max) {
      this.chunks.shift();
      this.have -= first.length;
      this.offset += first.length;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.have -= max;
    this.offset += max;
    return first.subarray(0, max);
  }

  async drain(): Promise<void> {
    for (;;) {
      const r = await this.it.next();
      if (r.done) return;
    }
  }
}

export interface TarStreamEntry extends TarHeader {
  /** The entry's bytes; read it before asking for the next entry (or it is skipped). */
  body(): AsyncGenerator<Buffer>;
}

/** Streams the entries of a tar byte source. Throws TarError on corruption. */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarStreamEntry> {
  const r = new ByteReader(source);
  const meta = new MetaState();
  for (;;) {
    const at = r.offset;
    const block = await r.read(BLOCK);
    if (block.length === 0) throw new TarError(`unexpected end of archive at offset ${at} (no end-of-archive marker)`);
    if (block.length < BLOCK) throw new TarError(`truncated archive: partial header at offset ${at}`);
    if (isZeroBlock(block)) {
      await r.drain(); // the rest is end-of-archive padding (and digests need every byte)
      return;
    }
    const h = parseHeader(block, at);
    if (h.typeflag === 'L' || h.typeflag === 'K' || h.typeflag === 'x' || h.typeflag === 'g') {
      const data = await r.read(padded(h.size));
      if (data.length < padded(h.size)) throw new TarError(`truncated archive in the extended header at offset ${at}`);
      const body = data.subarray(0, h.size);
      if (h.typeflag === 'L') meta.longName = cstring(body, 0, body.length);
      else if (h.typeflag === 'K') meta.longLink = cstring(body, 0, body.length);
      else if (h.typeflag === 'x') meta.pax = parsePax(body, at + BLOCK);
      continue;
    }
    const header = meta.apply(h);
    const size = header.type === 'file' ? header.size : 0;
    let remaining = size;
    const bodyStart = r.offset;
    async function* body(): AsyncGenerator<Buffer> {
      while (remaining > 0) {
        const chunk = await r.readSome(Math.min(remaining, 1 << 20));
        if (chunk.length === 0) throw new TarError(`truncated archive: ${header.path} ends ${remaining} bytes early (entry data at offset ${bodyStart})`);
        remaining -= chunk.length;
        yield chunk;
      }
    }
    yield { ...header, body };
    while (remaining > 0) {
      const chunk = await r.readSome(Math.min(remaining, 1 << 20));
      if (chunk.length === 0) throw new TarError(`truncated archive: ${header.path} ends ${remaining} bytes early`);
      remaining -= chunk.length;
    }
    const pad = padded(size) - size;
    if (pad) {
      const p = await r.read(pad);
      if (p.length < pad) throw new TarError(`truncated archive after ${header.path}`);
    }
  }
}

export interface TarMember extends TarHeader {
  /** Byte offset of the member's data in the file. */
  dataOffset: number;
}

/** Lists a tar file's members by reading only the headers. */
export async function indexTarFile(path: string): Promise<Map<string, TarMember>> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const members = new Map<string, TarMember>();
    const meta = new MetaState();
    const block = Buffer.alloc(BLOCK);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, BLOCK, pos);
      if (bytesRead === 0) throw new TarError(`${path}: unexpected end of archive at offset ${pos} (no end-of-archive marker)`);
      if (bytesRead < BLOCK) throw new TarError(`${path}: truncated archive: partial header at offset ${pos}`);
      if (isZeroBlock(block)) return members;
      let h: ReturnType<typeof parseHeader>;
      try {
        h = parseHeader(block, pos);
      } catch (err) {
        throw new TarError(`${path}: ${(err as Error).message}`);
      }
      const dataOffset = pos + BLOCK;
      const isMeta = h.typeflag === 'L' || h.typeflag === 'K' || h.typeflag === 'x' || h.typeflag === 'g';
      let size = h.size;
      if (isMeta) {
        if (dataOffset + size > fileSize) throw new TarError(`${path}: truncated archive: extended header at offset ${pos} runs past the end`);
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataOffset);
        if (h.typeflag === 'L') meta.longName = cstring(data, 0, data.length);
        else if (h.typeflag === 'K') meta.longLink = cstring(data, 0, data.length);
        else if (h.typeflag === 'x') meta.pax = parsePax(data, dataOffset);
      } else {
        const header = meta.apply(h);
        size = header.type === 'file' ? header.size : 0;
        const name = header.path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
        if (dataOffset + size > fileSize)
          throw new TarError(`${path}: truncated archive: ${name || 'member'} at offset ${pos} needs ${size} bytes, the file ends first`);
        members.set(name, { ...header, path: name, dataOffset });
      }
      pos = dataOffset + padded(size);
    }
  } finally {
    await fh.close();
  }
}
