import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, symlink, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEntryPath, hostTreeSink, walkHostPath } from './copy-tree.js';

async function withDir(fn: (d: string) => Promise<void>) {
  const d = await mkdtemp(join(tmpdir(), 'copy-'));
  try {
    await fn(d);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}

test('entry paths from a sandbox may not be absolute or climb out', () => {
  assert.deepEqual(checkEntryPath(''), []);
  assert.deepEqual(checkEntryPath('a/./b'), ['a', 'b']);
  assert.throws(() => checkEntryPath('/etc/passwd'), /not relative/);
  assert.throws(() => checkEntryPath('a/../../x'), /climbs out/);
});

test('a symlink sent by the sandbox is never followed by a later entry', async () => {
  await withDir(async (d) => {
    const outside = join(d, 'outside');
    await mkdir(outside);
    const sink = hostTreeSink(join(d, 'dest'));
    await sink.entry('d', '', 0o755, '');
    await sink.entry('l', 'esc', 0o777, outside);
    await assert.rejects(sink.entry('f', 'esc/pwned', 0o644, ''), /not a directory \(symlinks are not followed\)/);
    await sink.abort();
    assert.deepEqual(await readdir(outside), []);
    assert.equal(existsSync(join(d, 'dest')), false, 'a failed copy removes what it created');
  });
});

test('setuid bits do not survive a copy out; a tree round-trips', async () => {
  await withDir(async (d) => {
    const src = join(d, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'sub/f'), 'x');
    await symlink('sub/f', join(src, 'link'));
    const sink = hostTreeSink(join(d, 'out'));
    for await (const e of walkHostPath(src)) {
      await sink.entry(e.type, e.path, e.type === 'f' ? 0o4755 : e.mode, e.type === 'l' ? e.target : '');
      if (e.type === 'f') for await (const c of e.content()) await sink.data(c);
    }
    await sink.finish();
    assert.equal(await readFile(join(d, 'out/sub/f'), 'utf8'), 'x');
    assert.equal(await readFile(join(d, 'out/link'), 'utf8'), 'x');
    const { statSync } = await import('node:fs');
    assert.equal(statSync(join(d, 'out/sub/f')).mode & 0o7777, 0o755);
  });
});
