import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrames, encodeFrame, shellStatus, signalNumberOf, type ExecFrame, type ExitFrame } from './frames.js';
import { isId, newId } from './ids.js';

async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function all(gen: AsyncIterable<ExecFrame>): Promise<ExecFrame[]> {
  const out: ExecFrame[] = [];
  for await (const f of gen) out.push(f);
  return out;
}

const exit = (over: Partial<ExitFrame>): ExitFrame => ({ exit: 0, signal: null, timedOut: false, durationMs: 1, ...over });

describe('exec frames', () => {
  const frames: ExecFrame[] = [
    { sandbox: 'a'.repeat(24), exec: 'b'.repeat(24), pid: 7 },
    { stream: 'stdout', data: Buffer.from('héllo ✓\n').toString('base64') },
    { stream: 'stderr', data: '' },
    exit({ exit: 3 }),
  ];
  const text = frames.map(encodeFrame).join('') + '\n\n';

  it('decode what was encoded, whatever the chunking (multi-byte characters split included), skipping keep-alive blank lines', async () => {
    for (const size of [1, 2, 3, 7, 64, 4096]) assert.deepEqual(await all(decodeFrames(pieces(text, size))), frames, `chunks of ${size}`);
    assert.deepEqual(await all(decodeFrames(pieces(encodeFrame(frames[0]!).trimEnd(), 5))), [frames[0]], 'a last line without newline');
  });

  it('say which line is not a frame', async () => {
    await assert.rejects(all(decodeFrames(pieces(`${encodeFrame(frames[0]!)}<html>502 Bad Gateway</html>\n`, 10))), /line 2 is not a JSON frame: <html>502/);
  });

  it('give the status a shell would', () => {
    assert.equal(shellStatus(exit({ exit: 0 })), 0);
    assert.equal(shellStatus(exit({ exit: 255 })), 255);
    assert.equal(shellStatus(exit({ exit: null, signal: 'SIGKILL' })), 137);
    assert.equal(shellStatus(exit({ exit: null, signal: 'SIGINT' })), 130);
    assert.equal(shellStatus(exit({ exit: null, signal: 'SIGTERM' })), 143);
    assert.equal(shellStatus(exit({ exit: null, signal: 'SIGKILL', timedOut: true })), 124);
    assert.equal(shellStatus(exit({ exit: null, signal: 'SIGNOPE' })), 125);
    assert.equal(signalNumberOf('SIGUSR1'), 10);
    assert.equal(signalNumberOf('KILL'), undefined);
  });
});

describe('ids', () => {
  it('are 24 base32 characters, unique, never starting with a dash', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newId();
      assert.ok(isId(id), id);
      assert.ok(!seen.has(id));
      seen.add(id);
    }
    assert.equal(isId('A'.repeat(24)), false);
    assert.equal(isId('a'.repeat(23)), false);
    assert.equal(isId('../../etc/passwd'), false);
  });
});
