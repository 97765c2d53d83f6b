import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphores } from './semaphores.js';

test('a semaphore of max 1 admits one holder; all or nothing across several', () => {
  const s = new Semaphores();
  assert.equal(s.tryAcquire([{ key: 't:db', max: 1 }], 'b1'), true);
  assert.equal(s.tryAcquire([{ key: 't:db', max: 1 }], 'b2'), false);
  assert.equal(s.tryAcquire([{ key: 't:net', max: 2 }, { key: 't:db', max: 1 }], 'b3'), false);
  assert.deepEqual(s.held('t:net'), [], 'nothing taken when one is full');
  assert.equal(s.tryAcquire([{ key: 't:net', max: 2 }], 'b3'), true);
  s.release('b1');
  assert.equal(s.tryAcquire([{ key: 't:db', max: 1 }], 'b2'), true);
  assert.deepEqual(s.held('t:db'), ['b2']);
});

test('acquire waits for a release, and gives up when aborted', async () => {
  const s = new Semaphores();
  s.tryAcquire([{ key: 'global:x', max: 1 }], 'a');
  let got = false;
  const waiting = s.acquire([{ key: 'global:x', max: 1 }], 'b', new AbortController().signal).then(() => (got = true));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(got, false);
  s.release('a');
  await waiting;
  assert.deepEqual(s.held('global:x'), ['b']);
  const abort = new AbortController();
  const gaveUp = s.acquire([{ key: 'global:x', max: 1 }], 'c', abort.signal);
  abort.abort();
  await assert.rejects(gaveUp, /aborted/);
  s.release('b');
  assert.deepEqual(s.held('global:x'), []);
});
