/**
 * Reading tar: a streaming reader over any byte source (an upload, an
 * image layer, possibly gunzipped on the fly, a command's stdout), nothing
 * held beyond one block and one data chunk; and an index of a tar file's
 * members by offset (an OCI or `docker save` archive, whose members are
 * then read at random).
 */
import { open } from 'node:fs/promises';
import { BLOCK, PendingMeta, TarError, isMetaFlag, isZeroBlock, padding, parseHeader, type TarHeader } from './format.js';

/** Pulls exact byte counts out of an async byte source, counting them against a limit. */
class ByteReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private done = false;
  /** bytes handed out so far */
  offset = 0;
  private pulled = 0;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly limit: number,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    this.pulled += b.length;
    if (this.pulled > this.limit) throw new TarError(`archive larger than the limit of ${this.limit} bytes`, 413, 'payload_too_large');
    if (b.length) {
      this.chunks.push(b);
      this.have += b.length;
    }
    return true;
  }

  /** Up to n bytes (fewer only at the end of input). */
  async read(n: number): Promise<Buffer> {
    while (this.have < n && (await this.pull()));
    const take = Math.min(n, this.have);
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
    const rest = all.subarray(take);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    this.offset += take;
    return all.subarray(0, take);
  }

  /** Up to max bytes of whatever is buffered or next (for streaming bodies); empty at the end. */
  async readSome(max: number): Promise<Buffer> {
    while (this.have === 0) if (!(await this.pull())) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    const take = Math.min(max, first.length);
    if (take === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(take);
    this.have -= take;
    this.offset += take;
    return first.subarray(0, take);
  }

  /** Reads the rest (end-of-archive padding: digests need every byte, limits count it). */
  async drain(): Promise<void> {
    while (await this.pull()) {
      this.chunks = [];
      this.have = 0;
    }
  }
}

export interface TarStreamEntry extends TarHeader {
  /** The entry's bytes; read it before asking for the next entry (or it is skipped). */
  body(): AsyncGenerator<Buffer>;
}

export interface ReadTarOptions {
  /** byte limit on the whole stream: beyond it, TarError 413 (default: none) */
  limit?: number;
  /** accept an archive that ends after an entry without its end-of-archive blocks, as GNU tar does (default: refuse) */
  lenientEnd?: boolean;
}

/** Types whose header is all there is: no data records follow, whatever the size field says. */
const NO_DATA = new Set(['hardlink', 'symlink', 'char', 'block', 'dir', 'fifo']);

/** Streams the entries of a tar byte source. Throws TarError on corruption. */
export async function* readTar(source: AsyncIterable<Uint8Array>, opts: ReadTarOptions = {}): AsyncGenerator<TarStreamEntry> {
  const r = new ByteReader(source, opts.limit ?? Number.POSITIVE_INFINITY);
  const meta = new PendingMeta();
  for (;;) {
    const at = r.offset;
    const block = await r.read(BLOCK);
    if (block.length === 0) {
      if (opts.lenientEnd) return;
      throw new TarError(`truncated archive: unexpected end of archive at offset ${at} (no end-of-archive marker)`);
    }
    if (block.length < BLOCK) throw new TarError(`truncated archive at offset ${r.offset}: partial header`);
    if (isZeroBlock(block)) {
      await r.drain();
      return;
    }
    const h = parseHeader(block, at);
    if (isMetaFlag(h.typeflag)) {
      const data = await r.read(h.size + padding(h.size));
      if (data.length < h.size + padding(h.size)) throw new TarError(`truncated archive at offset ${r.offset}: in the extended header at offset ${at}`);
      meta.add(h.typeflag, data.subarray(0, h.size), at + BLOCK);
      continue;
    }
    const header = meta.apply(h, at);
    const size = NO_DATA.has(header.type) ? 0 : header.size;
    let remaining = size;
    const next = async (): Promise<Buffer> => {
      const chunk = await r.readSome(Math.min(remaining, 1 << 20));
      if (chunk.length === 0) throw new TarError(`truncated archive at offset ${r.offset}: ${header.path} ends ${remaining} bytes early`);
      remaining -= chunk.length;
      return chunk;
    };
    async function* body(): AsyncGenerator<Buffer> {
      while (remaining > 0) yield await next();
    }
    const { typeflag: _flag, ...entry } = header;
    yield { ...entry, body };
    while (remaining > 0) await next();
    const pad = padding(size);
    if (pad && (await r.read(pad)).length < pad) throw new TarError(`truncated archive at offset ${r.offset}: after ${header.path}`);
  }
}

export interface TarMember extends TarHeader {
  /** Byte offset of the member's data in the file. */
  dataOffset: number;
}

/** Lists a tar file's members by reading only the headers (names without "./" or a trailing "/"). */
export async function indexTarFile(path: string): Promise<Map<string, TarMember>> {
  const fh = await open(path, 'r');
  const fail = (message: string) => new TarError(`${path}: ${message}`);
  try {
    const { size: fileSize } = await fh.stat();
    const members = new Map<string, TarMember>();
    const meta = new PendingMeta();
    const block = Buffer.alloc(BLOCK);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, BLOCK, pos);
      if (bytesRead === 0) throw fail(`unexpected end of archive at offset ${pos} (no end-of-archive marker)`);
      if (bytesRead < BLOCK) throw fail(`truncated archive: partial header at offset ${pos}`);
      if (isZeroBlock(block)) return members;
      let h: ReturnType<typeof parseHeader>;
      try {
        h = parseHeader(block, pos);
      } catch (err) {
        throw fail((err as Error).message);
      }
      const dataOffset = pos + BLOCK;
      let size = h.size;
      if (isMetaFlag(h.typeflag)) {
        if (dataOffset + size > fileSize) throw fail(`truncated archive: extended header at offset ${pos} runs past the end`);
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataOffset);
        meta.add(h.typeflag, data, dataOffset);
      } else {
        const { typeflag: _flag, ...header } = meta.apply(h, pos);
        size = NO_DATA.has(header.type) ? 0 : header.size;
        const name = header.path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
        if (dataOffset + size > fileSize) throw fail(`truncated archive: ${name || 'member'} at offset ${pos} needs ${size} bytes, the file ends first`);
        members.set(name, { ...header, path: name, dataOffset });
      }
      pos = dataOffset + size + padding(size);
    }
  } finally {
    await fh.close();
  }
}
