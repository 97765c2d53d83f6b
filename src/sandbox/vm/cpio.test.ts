import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeCpio } from './cpio.js';

test('newc records are 4-byte aligned and end with the trailer', () => {
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
