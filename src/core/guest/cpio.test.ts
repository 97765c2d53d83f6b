import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCpio } from './cpio.js';

test('GNU cpio unpacks what we write: directories, files with modes, symlinks', () => {
  const archive = writeCpio([
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/hello', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
    { type: 'file', path: 'odd', data: Buffer.from([1, 2, 3]) },
    { type: 'symlink', path: 'bin/sh', target: 'hello' },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'cpio-'));
  try {
    const r = spawnSync('cpio', ['-i', '-d', '--quiet', '--no-absolute-filenames'], { cwd: dir, input: archive });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(readFileSync(join(dir, 'bin/hello'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(statSync(join(dir, 'bin/hello')).mode & 0o777, 0o755);
    assert.deepEqual([...readFileSync(join(dir, 'odd'))], [1, 2, 3]);
    assert.equal(readlinkSync(join(dir, 'bin/sh')), 'hello');
    const listing = spawnSync('cpio', ['-t', '-v', '--quiet'], { input: writeCpio([{ type: 'char', path: 'dev/console', major: 5, minor: 1 }]) }).stdout.toString();
    assert.match(listing, /^crw-------.* 5,\s+1 .*dev\/console$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deterministic, 4-byte aligned, with a trailer; bad or repeated paths refused', () => {
  const a = writeCpio([{ type: 'file', path: 'x', data: 'abc' }]);
  assert.deepEqual(a, writeCpio([{ type: 'file', path: 'x', data: 'abc' }]));
  assert.equal(a.length % 4, 0);
  assert.ok(a.includes(Buffer.from('TRAILER!!!\0')));
  assert.throws(() => writeCpio([{ type: 'dir', path: '../etc' }]), /bad path/);
  assert.throws(() => writeCpio([{ type: 'dir', path: 'a' }, { type: 'dir', path: '/a' }]), /twice/);
});

test('newc records are 4-byte aligned and end with the trailer; device nodes; leading slashes accepted', () => {
  const a = writeCpio([
    { type: 'dir', path: '/dev' },
    { type: 'char', path: '/dev/console', major: 5, minor: 1 },
    { type: 'file', path: '/init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { type: 'symlink', path: '/bin/sh', target: 'busybox' },
  ]);
  assert.equal(a.length % 4, 0);
  assert.equal(a.toString('latin1', 0, 6), '070701');
  assert.ok(a.includes(Buffer.from('TRAILER!!!\0')));
  // the console node: mode 020600, rdev 5:1
  const at = a.indexOf(Buffer.from('dev/console\0'));
  const header = a.toString('latin1', at - 110, at);
  assert.equal(header.slice(14, 22), (0o020600).toString(16).padStart(8, '0'));
  assert.equal(header.slice(78, 86), '00000005');
  assert.equal(header.slice(86, 94), '00000001');
  // identical input, identical bytes (the cache key depends on it)
  assert.deepEqual(a, writeCpio([
    { type: 'dir', path: '/dev' },
    { type: 'char', path: '/dev/console', major: 5, minor: 1 },
    { type: 'file', path: '/init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { type: 'symlink', path: '/bin/sh', target: 'busybox' },
  ]));
});
