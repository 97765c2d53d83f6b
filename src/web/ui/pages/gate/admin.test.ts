import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoholdBody, createAutohold, deleteAutohold, dequeue, enqueue, enqueueBody, itemTarget, promote } from './admin.ts';

test('an item names its change, or for a ref item its ref', () => {
  assert.deepEqual(itemTarget({ id: '12,3', changes: [{ id: '12,3', ref: 'refs/changes/12/12/3' }] }), { change: '12,3' });
  assert.deepEqual(itemTarget({ id: 'refs/heads/main', changes: [{ id: null, ref: 'refs/heads/main' }] }), { ref: 'refs/heads/main' });
  assert.deepEqual(itemTarget({ id: '7,1' }), { change: '7,1' });
});

test('the enqueue and autohold forms become Zuul\'s bodies', () => {
  assert.deepEqual(enqueueBody({ pipeline: 'gate', target: ' 5,2 ' }), { pipeline: 'gate', change: '5,2' });
  assert.deepEqual(enqueueBody({ pipeline: 'post', target: 'refs/heads/main', newrev: 'a'.repeat(40), oldrev: ' ' }), { pipeline: 'post', ref: 'refs/heads/main', newrev: 'a'.repeat(40) });
  assert.deepEqual(autoholdBody({ job: ' unit ', change: '', reason: 'why', count: '2' }), { job: 'unit', reason: 'why', count: 2 });
  assert.deepEqual(autoholdBody({ job: 'unit', change: '12', reason: 'why', count: '' }), { job: 'unit', reason: 'why', change: '12' });
});

test('each action is the request Zuul\'s API takes, with the session\'s token and the project\'s slashes kept', async () => {
  const sent: Array<{ method: string; url: string; body: unknown; auth: string | undefined }> = [];
  (globalThis as any).sessionStorage = { getItem: () => 'tok' };
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    sent.push({ method: init.method!, url, body: init.body ? JSON.parse(init.body as string) : undefined, auth: (init.headers as Record<string, string>).authorization });
    return new Response(init.method === 'DELETE' ? null : 'true', { status: init.method === 'DELETE' ? 204 : 200 });
  }) as typeof fetch;
  try {
    const item = { project: 'org/a b', id: '4,1', changes: [{ id: '4,1' }] };
    assert.equal((await dequeue('t 1', 'gate', item)).ok, true);
    await promote('t', 'gate', ['4,1']);
    await enqueue('t', 'org/a', { pipeline: 'gate', change: '4,1' });
    await createAutohold('t', 'org/a', { job: 'unit', reason: 'r' });
    assert.equal((await deleteAutohold('t', 'ab/c')).status, 204);
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(sent, [
    { method: 'POST', url: '/api/tenant/t%201/project/org/a%20b/dequeue', body: { pipeline: 'gate', change: '4,1' }, auth: 'Bearer tok' },
    { method: 'POST', url: '/api/tenant/t/promote', body: { pipeline: 'gate', changes: ['4,1'] }, auth: 'Bearer tok' },
    { method: 'POST', url: '/api/tenant/t/project/org/a/enqueue', body: { pipeline: 'gate', change: '4,1' }, auth: 'Bearer tok' },
    { method: 'POST', url: '/api/tenant/t/project/org/a/autohold', body: { job: 'unit', reason: 'r' }, auth: 'Bearer tok' },
    { method: 'DELETE', url: '/api/tenant/t/autohold/ab%2Fc', body: undefined, auth: 'Bearer tok' },
  ]);
});
