import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverAll, presentDrivers, selectDrivers, DRIVERS } from './index.js';
import { a100MigHost, A100_LIST, A100_QUERY, amdHost, arria10Host, fakeNvidiaSmi, h100Host, H100_QUERY } from '../testing/sysfs-trees.js';
import { portPrArgv } from './intel-fpga/port-pr.js';
import { parsePciIds } from './pci/pci-ids.js';

function host(build: (root: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'accel-sysfs-'));
  const sysfsRoot = join(dir, 'sys');
  build(sysfsRoot);
  return { dir, sysfsRoot, devRoot: join(dir, 'dev'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('an H100 host: the nvidia driver reports one PGPU with nvidia-smi\'s name, memory and UUID; the host bridge is ignored', async () => {
  const h = host(h100Host);
  try {
    const env = { sysfsRoot: h.sysfsRoot, devRoot: h.devRoot, nvidiaSmi: fakeNvidiaSmi(h.dir, H100_QUERY) };
    assert.deepEqual(presentDrivers(env).map((d) => d.name), ['nvidia', 'pci']);
    const { devices, failures } = await discoverAll(selectDrivers(['nvidia', 'pci']), env);
    assert.deepEqual(failures, []);
    assert.equal(devices.length, 1, 'the pci driver does not report the GPU a second time');
    const [gpu] = devices;
    assert.equal(gpu!.driverName, 'nvidia');
    assert.equal(gpu!.model, 'NVIDIA H100 PCIe');
    assert.equal(gpu!.address, '0000:3b:00.0');
    const [d] = gpu!.deployables;
    assert.equal(d!.resourceClass, 'PGPU');
    assert.equal(d!.numAccelerators, 1);
    assert.equal(d!.attributes.memory, '81559MiB');
    assert.equal(d!.attributes.numa_node, '0');
    assert.deepEqual(d!.attach.env, { NVIDIA_VISIBLE_DEVICES: 'GPU-6a3e6f9c-0f4b-7a1e-9b5e-1d2f3a4b5c6d', CUDA_VISIBLE_DEVICES: 'GPU-6a3e6f9c-0f4b-7a1e-9b5e-1d2f3a4b5c6d' });
  } finally {
    h.done();
  }
});

test('an A100 in MIG mode: each MIG instance is a VGPU deployable under its GPU, which holds none itself', async () => {
  const h = host(a100MigHost);
  try {
    const env = { sysfsRoot: h.sysfsRoot, devRoot: h.devRoot, nvidiaSmi: fakeNvidiaSmi(h.dir, A100_QUERY, A100_LIST) };
    const { devices } = await discoverAll(selectDrivers(['nvidia']), env);
    assert.equal(devices.length, 2);
    const mig = devices[0]!;
    assert.deepEqual(mig.deployables.map((d) => [d.resourceClass, d.numAccelerators, d.parent ?? null, d.attributes.mig_profile ?? null, d.attributes.memory]), [
      ['PGPU', 0, null, null, '40960MiB'],
      ['VGPU', 1, 'GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f', '3g.20gb', '20GB'],
      ['VGPU', 1, 'GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f', '2g.10gb', '10GB'],
    ]);
    assert.equal(mig.deployables[1]!.attach.env.NVIDIA_VISIBLE_DEVICES, 'MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f');
    assert.equal(devices[1]!.deployables.length, 1);
    assert.equal(devices[1]!.deployables[0]!.attributes.numa_node, '1');
  } finally {
    h.done();
  }
});

test('without nvidia-smi a GPU is still reported from sysfs; a failing nvidia-smi is a driver failure, not a crash', async () => {
  const h = host(h100Host);
  try {
    const bare = await discoverAll(selectDrivers(['nvidia']), { sysfsRoot: h.sysfsRoot, devRoot: h.devRoot });
    assert.equal(bare.devices[0]!.deployables[0]!.numAccelerators, 1);
    assert.equal(bare.devices[0]!.deployables[0]!.attach.env.NVIDIA_VISIBLE_DEVICES, '0');
    const broken = join(h.dir, 'broken-smi');
    writeFileSync(broken, '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver" >&2\nexit 9\n', { mode: 0o755 });
    const r = await discoverAll(selectDrivers(['nvidia']), { sysfsRoot: h.sysfsRoot, devRoot: h.devRoot, nvidiaSmi: broken });
    assert.equal(r.devices.length, 0);
    assert.match(r.failures[0]!.error, /exit 9.*couldn't communicate/);
  } finally {
    h.done();
  }
});

test('an Arria 10 DFL card: one FPGA device, one deployable per port with the AFU as its function', async () => {
  const h = host(arria10Host);
  try {
    const env = { sysfsRoot: h.sysfsRoot, devRoot: h.devRoot };
    assert.deepEqual(presentDrivers(env).map((d) => d.name), ['intel-fpga', 'pci']);
    const { devices } = await discoverAll(presentDrivers(env), env);
    assert.equal(devices.length, 1);
    const [fpga] = devices;
    assert.equal(fpga!.type, 'FPGA');
    assert.equal(fpga!.driverName, 'intel-fpga');
    assert.equal(fpga!.vendorBoardInfo.fim_bitstream_id, '0x2300011001030f');
    assert.deepEqual(fpga!.deployables.map((d) => [d.name, d.attributes.function_id, d.attributes.port]), [['0000:5e:00.0/dfl-port.0', 'd8424dc4a4a3c413f89e433683f9040b', '0']]);
  } finally {
    h.done();
  }
});

test('the generic pci driver reports other vendors\' GPUs with their DRM nodes', async () => {
  const h = host(amdHost);
  try {
    const devRoot = join(h.dir, 'dev');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(devRoot, 'dri'), { recursive: true });
    writeFileSync(join(devRoot, 'dri', 'renderD129'), '');
    const { devices } = await discoverAll(selectDrivers(['pci']), { sysfsRoot: h.sysfsRoot, devRoot });
    assert.equal(devices[0]!.type, 'GPU');
    assert.deepEqual(devices[0]!.deployables[0]!.attach.deviceNodes, [join(devRoot, 'dri', 'renderD129')]);
  } finally {
    h.done();
  }
});

test('the fake driver has Cyborg\'s fake FPGA; unknown driver names are refused with the known ones', async () => {
  const { devices } = await DRIVERS.fake!.discover({ sysfsRoot: '/nonexistent', devRoot: '/nonexistent' }).then((devices) => ({ devices }));
  assert.equal(devices[0]!.address, '0000:0c:00.0');
  assert.equal(devices[0]!.vendor, '0xABCD');
  assert.equal(devices[0]!.deployables[0]!.numAccelerators, 16);
  assert.throws(() => selectDrivers(['fake', 'tpu']), /unknown driver tpu \(known: fake, nvidia, intel-fpga, pci\)/);
});

test('DFL programming is an argv (no shell) and fails clearly on something that is no FME', async () => {
  const argv = portPrArgv('/dev/dfl-fme.0', 0, '/tmp/x.gbs');
  assert.equal(argv[0], 'python3');
  assert.deepEqual(argv.slice(3), ['/dev/dfl-fme.0', '0', '/tmp/x.gbs']);
  const dir = mkdtempSync(join(tmpdir(), 'accel-pr-'));
  try {
    writeFileSync(join(dir, 'dfl-fme.0'), '');
    writeFileSync(join(dir, 'image.gbs'), 'bits');
    const dep = { uuid: 'u', attributes: { fme: 'dfl-fme.0', port: '0' } } as any;
    await assert.rejects(DRIVERS['intel-fpga']!.program!(dep, join(dir, 'image.gbs'), { sysfsRoot: dir, devRoot: dir }), /partial reconfiguration of port 0 failed: Inappropriate ioctl/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pci.ids parsing', () => {
  const t = parsePciIds('# c\n10de  NVIDIA Corporation\n\t2331  GH100 [H100 PCIe]\n\t\t10de 1626  H100 PCIe\nC 00  Unclassified\n\t00  Non-VGA\n');
  assert.equal(t.get('10de:2331'), 'GH100 [H100 PCIe]');
  assert.equal(t.get('10de'), 'NVIDIA Corporation');
  assert.equal(t.size, 2);
});
