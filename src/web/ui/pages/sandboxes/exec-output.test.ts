import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, argv, MAX_CHARS, NdjsonLines, type ExecOutput } from './exec-output.ts';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

test('frames split anywhere fold into stdout and stderr chunks and the exit', () => {
  const frames = [
    { sandbox: 's', exec: 'e1', pid: 7 },
    { stream: 'stdout', data: b64('hel') },
    { stream: 'stdout', data: b64('lo\n') },
    { stream: 'stderr', data: b64('oops\n') },
    { exit: 3, signal: null, timedOut: false, durationMs: 5 },
  ];
  const text = frames.map((f) => JSON.stringify(f)).join('\n') + '\n\n';
  for (const cut of [1, 30, text.length - 2]) {
    const lines = new NdjsonLines();
    let o: ExecOutput = { command: ['sh'], chunks: [], truncated: false };
    for (const f of [...lines.push(text.slice(0, cut)), ...lines.push(text.slice(cut))]) o = apply(o, f);
    assert.deepEqual(o, { command: ['sh'], exec: 'e1', chunks: [{ stream: 'stdout', text: 'hello\n' }, { stream: 'stderr', text: 'oops\n' }], end: 'exit 3', truncated: false });
  }
});

test('a UTF-8 character split across frames is decoded whole; endings name signals, timeouts and errors', () => {
  const euro = Buffer.from('€');
  let o: ExecOutput = { command: ['x'], chunks: [], truncated: false };
  o = apply(o, { stream: 'stdout', data: b64(euro.subarray(0, 1)) });
  o = apply(o, { stream: 'stdout', data: b64(euro.subarray(1)) });
  assert.equal(o.chunks[0]!.text, '€');
  assert.equal(apply(o, { exit: null, signal: 'SIGKILL', timedOut: false }).end, 'killed by SIGKILL');
  assert.equal(apply(o, { exit: null, signal: 'SIGKILL', timedOut: true }).end, 'timed out');
  assert.equal(apply(o, { error: { code: 'agent_died', message: 'qemu died' } }).end, 'error: qemu died');
});

test('a long output keeps its tail; argv splits on spaces only', () => {
  let o: ExecOutput = { command: ['yes'], chunks: [], truncated: false };
  for (let i = 0; i < 5; i++) o = apply(o, { stream: i % 2 ? 'stderr' : 'stdout', data: b64(String(i).repeat(MAX_CHARS / 2)) });
  assert.equal(o.chunks.reduce((n, c) => n + c.text.length, 0), MAX_CHARS);
  assert.ok(o.truncated);
  assert.equal(o.chunks[o.chunks.length - 1]!.text, '4'.repeat(MAX_CHARS / 2));
  assert.deepEqual(argv('  ls  -l "$HOME" ; rm '), ['ls', '-l', '"$HOME"', ';', 'rm']);
});
