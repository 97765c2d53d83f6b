import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stopOnDeadline } from './stop-on-deadline.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the timeout asks first, then ends the command after the grace period', async () => {
  const calls: string[] = [];
  const d = stopOnDeadline({ timeoutMs: 10, signal: new AbortController().signal, graceMs: 30, term: () => calls.push('term'), kill: () => calls.push('kill') });
  await wait(20);
  assert.deepEqual([calls, d.timedOut, d.aborted], [['term'], true, false]);
  await wait(40);
  assert.deepEqual(calls, ['term', 'kill']);
  d.dispose();
});

test('an abort stops it too; a command that ends in time gets no signal', async () => {
  const calls: string[] = [];
  const ac = new AbortController();
  const d = stopOnDeadline({ timeoutMs: null, signal: ac.signal, graceMs: 1000, term: () => calls.push('term'), kill: () => calls.push('kill') });
  ac.abort();
  assert.deepEqual([calls, d.aborted, d.timedOut], [['term'], true, false]);
  d.dispose();
  await wait(20);
  assert.deepEqual(calls, ['term'], 'dispose cancels the kill');
  const quiet: string[] = [];
  const e = stopOnDeadline({ timeoutMs: 30, signal: new AbortController().signal, graceMs: 10, term: () => quiet.push('term'), kill: () => quiet.push('kill') });
  e.dispose();
  await wait(50);
  assert.deepEqual(quiet, []);
});
