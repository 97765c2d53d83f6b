import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentFrame, FrameDecoder, HostFrame, MAX_PAYLOAD, ProtocolError, decodeKv, encodeFrame, encodeKv, encodeSignal, kvGet } from './protocol.js';

test('frames round-trip through the decoder whatever the chunking', () => {
  const frames = [
    encodeFrame(HostFrame.EXEC, 7, encodeKv([['arg', 'sh'], ['arg', '-c'], ['arg', 'echo a=b'], ['env', 'X=1'], ['cwd', '/']])),
    encodeFrame(HostFrame.STDIN, 7, Buffer.from('data')),
    encodeFrame(HostFrame.STDIN, 7),
    encodeFrame(AgentFrame.EXIT, 0xfffffffe, encodeKv([['code', '3']])),
  ];
  const stream = Buffer.concat(frames);
  for (const size of [1, 2, 9, 10, 1000]) {
    const d = new FrameDecoder();
    const out = [];
    for (let i = 0; i < stream.length; i += size) out.push(...d.push(stream.subarray(i, i + size)));
    assert.equal(out.length, 4);
    assert.equal(d.pending, 0);
    assert.deepEqual(decodeKv(out[0].payload).filter(([k]) => k === 'arg').map(([, v]) => v), ['sh', '-c', 'echo a=b']);
    assert.equal(out[1].payload.toString(), 'data');
    assert.equal(out[2].payload.length, 0);
    assert.equal(out[3].channel, 0xfffffffe);
    assert.equal(kvGet(decodeKv(out[3].payload), 'code'), '3');
  }
});

test('a frame longer than the limit is a protocol error, not an allocation', () => {
  const bad = Buffer.alloc(9);
  bad.writeUInt32BE(MAX_PAYLOAD + 100, 0);
  assert.throws(() => new FrameDecoder().push(bad), ProtocolError);
  const short = Buffer.alloc(9);
  short.writeUInt32BE(2, 0);
  assert.throws(() => new FrameDecoder().push(short), /out of range/);
  assert.throws(() => encodeFrame(1, 1, Buffer.alloc(MAX_PAYLOAD + 1)), RangeError);
});

test('key/values refuse what the agent could misread', () => {
  assert.throws(() => encodeKv([['a=b', 'x']]), /invalid key/);
  assert.throws(() => encodeKv([['arg', 'nul\0inside']]), /NUL/);
  assert.deepEqual(decodeKv(Buffer.from('k=v=w\0noequals\0e=\0')), [['k', 'v=w'], ['e', '']]);
  assert.deepEqual([...encodeSignal(15, true)], [0, 0, 0, 15, 1]);
});
