import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile, link, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractTar } from './extract.js';
import { TarError } from './format.js';
import { hostPathEntries, tarStream, writeTar, type TarEntry } from './writer.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-tar-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(b);
  return Buffer.concat(parts);
}

/** Feeds a buffer in awkward chunk sizes, as a network would. */
async function* chunked(buf: Buffer, size = 333): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

const file = (path: string, content: string | Buffer, mode = 0o644): TarEntry => {
  const data = Buffer.from(content);
  return { path, type: 'file', mode, size: data.length, content: async function* () { yield data; } };
};

async function tree(): Promise<string> {
  const src = await mkdtemp(join(dir, 'src-'));
  const deep = join(src, 'top', 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60));
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'long-path-file.txt'), 'deep\n');
  await writeFile(join(src, 'top', 'big.bin'), Buffer.alloc(1_000_003, 9));
  await writeFile(join(src, 'top', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  await writeFile(join(src, 'top', 'empty'), '');
  await symlink('run.sh', join(src, 'top', 'link'));
  await mkdir(join(src, 'top', 'ro'), { mode: 0o555 });
  return src;
}

describe('tar', () => {
  it('packs a host tree that GNU tar reads back identically', async () => {
    const src = await tree();
    const archive = join(dir, 'ours.tar');
    await writeFile(archive, await collect(tarStream(hostPathEntries(join(src, 'top'), 'top'))));
    const out = await mkdtemp(join(dir, 'gnu-'));
    execFileSync('tar', ['-C', out, '-xf', archive]);
    execFileSync('diff', ['-r', '--no-dereference', join(src, 'top'), join(out, 'top')]);
    assert.equal((await stat(join(out, 'top', 'run.sh'))).mode & 0o777, 0o755);
    assert.equal(await readlink(join(out, 'top', 'link')), 'run.sh');
    assert.equal((await stat(join(out, 'top', 'ro'))).mode & 0o777, 0o555);
  });

  it('unpacks what GNU tar packs (long names, links, hard links, read-only dirs), in any chunking', async () => {
    const src = await tree();
    await link(join(src, 'top', 'run.sh'), join(src, 'top', 'hard'));
    for (const format of ['gnu', 'pax', 'ustar']) {
      const archive = join(dir, `gnu-${format}.tar`);
      try {
        execFileSync('tar', ['-C', src, `--format=${format}`, '-cf', archive, 'top'], { stdio: 'pipe' });
      } catch {
        assert.equal(format, 'ustar', 'only ustar may refuse the long names');
        continue;
      }
      const out = await mkdtemp(join(dir, 'ours-'));
      const r = await extractTar(chunked(await readFile(archive)), out);
      assert.deepEqual(r.topLevel, ['top']);
      execFileSync('diff', ['-r', '--no-dereference', join(src, 'top'), join(out, 'top')]);
      assert.equal((await lstat(join(out, 'top', 'hard'))).isFile(), true);
      assert.equal((await stat(join(out, 'top', 'ro'))).mode & 0o777, 0o555);
      await chmod(join(out, 'top', 'ro'), 0o755);
    }
  });

  it('renames entries and merges into an existing directory, replacing files', async () => {
    const out = await mkdtemp(join(dir, 'merge-'));
    await mkdir(join(out, 'dest'));
    await writeFile(join(out, 'dest', 'keep.txt'), 'kept');
    await writeFile(join(out, 'dest', 'a.txt'), 'old');
    const buf = await collect(tarStream([{ path: 'x', type: 'dir', mode: 0o755 }, file('x/a.txt', 'new'), file('x/b.txt', 'b')]));
    await extractTar(chunked(buf), out, { rename: (p) => (p[0] === 'x' ? ['dest', ...p.slice(1)] : p) });
    assert.equal(await readFile(join(out, 'dest', 'a.txt'), 'utf8'), 'new');
    assert.equal(await readFile(join(out, 'dest', 'b.txt'), 'utf8'), 'b');
    assert.equal(await readFile(join(out, 'dest', 'keep.txt'), 'utf8'), 'kept');
  });

  it('refuses absolute paths, "..", and writes through symlinks, leaving outside files alone', async () => {
    const outside = join(dir, 'outside.txt');
    await writeFile(outside, 'untouched');
    const cases: Array<[TarEntry[], RegExp]> = [
      [[file('/etc/evil', 'x')], /absolute paths are not allowed/],
      [[file('a/../../evil', 'x')], /".." is not allowed/],
      [[{ path: 'l', type: 'symlink', mode: 0o777, linkname: dir }, file('l/outside.txt', 'x')], /is not a directory \(symlinks are not followed\)/],
    ];
    for (const [entries, message] of cases) {
      const out = await mkdtemp(join(dir, 'evil-'));
      await assert.rejects(extractTar(chunked(await collect(tarStream(entries))), out), (err: Error) => err instanceof TarError && err.statusCode === 400 && message.test(err.message));
    }
    // a symlink followed by a file of the same name replaces the link, never writes through it
    const out = await mkdtemp(join(dir, 'evil-'));
    await extractTar(chunked(await collect(tarStream([{ path: 'f', type: 'symlink', mode: 0o777, linkname: outside }, file('f', 'inside')]))), out);
    assert.equal(await readFile(outside, 'utf8'), 'untouched');
    assert.equal(await readFile(join(out, 'f'), 'utf8'), 'inside');
    // a hard link may only name a file unpacked before it
    await assert.rejects(extractTar(chunked(writeTar([{ path: 'h', type: 'hardlink', linkname: '../outside.txt' }])), out), /".." is not allowed/);
    await assert.rejects(extractTar(chunked(writeTar([{ path: 'h', type: 'hardlink', linkname: 'never-unpacked' }])), out), /not a file unpacked before it/);
  });

  it('says where a corrupt, truncated or oversized archive goes wrong', async () => {
    const good = await collect(tarStream([file('a.txt', 'x'.repeat(5000))]));
    const out = await mkdtemp(join(dir, 'bad-'));
    const corrupt = Buffer.from(good);
    corrupt[10] ^= 0xff;
    await assert.rejects(extractTar(chunked(corrupt), out), /not a tar archive: bad header checksum at offset 0/);
    await assert.rejects(extractTar(chunked(good.subarray(0, 2000)), out), /truncated archive at offset 2000: a.txt ends/);
    await assert.rejects(extractTar(chunked(Buffer.from('this is not a tar archive at all'.repeat(20))), out), /not a tar archive/);
    await assert.rejects(extractTar(chunked(good), out, { limit: 4096 }), (err: Error) => err instanceof TarError && err.statusCode === 413);
    const r = await extractTar(Readable.from(chunked(good)), out);
    assert.equal(r.bytes, 5000);
    assert.equal((await stat(join(out, 'a.txt'))).size, 5000);
    // our own archive streams from a file too
    const f = join(dir, 'x.tar');
    await writeFile(f, good);
    assert.deepEqual((await extractTar(createReadStream(f), await mkdtemp(join(dir, 'file-')))).topLevel, ['a.txt']);
  });
});
