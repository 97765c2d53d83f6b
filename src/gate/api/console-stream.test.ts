import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, readFrames } from './console-stream.js';

function masked(opcode: number, payload: Buffer, mask = [1, 2, 3, 4]): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, Buffer.from(mask), Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

test('client frames are unmasked, split across reads, and lengths of 126+ use the 16-bit form', () => {
  const long = Buffer.from('x'.repeat(300));
  const all = Buffer.concat([masked(1, Buffer.from('{"uuid":"b1"}')), masked(1, long), masked(8, Buffer.alloc(0))]);
  const first = readFrames(all.subarray(0, 10));
  assert.deepEqual(first.frames, []);
  const rest = readFrames(all);
  assert.deepEqual(rest.frames.map((f) => [f.opcode, f.payload.toString()]), [[1, '{"uuid":"b1"}'], [1, long.toString()], [8, '']]);
  assert.equal(rest.rest.length, 0);
  const partial = readFrames(all.subarray(0, all.length - 3));
  assert.equal(partial.frames.length, 2, 'the incomplete last frame waits for more');
});

test('server frames: FIN, unmasked, 7-, 16- and 64-bit lengths', () => {
  assert.deepEqual([...frame(1, Buffer.from('hi'))], [0x81, 2, 0x68, 0x69]);
  assert.deepEqual([...frame(1, Buffer.alloc(200)).subarray(0, 4)], [0x81, 126, 0, 200]);
  const big = frame(2, Buffer.alloc(70_000));
  assert.equal(big[1], 127);
  assert.equal(big.readBigUInt64BE(2), 70_000n);
});
