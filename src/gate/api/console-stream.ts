// Zuul's console-stream: `GET /api/tenant/{t}/console-stream` upgraded to a
// WebSocket (RFC 6455, text frames); the client sends `{"uuid": BUILD,
// "logfile": "console.log"}` and receives the build's console, live while it
// runs, then a close frame. Authenticated as every Strata API: a Strata
// token in `Authorization: Bearer …`, and the build's project visible to it.

import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { hasRole, tokenFromHeaders, type Principal } from '../../core/auth/index.js';
import type { GateService } from '../service.js';
import { canSeeGateProject } from './routes.js';
import { openLogStream } from './log-stream.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const PATH = /^\/api\/tenant\/([^/?]+)\/console-stream(?:\?.*)?$/;

/** One server-to-client frame (unmasked); payloads over 64 KiB are split by the caller's chunks. */
export function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65_536
    ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff])
    : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
  return Buffer.concat([head, payload]);
}

/** Reads client frames (masked, as RFC 6455 requires) from a buffer; returns those complete and the rest. */
export function readFrames(buf: Buffer): { frames: Array<{ opcode: number; payload: Buffer }>; rest: Buffer } {
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const opcode = buf[at]! & 0x0f;
    const masked = (buf[at + 1]! & 0x80) !== 0;
    let len = buf[at + 1]! & 0x7f;
    let off = at + 2;
    if (len === 126) {
      if (buf.length < off + 2) break;
      len = buf.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      if (buf.length < off + 8) break;
      len = Number(buf.readBigUInt64BE(off));
      off += 8;
    }
    const maskLen = masked ? 4 : 0;
    if (buf.length < off + maskLen + len) break;
    const payload = Buffer.from(buf.subarray(off + maskLen, off + maskLen + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[off + (i % 4)]!;
    frames.push({ opcode, payload });
    at = off + maskLen + len;
  }
  return { frames, rest: buf.subarray(at) };
}

function refuse(socket: Duplex, status: string, message: string): void {
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${message}\n`);
}

export function attachConsoleStream(server: Server, gate: GateService, verify: (token: string) => Promise<Principal | null>, noauth: boolean): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const m = PATH.exec(req.url ?? '');
    if (!m) {
      // Nobody else upgrades: refuse rather than leave the socket hanging.
      if (server.listenerCount('upgrade') === 1) refuse(socket, '404 Not Found', 'no websocket here');
      return;
    }
    void handle(req, socket, decodeURIComponent(m[1]!)).catch(() => socket.destroy());
  });

  async function handle(req: IncomingMessage, socket: Duplex, tenant: string): Promise<void> {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuse(socket, '400 Bad Request', 'a WebSocket upgrade is needed');
    let principal: Principal | null = null;
    if (noauth) principal = { tokenId: 'noauth', name: 'noauth', role: 'admin', project: 'admin' };
    else {
      const token = tokenFromHeaders(req.headers);
      principal = token ? await verify(token) : null;
    }
    if (!principal || !hasRole(principal, 'reader')) return refuse(socket, '401 Unauthorized', 'send a Strata token as "Authorization: Bearer <token>"');
    try {
      gate.scheduler(tenant);
    } catch {
      return refuse(socket, '404 Not Found', `tenant ${tenant} not found`);
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
    const text = (s: string) => socket.write(frame(1, Buffer.from(s)));
    const close = (reason = '') => {
      socket.end(frame(8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from(reason)])));
    };
    let pending: Buffer = Buffer.alloc(0);
    let started = false;
    let stop = () => {};
    socket.on('close', () => stop());
    socket.on('error', () => stop());
    socket.on('data', (chunk: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 8) return void socket.end(frame(8, Buffer.alloc(0)));
        if (f.opcode === 9) socket.write(frame(10, f.payload));
        if (f.opcode !== 1 || started) continue;
        started = true;
        void (async () => {
          let ask: { uuid?: unknown };
          try {
            ask = JSON.parse(f.payload.toString('utf8')) as { uuid?: unknown };
          } catch {
            return close('the first message is JSON: {"uuid": BUILD, "logfile": "console.log"}');
          }
          if (typeof ask.uuid !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(ask.uuid)) return close('uuid: a build id is required');
          const [b] = await gate.builds({ id: ask.uuid, tenant });
          if (!b || !canSeeGateProject(principal!, b.project)) return close(`build ${ask.uuid} not found`);
          const opened = openLogStream(gate, b.id, true);
          if (!opened) return close(`build ${b.id} has no log yet`);
          stop = opened.stop;
          // Text frames are whole UTF-8: a character split between two chunks waits for its rest.
          const utf8 = new StringDecoder('utf8');
          opened.stream.on('data', (d: Buffer | string) => {
            const s = typeof d === 'string' ? d : utf8.write(d);
            if (s) text(s);
          });
          opened.stream.on('end', () => close());
          opened.stream.on('error', () => close('the log could not be read'));
        })();
      }
    });
  }
}
