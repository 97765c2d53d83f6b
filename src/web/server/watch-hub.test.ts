import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchHub, type WatchUpdate } from './watch-hub.js';
import { parseWatchPaths } from './watch-paths.js';
import { SseParser, sseFrame } from './sse.js';

function fakeProbe() {
  const calls: string[] = [];
  const answers = new Map<string, unknown>();
  const probe = async (path: string, cred: Record<string, string>) => {
    calls.push(`${cred.authorization} ${path}`);
    return { status: 200, body: answers.get(path) ?? null };
  };
  return { calls, answers, probe };
}

test('one probe per (token, path) however many listeners; a push only on change; nothing probed once unwatched', async () => {
  const f = fakeProbe();
  f.answers.set('/a', { n: 1 });
  const hub = new WatchHub(f.probe, 60_000);
  const seen: WatchUpdate[][] = [[], [], []];
  const stop0 = hub.watch('t1', '/a', { authorization: 'Bearer t1' }, (u) => seen[0]!.push(u));
  await new Promise((r) => setImmediate(r));
  const stop1 = hub.watch('t1', '/a', { authorization: 'Bearer t1' }, (u) => seen[1]!.push(u));
  const stop2 = hub.watch('t2', '/a', { authorization: 'Bearer t2' }, (u) => seen[2]!.push(u));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen[1]!.map((u) => u.body), [{ n: 1 }], 'a late listener gets the known answer without a probe');
  assert.deepEqual(f.calls, ['Bearer t1 /a', 'Bearer t2 /a']);
  assert.equal(hub.stats.watches, 2);
  assert.equal(hub.stats.listeners, 3);
  await hub.tick();
  assert.equal(seen[0]!.length, 1, 'unchanged: no push');
  f.answers.set('/a', { n: 2 });
  await hub.tick();
  assert.deepEqual(seen.map((s) => s.map((u) => u.version)), [[1, 2], [1, 2], [1, 2]]);
  assert.equal(f.calls.length, 6, 'two ticks, two watches, plus the first probes');
  stop0(); stop1(); stop2();
  assert.equal(hub.stats.watches, 0);
  await hub.tick();
  assert.equal(f.calls.length, 6);
  hub.close();
  assert.throws(() => hub.watch('t', '/a', {}, () => {}), /closed/);
});

test('a failing probe is a 503 update, then the recovered answer', async () => {
  let fail = true;
  const hub = new WatchHub(async () => {
    if (fail) throw new Error('store closed');
    return { status: 200, body: 'ok' };
  }, 60_000);
  const got: WatchUpdate[] = [];
  hub.watch('t', '/x', {}, (u) => got.push(u));
  await new Promise((r) => setImmediate(r));
  fail = false;
  await hub.tick();
  assert.deepEqual(got.map((u) => [u.status, u.body]), [[503, { error: { code: 'unavailable', message: 'store closed' } }], [200, 'ok']]);
  hub.close();
});

test('watch paths: API paths only, clear errors', () => {
  assert.deepEqual(parseWatchPaths(['/gate/api/status', '/gate/api/status', '/baremetal/v1/nodes?detail=true']), ['/gate/api/status', '/baremetal/v1/nodes?detail=true']);
  assert.deepEqual(parseWatchPaths(undefined), []);
  for (const [bad, re] of [
    ['gate', /starting with \//],
    ['//evil.example/x', /starting with \//],
    ['/a/../auth/v1', /dot segments/],
    ['/ui/api/events', /the dashboard itself/],
    ['/a b', /no spaces/],
  ] as const) assert.throws(() => parseWatchPaths([bad]), re);
  assert.throws(() => parseWatchPaths(Array.from({ length: 17 }, (_, i) => `/p${i}`)), /at most 16 paths/);
});

test('SSE frames round-trip through the parser, split anywhere', () => {
  const text = sseFrame('hello', { a: 1 }, 1) + ': ping\n\n' + sseFrame('update', { path: '/x', body: 'line\nbreak' }, 2);
  for (const cut of [1, 7, 20, text.length - 3]) {
    const p = new SseParser();
    const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
    assert.deepEqual(events.map((e) => [e.event, e.id, JSON.parse(e.data)]), [['hello', '1', { a: 1 }], ['update', '2', { path: '/x', body: 'line\nbreak' }]]);
  }
  assert.throws(() => sseFrame('a\nb', {}), /no newline/);
});
