import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_CLASSES, RuntimeClasses, parseRuntimeClasses } from './runtime-classes.js';

const KNOWN = ['process', 'namespaces', 'runc', 'gvisor', 'vm'];

test('classes parse from configuration, Kubernetes-style handler accepted', () => {
  const classes = parseRuntimeClasses(
    [
      { name: 'default', runtime: 'namespaces', overhead: { memory: '8Mi', cpu: '10m' } },
      { name: 'secure', handler: 'vm', overhead: { memory: '160Mi', cpu: '100m' } },
    ],
    KNOWN,
  );
  assert.deepEqual(classes[1], { name: 'secure', runtime: 'vm', overhead: { memoryBytes: 160 * 1024 * 1024, cpus: 0.1 }, description: undefined });
  assert.equal(new RuntimeClasses(classes).get('secure').runtime, 'vm');
});

test('bad classes say where', () => {
  assert.throws(() => parseRuntimeClasses([{ name: 'x', runtime: 'docker' }], KNOWN), /runtimeClasses\[0\]\.runtime: unknown runtime "docker"/);
  assert.throws(() => parseRuntimeClasses([{ name: 'x', runtime: 'vm' }, { name: 'x', runtime: 'vm' }], KNOWN), /defined twice/);
  assert.throws(() => parseRuntimeClasses([{ name: 'x', runtime: 'vm', overhead: { memory: 'lots' } }], KNOWN), /overhead\.memory/);
  assert.throws(() => parseRuntimeClasses({}, KNOWN), /must be a list/);
  assert.throws(() => new RuntimeClasses().get('nope'), /known: default/);
  for (const c of BUILTIN_CLASSES) assert.ok(KNOWN.includes(c.runtime));
});
