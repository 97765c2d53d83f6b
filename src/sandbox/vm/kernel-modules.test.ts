import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOrder, moduleDepends, moduleName } from './kernel-modules.js';

test('depends= is read from .modinfo strings', () => {
  const ko = Buffer.concat([Buffer.from('\x7fELF junk'), Buffer.from('\0license=GPL\0depends=9pnet,fscache,netfs\0retpoline=Y\0')]);
  assert.deepEqual(moduleDepends(ko), ['9pnet', 'fscache', 'netfs']);
  assert.deepEqual(moduleDepends(Buffer.from('\0depends=\0')), []);
  assert.deepEqual(moduleDepends(Buffer.from('no modinfo')), []);
  assert.equal(moduleName('kernel/drivers/char/hw_random/virtio-rng.ko'), 'virtio_rng');
});

test('load order puts dependencies first, once each', () => {
  const deps = new Map<string, string[]>([
    ['virtio_ring', []],
    ['virtio', ['virtio_ring']],
    ['virtio_mmio', ['virtio', 'virtio_ring']],
    ['virtio_console', ['virtio', 'virtio_ring']],
    ['9pnet', []],
    ['9pnet_virtio', ['virtio', '9pnet', 'virtio_ring']],
    ['netfs', []],
    ['fscache', ['netfs']],
    ['9p', ['9pnet', 'fscache', 'netfs']],
  ]);
  const order = loadOrder(['virtio_mmio', 'virtio_console', '9p', '9pnet_virtio'], deps);
  assert.equal(new Set(order).size, order.length);
  for (const [m, ds] of deps) if (order.includes(m)) for (const d of ds) assert.ok(order.indexOf(d) < order.indexOf(m), `${d} before ${m}`);
  assert.throws(() => loadOrder(['virtio_net'], deps), /virtio_net is needed but not available/);
  assert.throws(() => loadOrder(['a'], new Map([['a', ['b']], ['b', ['a']]])), /cycle/);
});
