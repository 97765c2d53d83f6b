import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec } from './spec.js';
import { nextState, canTransition, SANDBOX_TRANSITIONS } from './states.js';

test('defaults: busybox image, network off, no limits', () => {
  const s = validateSpec({});
  assert.deepEqual(s.image, { type: 'busybox' });
  assert.equal(s.network, false);
  assert.deepEqual(s.limits, { memoryBytes: undefined, cpus: undefined, timeoutMs: undefined });
  assert.equal(s.hostname, 'sandbox');
});

test('limits, mounts and images are parsed and normalized', () => {
  const s = validateSpec({
    runtime: 'vm',
    image: 'oci-archive:/srv/img.tar:v1',
    memory: '128Mi',
    cpus: '500m',
    timeout: '2m',
    mounts: [
      { source: '/srv/ws/sub', target: '/workspace/sub/' },
      { source: '/srv/ws', target: '/workspace', readOnly: false },
    ],
    workdir: '/workspace',
  });
  assert.deepEqual(s.image, { type: 'oci-archive', path: '/srv/img.tar', name: 'v1' });
  assert.equal(s.limits.memoryBytes, 128 * 1024 * 1024);
  assert.equal(s.limits.cpus, 0.5);
  assert.equal(s.limits.timeoutMs, 120_000);
  assert.deepEqual(
    s.mounts.map((m) => m.target),
    ['/workspace', '/workspace/sub'],
  );
});

test('bad specs name the offending field', () => {
  const cases: Array<[object, RegExp]> = [
    [{ runtime: 'vm', runtimeClass: 'secure' }, /runtime or runtimeClass/],
    [{ color: 'red' }, /unknown field "color"/],
    [{ mounts: [{ source: 'rel', target: '/x' }] }, /mounts\[0\]\.source/],
    [{ mounts: [{ source: '/a', target: '/proc/x' }] }, /reserved/],
    [{ mounts: [{ source: '/a', target: '/x/../y' }] }, /may not contain ".."/],
    [{ mounts: [{ source: '/a', target: '/x' }, { source: '/b', target: '/x/' }] }, /mounted twice/],
    [{ env: { 'BAD-KEY': 'x' } }, /env\.BAD-KEY/],
    [{ memory: 'lots' }, /memory/],
    [{ hostname: 'Not_Valid' }, /hostname/],
    [{ image: 'relative/dir' }, /image/],
  ];
  for (const [spec, re] of cases) assert.throws(() => validateSpec(spec as never), re, JSON.stringify(spec));
});

test('the lifecycle table allows only its moves', () => {
  assert.equal(nextState('creating', 'started'), 'running');
  assert.equal(nextState('running', 'died'), 'failed');
  assert.equal(nextState('failed', 'destroy'), 'stopping');
  assert.throws(() => nextState('stopped', 'destroy'));
  assert.equal(canTransition('creating', 'destroy'), false);
  // every state but stopped has a way out
  for (const s of ['creating', 'running', 'failed', 'stopping'] as const) assert.ok(SANDBOX_TRANSITIONS.some((t) => t.from === s));
});

test('an environment list: KEY=value entries, values may hold "=", entries without a key are skipped', async () => {
  const { parseEnvList } = await import('./spec.js');
  assert.deepEqual(parseEnvList(['A=1', 'B=x=y', 'EMPTY=', 'NOKEY', '=v', 'A=2']), { A: '2', B: 'x=y', EMPTY: '' });
});
