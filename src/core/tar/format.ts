/**
 * The tar format both ways, one block at a time: POSIX ustar headers, pax
 * extended records ('x') and GNU long names ('L', 'K'), GNU base-256
 * numbers, checksums (unsigned or, as old tars wrote them, signed). Pure:
 * the reader, the writer and the extractor stream around it.
 */
export const BLOCK = 512;
/** 11 octal digits: 8 GiB - 1; larger sizes go in a pax record. */
const MAX_OCTAL_SIZE = 0o77777777777;

/** A malformed, hostile or oversized archive; an HTTP API answers `statusCode`. */
export class TarError extends Error {
  override name = 'TarError';
  constructor(message: string, readonly statusCode = 400, readonly code = 'invalid_archive') {
    super(message);
  }
}

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarHeader {
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** seconds since the epoch */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };
const FLAGS: Partial<Record<TarEntryType, string>> = { file: '0', hardlink: '1', symlink: '2', dir: '5' };

/** Typeflags of records that describe the next entry rather than being one. */
export const isMetaFlag = (flag: string): boolean => flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K';

/** Bytes of padding after `size` bytes of data. */
export const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

export function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

function number(buf: Buffer, start: number, len: number, field: string, offset: number): number {
  // GNU base-256 for large values: high bit of the first byte set
  if (buf[start]! & 0x80) {
    let v = buf[start]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[start + i]!;
    return v;
  }
  const s = cstring(buf, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`not a tar archive: bad ${field} field ${JSON.stringify(s)} in the header at offset ${offset}`);
  return parseInt(s, 8);
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function checksumOk(block: Buffer): boolean {
  const stored = parseInt(cstring(block, 148, 8).trim(), 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Raw typeflag and parsed fields of one 512-byte header block. */
export function parseHeader(block: Buffer, offset: number): TarHeader & { typeflag: string } {
  if (block.length !== BLOCK) throw new TarError(`truncated archive: partial header at offset ${offset}`);
  if (!checksumOk(block)) throw new TarError(`not a tar archive: bad header checksum at offset ${offset}`);
  let path = cstring(block, 0, 100);
  // POSIX ustar has a name prefix; GNU's "ustar  " keeps other things there
  if (block.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = cstring(block, 345, 155);
    if (prefix) path = `${prefix}/${path}`;
  }
  const typeflag = String.fromCharCode(block[156]!);
  return {
    typeflag,
    path,
    type: TYPES[typeflag] ?? 'other',
    mode: number(block, 100, 8, 'mode', offset),
    uid: number(block, 108, 8, 'uid', offset),
    gid: number(block, 116, 8, 'gid', offset),
    size: number(block, 124, 12, 'size', offset),
    mtime: number(block, 136, 12, 'mtime', offset),
    linkname: cstring(block, 157, 100),
    devmajor: number(block, 329, 8, 'devmajor', offset),
    devminor: number(block, 337, 8, 'devminor', offset),
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
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) throw new TarError(`malformed pax header at offset ${offset + pos}`);
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Folds GNU long names and pax records into the next real header. */
export class PendingMeta {
  private longName?: string;
  private longLink?: string;
  private pax = new Map<string, string>();

  /** Takes one meta record ('x', 'g', 'L', 'K') and its data. */
  add(flag: string, data: Buffer, offset: number): void {
    if (flag === 'L') this.longName = cstring(data, 0, data.length);
    else if (flag === 'K') this.longLink = cstring(data, 0, data.length);
    else if (flag === 'x') for (const [k, v] of parsePax(data, offset)) this.pax.set(k, v);
    // 'g' (global) carries nothing used here
  }

  apply<H extends TarHeader>(h: H, offset: number): H {
    const out = { ...h };
    const p = this.pax;
    out.path = p.get('path') ?? this.longName ?? out.path;
    out.linkname = p.get('linkpath') ?? this.longLink ?? out.linkname;
    if (p.has('size')) out.size = Number(p.get('size'));
    if (p.has('uid')) out.uid = Number(p.get('uid'));
    if (p.has('gid')) out.gid = Number(p.get('gid'));
    if (p.has('mtime')) out.mtime = Math.floor(Number(p.get('mtime')));
    if (!Number.isSafeInteger(out.size) || out.size < 0) throw new TarError(`archive entry at offset ${offset}: bad size`);
    this.longName = this.longLink = undefined;
    this.pax = new Map();
    return out;
  }
}

/** What the writer packs for one entry's header. */
export interface HeaderSpec {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  size: number;
  /** seconds since the epoch */
  mtime: number;
  linkname: string;
  uid: number;
  gid: number;
}

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

function header(name: string, flag: string, mode: number, size: number, mtime: number, linkname: string, uid: number, gid: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(uid, 8), 108, 'ascii');
  h.write(octal(gid, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.max(0, Math.floor(mtime)), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(flag, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** The blocks before an entry's data: a pax header where a name, link or size does not fit, then the ustar header. */
export function headerBlocks(e: HeaderSpec): Buffer[] {
  const name = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const pax: Buffer[] = [];
  if (Buffer.byteLength(name) > 100) pax.push(paxRecord('path', name));
  if (Buffer.byteLength(e.linkname) > 100) pax.push(paxRecord('linkpath', e.linkname));
  if (e.size > MAX_OCTAL_SIZE) pax.push(paxRecord('size', String(e.size)));
  const out: Buffer[] = [];
  if (pax.length) {
    const data = Buffer.concat(pax);
    out.push(header('PaxHeader', 'x', 0o644, data.length, e.mtime, '', 0, 0), data, Buffer.alloc(padding(data.length)));
  }
  out.push(header(name, FLAGS[e.type]!, e.mode, Math.min(e.size, MAX_OCTAL_SIZE), e.mtime, e.linkname, e.uid, e.gid));
  return out;
}
