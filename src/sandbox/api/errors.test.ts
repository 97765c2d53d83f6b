import { it } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, StrataError } from '../../core/index.js';
import { SandboxError } from '../index.js';
import { plain, toApiError } from './errors.js';
import { TarError } from '../../core/tar/index.js';

it('maps library errors to statuses that blame the right side, without the library\'s local id', () => {
  const cases: Array<[SandboxError, number]> = [
    [new SandboxError('unknown_runtime', 'unknown runtime "docker"'), 400],
    [new SandboxError('image_invalid', 'corrupt'), 400],
    [new SandboxError('invalid_state', 'sandbox 0123abcd (vm): cannot exec while failed', { sandbox: 'sandbox 0123abcd (vm)', state: 'failed' }), 409],
    [new SandboxError('copy_failed', 'sandbox 0123abcd (namespaces): copy from /x: /x: No such file or directory', { errno: 'ENOENT' }), 404],
    [new SandboxError('copy_failed', 'permission denied', { errno: 'EACCES' }), 400],
    [new SandboxError('runtime_unavailable', 'runsc missing'), 503],
    [new SandboxError('start_failed', 'qemu exited'), 500],
  ];
  for (const [err, status] of cases) {
    const e = toApiError(err);
    assert.equal(e.status, status, err.code);
    assert.equal(e.code, err.code);
    assert.doesNotMatch(e.message, /^sandbox [0-9a-f]+ \(/);
    assert.equal((e.details as Record<string, unknown> | undefined)?.sandbox, undefined);
  }
  assert.equal(toApiError(new SandboxError('invalid_state', 'x', { state: 'failed' })).details?.state, 'failed');
  assert.equal(toApiError(new TarError('bad', 413, 'payload_too_large')).status, 413);
  assert.equal(toApiError(new NotFoundError('no sandbox x')).status, 404);
  assert.equal(toApiError(new Error('boom')).status, 500);
  assert.ok(toApiError(new StrataError('x', { status: 418 })).status === 418);
  assert.equal(plain('sandbox 85c8c5d4058c (namespaces): copy from /a: nope'), 'copy from /a: nope');
});
