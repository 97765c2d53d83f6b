import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatImageRef, parseImageRef } from './image-ref.js';

test('image strings', () => {
  assert.deepEqual(parseImageRef('busybox'), { type: 'busybox' });
  assert.deepEqual(parseImageRef('/srv/root'), { type: 'directory', path: '/srv/root' });
  assert.deepEqual(parseImageRef('dir:/srv/root'), { type: 'directory', path: '/srv/root' });
  assert.deepEqual(parseImageRef('/srv/img.tar'), { type: 'oci-archive', path: '/srv/img.tar' });
  assert.deepEqual(parseImageRef('oci-archive:/srv/img.tar:v2'), { type: 'oci-archive', path: '/srv/img.tar', name: 'v2' });
  assert.equal(formatImageRef(parseImageRef('oci-archive:/srv/img.tar:v2')), 'oci-archive:/srv/img.tar:v2');
  assert.throws(() => parseImageRef('ubuntu:22.04'), /expected busybox/);
  assert.throws(() => parseImageRef('dir:relative'), /absolute/);
});
