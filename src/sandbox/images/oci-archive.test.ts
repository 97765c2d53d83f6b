import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isSandboxError } from '../model/errors.js';
import { planArchive, unpackArchive } from './oci-archive.js';
import { writeTar, type TarWriteEntry } from '../../core/tar/index.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.slice(7);

const layer1 = writeTar([
  { path: 'etc/', type: 'dir' },
  { path: 'etc/os-release', data: 'ID=test\n' },
  { path: 'etc/old', data: 'old' },
]);
const layer2 = writeTar([{ path: 'etc/.wh.old' }, { path: 'hello.txt', data: 'hi\n' }]);

function ociLayout(opts: { corruptLayer?: boolean } = {}): Buffer {
  const l1 = gzipSync(layer1);
  const l2 = layer2; // one compressed, one plain
  const config = Buffer.from(JSON.stringify({ config: { Env: ['PATH=/bin', 'A=1'], WorkingDir: '/srv' }, rootfs: { diff_ids: [sha(layer1), sha(layer2)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { digest: sha(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(l1), size: l1.length },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(l2), size: l2.length },
      ],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
    }),
  );
  const l1Stored = opts.corruptLayer ? Buffer.from(l1).fill(0x41, 40, 44) : l1;
  const entries: TarWriteEntry[] = [
    { path: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    { path: 'index.json', data: index },
    { path: 'blobs/', type: 'dir' },
    { path: 'blobs/sha256/', type: 'dir' },
    { path: `blobs/sha256/${hex(sha(manifest))}`, data: manifest },
    { path: `blobs/sha256/${hex(sha(config))}`, data: config },
    { path: `blobs/sha256/${hex(sha(l1))}`, data: l1Stored },
    { path: `blobs/sha256/${hex(sha(l2))}`, data: l2 },
  ];
  return writeTar(entries);
}

function dockerSave(opts: { wrongDiff?: boolean } = {}): Buffer {
  const config = Buffer.from(JSON.stringify({ config: { Env: ['X=y'] }, rootfs: { diff_ids: [sha(layer1), opts.wrongDiff ? sha(layer1) : sha(layer2)] } }));
  const manifest = Buffer.from(JSON.stringify([{ Config: `${hex(sha(config))}.json`, RepoTags: ['demo:latest'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]));
  return writeTar([
    { path: 'manifest.json', data: manifest },
    { path: `${hex(sha(config))}.json`, data: config },
    { path: 'aaa/layer.tar', data: layer1 },
    { path: 'bbb/layer.tar', data: layer2 },
  ]);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('an OCI layout tarball unpacks with its layers, whiteouts and config', async () => {
  await withDir(async (dir) => {
    const archive = join(dir, 'img.tar');
    await writeFile(archive, ociLayout());
    const img = await unpackArchive(archive, join(dir, 'cache'));
    assert.match(img.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(img.config.env, ['PATH=/bin', 'A=1']);
    assert.equal(img.config.workingDir, '/srv');
    assert.equal(await readFile(join(img.rootfs, 'hello.txt'), 'utf8'), 'hi\n');
    assert.deepEqual(await readdir(join(img.rootfs, 'etc')), ['os-release']);
    // cached by digest: a second unpack reuses the folder
    const again = await unpackArchive(archive, join(dir, 'cache'));
    assert.equal(again.rootfs, img.rootfs);
    assert.equal((await planArchive(archive, 'v1')).plan.digest, img.digest);
    await assert.rejects(planArchive(archive, 'v2'), (e) => isSandboxError(e, 'image_not_found'));
  });
});

test('a docker save tarball unpacks; diff_ids are checked', async () => {
  await withDir(async (dir) => {
    const archive = join(dir, 'img.tar');
    await writeFile(archive, dockerSave());
    const img = await unpackArchive(archive, join(dir, 'cache'));
    assert.deepEqual(img.config.env, ['X=y']);
    assert.equal(await readFile(join(img.rootfs, 'hello.txt'), 'utf8'), 'hi\n');
    await writeFile(archive, dockerSave({ wrongDiff: true }));
    await assert.rejects(unpackArchive(archive, join(dir, 'cache2')), (e) => isSandboxError(e, 'image_invalid') && /digest mismatch/.test((e as Error).message));
    assert.deepEqual(await readdir(join(dir, 'cache2', 'images', 'oci')), [], 'nothing left behind');
  });
});

test('corrupt archives fail clearly and leave nothing in the cache', async () => {
  await withDir(async (dir) => {
    const archive = join(dir, 'img.tar');
    const cache = join(dir, 'cache');
    await writeFile(archive, ociLayout({ corruptLayer: true }));
    await assert.rejects(unpackArchive(archive, cache), (e) => isSandboxError(e, 'image_invalid') && /layer blobs\/sha256\/\w+/.test((e as Error).message));
    assert.deepEqual(await readdir(join(cache, 'images', 'oci')), []);
    await writeFile(archive, ociLayout().subarray(0, 3000));
    await assert.rejects(unpackArchive(archive, cache), (e) => isSandboxError(e, 'image_invalid') && /truncated|end of archive/.test((e as Error).message));
    await writeFile(archive, Buffer.from('this is not a tar file at all'.repeat(40)));
    await assert.rejects(unpackArchive(archive, cache), (e) => isSandboxError(e, 'image_invalid') && /not a valid tar archive/.test((e as Error).message));
    await writeFile(archive, writeTar([{ path: 'readme', data: 'x' }]));
    await assert.rejects(unpackArchive(archive, cache), /neither index.json/);
    await assert.rejects(unpackArchive(join(dir, 'missing.tar'), cache), (e) => isSandboxError(e, 'image_not_found'));
    assert.deepEqual(await readdir(join(cache, 'images', 'oci')), []);
  });
});
