import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLayer } from './layer-apply.js';
import { writeTar, type TarWriteEntry } from '../../core/tar/index.js';

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'layer-'));
  try {
    await fn(join(dir, ''));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const apply = (root: string, entries: TarWriteEntry[]) => applyLayer(root, once(writeTar(entries)));

test('layers stack; a whiteout removes a lower file, an opaque dir hides lower contents', async () => {
  await withRoot(async (root) => {
    await apply(root, [
      { path: 'etc/', type: 'dir' },
      { path: 'etc/keep', data: 'k' },
      { path: 'etc/gone', data: 'g' },
      { path: 'opt/', type: 'dir' },
      { path: 'opt/old', data: 'o' },
      { path: 'opt/sub/', type: 'dir' },
      { path: 'opt/sub/older', data: 'o2' },
    ]);
    await apply(root, [
      { path: 'etc/.wh.gone' },
      // same-layer content listed before the opaque marker must survive it
      { path: 'opt/new', data: 'n' },
      { path: 'opt/.wh..wh..opq' },
      { path: 'etc/keep', data: 'k2' },
    ]);
    assert.deepEqual((await readdir(join(root, 'etc'))).sort(), ['keep']);
    assert.equal(await readFile(join(root, 'etc/keep'), 'utf8'), 'k2');
    assert.deepEqual(await readdir(join(root, 'opt')), ['new']);
  });
});

test('a whiteout does not remove what the same layer adds', async () => {
  await withRoot(async (root) => {
    await apply(root, [{ path: 'a', data: 'lower' }]);
    await apply(root, [
      { path: 'a', data: 'upper' },
      { path: '.wh.a' },
    ]);
    assert.equal(await readFile(join(root, 'a'), 'utf8'), 'upper');
  });
});

test('symlinks in the image never redirect writes outside the root', async () => {
  await withRoot(async (root) => {
    const outside = await mkdtemp(join(tmpdir(), 'outside-'));
    try {
      await apply(root, [
        { path: 'escape', type: 'symlink', linkname: outside },
        { path: 'up', type: 'symlink', linkname: '../../../../..' + outside },
        { path: 'escape/pwned', data: 'x' },
        { path: 'up/pwned2', data: 'x' },
      ]);
      assert.deepEqual(await readdir(outside), []);
      // the writes landed inside the root, at the link targets taken as root-relative
      assert.equal(await readFile(join(root, outside, 'pwned'), 'utf8'), 'x');
      assert.equal(await readFile(join(root, outside, 'pwned2'), 'utf8'), 'x');
      assert.equal(await readlink(join(root, 'escape')), outside);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

test('".." entries and hard links to missing files are rejected', async () => {
  await withRoot(async (root) => {
    await assert.rejects(apply(root, [{ path: '../evil', data: 'x' }]), /climbs out of the root/);
    await assert.rejects(apply(root, [{ path: 'h', type: 'hardlink', linkname: 'nothere' }]), /missing nothere/);
  });
});

test('hard links share the inode; modes are kept', async () => {
  await withRoot(async (root) => {
    await apply(root, [
      { path: 'bin/', type: 'dir' },
      { path: 'bin/tool', data: '#!/bin/sh\n', mode: 0o755 },
      { path: 'bin/alias', type: 'hardlink', linkname: 'bin/tool' },
    ]);
    const a = await lstat(join(root, 'bin/tool'));
    const b = await lstat(join(root, 'bin/alias'));
    assert.equal(a.ino, b.ino);
    assert.equal(a.mode & 0o777, 0o755);
  });
});
