/**
 * The host side of the agent protocol (docs/sandbox-agent-protocol.md):
 * frame and key/value codecs, pure and I/O-free. The C agent
 * (strata-agent.c) is the other side; the constants must match it.
 */
export const PROTOCOL_VERSION = 1;
export const HEADER_SIZE = 9; // u32 length, u8 type, u32 channel
export const MAX_PAYLOAD = 1024 * 1024;
/** Host data frames stay well under MAX_PAYLOAD so the agent never buffers much. */
export const DATA_CHUNK = 64 * 1024;
/** Output (stdout + stderr) an exec may send before the host grants more with WINDOW. */
export const INITIAL_WINDOW = 1024 * 1024;

export const HostFrame = {
  SETUP: 0x01,
  EXEC: 0x02,
  STDIN: 0x03,
  SIGNAL: 0x04,
  COPY_IN: 0x05,
  ENTRY: 0x06,
  DATA: 0x07,
  END: 0x08,
  COPY_OUT: 0x09,
  SHUTDOWN: 0x0a,
  RESIZE: 0x0b,
  WINDOW: 0x0c,
} as const;

export const AgentFrame = {
  HELLO: 0x81,
  READY: 0x82,
  STARTED: 0x83,
  STDOUT: 0x84,
  STDERR: 0x85,
  EXIT: 0x86,
  ERROR: 0x87,
  OK: 0x88,
  ENTRY: 0x06,
  DATA: 0x07,
  END: 0x08,
} as const;

export interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
}

const EMPTY = Buffer.alloc(0);

export function encodeFrame(type: number, channel: number, payload: Buffer = EMPTY): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out.writeUInt32BE(payload.length + 5, 0);
  out.writeUInt8(type, 4);
  out.writeUInt32BE(channel >>> 0, 5);
  payload.copy(out, HEADER_SIZE);
  return out;
}

/** Key/value payload: NUL-terminated "key=value" strings; keys may repeat. */
export type KvPairs = ReadonlyArray<readonly [string, string]>;

export function encodeKv(pairs: KvPairs): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of pairs) {
    if (key.includes('=') || key.includes('\0')) throw new RangeError(`invalid key ${JSON.stringify(key)}`);
    if (value.includes('\0')) throw new RangeError(`value of ${key} contains a NUL byte`);
    parts.push(Buffer.from(`${key}=${value}\0`, 'utf8'));
  }
  return Buffer.concat(parts);
}

export function decodeKv(payload: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let start = 0;
  while (start < payload.length) {
    let end = payload.indexOf(0, start);
    if (end < 0) end = payload.length;
    const s = payload.toString('utf8', start, end);
    const eq = s.indexOf('=');
    if (eq > 0) out.push([s.slice(0, eq), s.slice(eq + 1)]);
    start = end + 1;
  }
  return out;
}

export function kvGet(pairs: ReadonlyArray<readonly [string, string]>, key: string): string | undefined {
  return pairs.find(([k]) => k === key)?.[1];
}

export function encodeSignal(signo: number, group: boolean): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(signo, 0);
  b.writeUInt8(group ? 1 : 0, 4);
  return b;
}

export function encodeWindow(bytes: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(bytes, 0);
  return b;
}

export function encodeResize(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(rows, 0);
  b.writeUInt16BE(cols, 2);
  return b;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Cuts a byte stream into frames; keeps partial frames across pushes. */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    this.size += chunk.length;
    if (this.size < HEADER_SIZE) return [];
    let buf = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered, this.size);
    const frames: Frame[] = [];
    let off = 0;
    while (buf.length - off >= HEADER_SIZE) {
      const len = buf.readUInt32BE(off);
      if (len < 5 || len - 5 > MAX_PAYLOAD) throw new ProtocolError(`frame length ${len} out of range at stream offset ${off}`);
      if (buf.length - off < 4 + len) break;
      frames.push({
        type: buf.readUInt8(off + 4),
        channel: buf.readUInt32BE(off + 5),
        // copy: the frame outlives the (reused) receive buffer
        payload: Buffer.from(buf.subarray(off + HEADER_SIZE, off + 4 + len)),
      });
      off += 4 + len;
    }
    buf = buf.subarray(off);
    this.buffered = buf.length ? [buf] : [];
    this.size = buf.length;
    return frames;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pending(): number {
    return this.size;
  }
}
