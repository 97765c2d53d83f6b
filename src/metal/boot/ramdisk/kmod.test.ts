import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOrder, moduleDepends, moduleName } from './kmod.js';

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
