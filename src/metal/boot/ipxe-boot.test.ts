import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriverRegistry, DriverError, type DriverNode } from '../drivers/index.js';
import { createIpxeBoot } from './ipxe-boot.js';
import { HttpBootStore } from './http-boot-store.js';

const UUID = 'b3b1c2d4-0000-4000-8000-000000000002';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ipxe-boot-'));
  const drivers = createDriverRegistry();
  const store = new HttpBootStore(dir);
  const boot = createIpxeBoot({ store, driverFor: (n) => drivers.compose(n), apiUrl: () => 'http://10.0.0.1:7070/baremetal', kernelAppendParams: 'console=ttyS0', downloadTimeoutMs: 60000 });
  drivers.registerInterface(boot);
  const node: DriverNode = {
    uuid: UUID,
    driver: 'fake-hardware',
    interfaces: { boot: 'ipxe' },
    driver_info: { deploy_kernel: 'http://h/dk', deploy_ramdisk: 'http://h/dr', rescue_kernel: 'http://h/rk', rescue_ramdisk: 'http://h/rr' },
    provision_state: 'cleaning',
  };
  return { drivers, store, boot, node, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('validate names the missing or malformed driver_info key', () => {
  const s = setup();
  try {
    s.boot.validate({ node: s.node });
    const kind = (f: () => void) => {
      try {
        f();
      } catch (err) {
        assert.ok(err instanceof DriverError, String(err));
        return `${err.kind}: ${err.message}`;
      }
      return 'ok';
    };
    assert.match(kind(() => s.boot.validate({ node: { ...s.node, driver_info: { deploy_ramdisk: 'http://h/dr' } } })), /^missing-parameter: .*deploy_kernel/);
    assert.match(kind(() => s.boot.validate({ node: { ...s.node, driver_info: { ...s.node.driver_info, deploy_kernel: '/boot/vmlinuz' } } })), /^invalid-parameter: .*driver_info\/deploy_kernel/);
    assert.match(kind(() => s.boot.validate({ node: { ...s.node, driver_info: { ...s.node.driver_info, kernel_append_params: 'a\nchain http://evil' } } })), /^invalid-parameter: .*kernel_append_params/);
    assert.deepEqual(Object.keys(s.boot.properties()).sort(), ['deploy_kernel', 'deploy_ramdisk', 'kernel_append_params', 'rescue_kernel', 'rescue_ramdisk']);
  } finally {
    s.done();
  }
});

test('prepareRamdisk: the deploy ramdisk with the conductor\'s parameters, one-time PXE; the rescue ramdisk while rescuing', async () => {
  const s = setup();
  try {
    const d = s.drivers.compose(s.node);
    await s.boot.prepareRamdisk({ node: s.node }, { 'ipa-api-url': 'http://10.0.0.1:7070/baremetal' });
    const script = s.store.read(UUID)!;
    assert.match(script, /^kernel --timeout 60000 http:\/\/h\/dk console=ttyS0 ipa-api-url=http:\/\/10\.0\.0\.1:7070\/baremetal BOOTIF=\$\{mac\} initrd=deploy_ramdisk \|\| goto retry$/m);
    assert.deepEqual(await d.management.getBootDevice({ node: s.node }), { boot_device: 'pxe', persistent: false });

    const rescuing = { ...s.node, provision_state: 'rescuing' as const, driver_info: { ...s.node.driver_info, kernel_append_params: 'quiet' } };
    await s.boot.prepareRamdisk({ node: rescuing }, {});
    assert.match(s.store.read(UUID)!, /^kernel --timeout 60000 http:\/\/h\/rk quiet BOOTIF/m);
    await assert.rejects(() => s.boot.prepareRamdisk({ node: { ...rescuing, driver_info: s.node.driver_info } }, { bad: 'x y' }), /ramdisk parameters\/bad/);

    await s.boot.cleanUpRamdisk({ node: s.node });
    assert.equal(s.store.read(UUID), null);
  } finally {
    s.done();
  }
});

test('prepareInstance: a whole-disk instance boots from disk, persistently, with no script left', async () => {
  const s = setup();
  try {
    const node = { ...s.node, interfaces: { boot: 'ipxe', deploy: 'fake' } };
    await s.boot.prepareRamdisk({ node }, {});
    await s.boot.prepareInstance({ node });
    assert.equal(s.store.read(UUID), null);
    assert.deepEqual(await s.drivers.compose(node).management.getBootDevice({ node }), { boot_device: 'disk', persistent: true });
  } finally {
    s.done();
  }
});

test('the store refuses anything but a node UUID as a directory', () => {
  const s = setup();
  try {
    assert.throws(() => s.store.write('../../etc', 'x'), /not a node UUID/);
    assert.throws(() => s.store.read('a/b'), /not a node UUID/);
    s.store.write(UUID.toUpperCase(), '#!ipxe\n');
    assert.equal(s.store.read(UUID), '#!ipxe\n');
  } finally {
    s.done();
  }
});
