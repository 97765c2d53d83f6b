import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TarError } from './format.js';
import { indexTarFile, readTar } from './reader.js';
import { writeTar } from './writer.js';

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function collect(buf: Buffer, size = 7) {
  const out: Array<{ path: string; type: string; linkname: string; data: string }> = [];
  for await (const e of readTar(chunks(buf, size))) {
    const parts: Buffer[] = [];
    for await (const c of e.body()) parts.push(c);
    out.push({ path: e.path, type: e.type, linkname: e.linkname, data: Buffer.concat(parts).toString() });
  }
  return out;
}

const longName = `deep/${'x'.repeat(120)}/file.txt`;
const sample = writeTar([
  { path: 'dir/', type: 'dir' },
  { path: 'dir/a.txt', data: 'hello' },
  { path: 'dir/link', type: 'symlink', linkname: 'a.txt' },
  { path: longName, data: 'long' },
  { path: 'empty', data: '' },
]);

test('reads ustar and pax entries across arbitrary chunk boundaries', async () => {
  for (const size of [1, 7, 512, 100000]) {
    const entries = await collect(sample, size);
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.data]),
      [
        ['dir/', 'dir', ''],
        ['dir/a.txt', 'file', 'hello'],
        ['dir/link', 'symlink', ''],
        [longName, 'file', 'long'],
        ['empty', 'file', ''],
      ],
    );
    assert.equal(entries[2].linkname, 'a.txt');
  }
});

test('unread bodies are skipped', async () => {
  const names: string[] = [];
  for await (const e of readTar(chunks(sample, 64))) names.push(e.path);
  assert.equal(names.length, 5);
});

test('a corrupted header fails its checksum with the offset', async () => {
  const bad = Buffer.from(sample);
  bad[512 + 10] ^= 0xff; // second header, in the name
  await assert.rejects(collect(bad), (err: Error) => err instanceof TarError && /bad header checksum at offset 512/.test(err.message));
});

test('a truncated archive is reported, not silently accepted', async () => {
  await assert.rejects(collect(sample.subarray(0, 512 + 3)), /truncated archive/);
  await assert.rejects(collect(sample.subarray(0, 1024)), /end of archive|truncated/);
});

test('indexTarFile finds members and their offsets without reading bodies', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tar-index-'));
  try {
    const file = join(dir, 'x.tar');
    await writeFile(file, sample);
    const index = await indexTarFile(file);
    assert.deepEqual([...index.keys()], ['dir', 'dir/a.txt', 'dir/link', longName, 'empty']);
    const m = index.get('dir/a.txt')!;
    assert.equal(sample.toString('utf8', m.dataOffset, m.dataOffset + m.size), 'hello');
    await writeFile(file, sample.subarray(0, 1500));
    await assert.rejects(indexTarFile(file), /truncated archive|unexpected end of archive/);
    await writeFile(file, sample.subarray(0, 1026));
    await assert.rejects(indexTarFile(file), /truncated archive: dir\/a.txt/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
