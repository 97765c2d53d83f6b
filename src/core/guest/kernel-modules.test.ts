import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOrder, moduleDepends, moduleName } from './kernel-modules.js';

const ko = (modinfo: string) => Buffer.concat([Buffer.from('\x7fELF...junk\0'), Buffer.from(modinfo.split('|').join('\0')), Buffer.from('\0tail')]);

test('depends= is read from the modinfo strings', () => {
  assert.deepEqual(moduleDepends(ko('license=GPL|depends=virtio_ring,virtio,net_failover|intree=Y')), ['virtio_ring', 'virtio', 'net_failover']);
  assert.deepEqual(moduleDepends(ko('license=GPL|depends=|intree=Y')), []);
  assert.deepEqual(moduleDepends(ko('license=GPL')), []);
  assert.equal(moduleName('kernel/drivers/net/virtio_net.ko'), 'virtio_net');
  assert.equal(moduleName('snd-hda.ko.xz'), 'snd_hda');
});

test('load order: dependencies first, each once; cycles are reported', () => {
  const deps: Record<string, string[]> = {
    virtio_net: ['virtio_ring', 'virtio', 'net_failover'],
    net_failover: ['failover'],
    failover: [],
    virtio: ['virtio_ring'],
    virtio_ring: [],
    virtio_pci: ['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio'],
    virtio_pci_modern_dev: [],
    virtio_pci_legacy_dev: [],
  };
  const get = (n: string) => {
    if (!(n in deps)) throw new Error(`unknown module ${n}`);
    return deps[n];
  };
  assert.deepEqual(loadOrder(['virtio_pci', 'virtio_net'], get), [
    'virtio_ring',
    'virtio_pci_modern_dev',
    'virtio_pci_legacy_dev',
    'virtio',
    'virtio_pci',
    'failover',
    'net_failover',
    'virtio_net',
  ]);
  assert.throws(() => loadOrder(['a'], (n) => (n === 'a' ? ['b'] : ['a'])), /cycle: a -> b -> a/);
  assert.throws(() => loadOrder(['nope'], get), /unknown module nope/);
});

test('depends= is read from .modinfo strings (9p and virtio names)', () => {
  const ko = Buffer.concat([Buffer.from('\x7fELF junk'), Buffer.from('\0license=GPL\0depends=9pnet,fscache,netfs\0retpoline=Y\0')]);
  assert.deepEqual(moduleDepends(ko), ['9pnet', 'fscache', 'netfs']);
  assert.deepEqual(moduleDepends(Buffer.from('\0depends=\0')), []);
  assert.deepEqual(moduleDepends(Buffer.from('no modinfo')), []);
  assert.equal(moduleName('kernel/drivers/char/hw_random/virtio-rng.ko'), 'virtio_rng');
});

test('load order from a map of what is available: dependencies first, once each; the missing module and who needed it are named', () => {
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
  const available = (n: string) => deps.get(n);
  const order = loadOrder(['virtio_mmio', 'virtio_console', '9p', '9pnet_virtio'], available);
  assert.equal(new Set(order).size, order.length);
  for (const [m, ds] of deps) if (order.includes(m)) for (const d of ds) assert.ok(order.indexOf(d) < order.indexOf(m), `${d} before ${m}`);
  assert.throws(() => loadOrder(['virtio_net'], available), /virtio_net is needed but not available/);
  assert.throws(() => loadOrder(['virtio_net'], (n) => (n === 'virtio_net' ? ['virtio', 'net_failover'] : deps.get(n))), /module net_failover is needed by virtio_net but not available/);
  const cyclic = new Map([['a', ['b']], ['b', ['a']]]);
  assert.throws(() => loadOrder(['a'], (n) => cyclic.get(n)), /cycle/);
});
