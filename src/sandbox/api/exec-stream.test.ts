import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FrameStream } from './exec-stream.js';
import { decodeFrames, type ExecFrame } from './frames.js';

async function frames(stream: FrameStream): Promise<ExecFrame[]> {
  const out: ExecFrame[] = [];
  for await (const f of decodeFrames(stream)) out.push(f);
  return out;
}

describe('the exec frame stream', () => {
  it('sends the first frames, output of both streams in order, then the last frame after both ended', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let finish!: (f: ExecFrame) => void;
    const s = new FrameStream([{ sandbox: 's', exec: 'e', pid: 1 }], { stdout, stderr, last: new Promise((r) => (finish = r)) });
    const got = frames(s);
    stdout.write('a');
    stderr.write('b');
    stdout.end('c');
    finish({ exit: 0, signal: null, timedOut: false, durationMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    stderr.end();
    const f = await got;
    assert.deepEqual(f[0], { sandbox: 's', exec: 'e', pid: 1 });
    const out = (name: string) => f.filter((x) => 'stream' in x && x.stream === name).map((x) => Buffer.from((x as { data: string }).data, 'base64').toString()).join('');
    assert.equal(out('stdout'), 'ac');
    assert.equal(out('stderr'), 'b');
    assert.deepEqual(f.at(-1), { exit: 0, signal: null, timedOut: false, durationMs: 1 });
  });

  it('turns a failed wait into an error frame', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const s = new FrameStream([], { stdout, stderr, last: Promise.reject(new Error('agent died')) });
    stdout.end();
    stderr.end();
    assert.deepEqual((await frames(s)).at(-1), { error: { code: 'exec_failed', message: 'agent died' } });
  });

  it('without a command (it never started): the given frames, then the end', async () => {
    const s = new FrameStream([{ stream: 'stderr', data: 'eA==' }], undefined, { exit: 127, signal: null, timedOut: false, durationMs: 0, reason: 'command_not_found' });
    assert.deepEqual(await frames(s), [{ stream: 'stderr', data: 'eA==' }, { exit: 127, signal: null, timedOut: false, durationMs: 0, reason: 'command_not_found' }]);
  });

  it('pauses the command\'s output while the reader does not read, instead of buffering it', async () => {
    const stdout = new PassThrough({ highWaterMark: 1024 });
    const stderr = new PassThrough();
    let finish!: (f: ExecFrame) => void;
    const s = new FrameStream([], { stdout, stderr, last: new Promise((r) => (finish = r)) });
    const chunk = Buffer.alloc(16 * 1024, 1);
    let accepted = 0;
    // a producer that respects backpressure, as the command's pipe does
    while (stdout.write(chunk)) accepted++;
    await new Promise((r) => setTimeout(r, 50));
    // nobody reads s: its buffer stays near its high-water mark, and stdout is held back
    assert.ok(s.readableLength < 256 * 1024, `frames buffered: ${s.readableLength}`);
    assert.ok(stdout.isPaused(), 'stdout is paused');
    assert.ok(accepted < 64, `the producer was held back after ${accepted} chunks`);
    // a reader drains it all
    let bytes = 0;
    const reading = pipeline(
      s,
      new Writable({
        write(c: Buffer, _e, cb) {
          bytes += c.length;
          cb();
        },
      }),
    );
    stdout.end();
    stderr.end();
    finish({ exit: 0, signal: null, timedOut: false, durationMs: 1 });
    await reading;
    assert.ok(bytes > (accepted + 1) * chunk.length, 'everything written came through');
  });
});
