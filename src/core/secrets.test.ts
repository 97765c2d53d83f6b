import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from './secrets.js';

test('seal/open round-trips and never stores the plaintext', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sec-'));
  try {
    const box = SecretBox.load(dir, {});
    assert.equal(statSync(join(dir, 'secret.key')).mode & 0o777, 0o600);
    const sealed = box.seal('hunter2');
    assert.ok(SecretBox.isSealed(sealed));
    assert.ok(!sealed.includes('hunter2'));
    assert.notEqual(box.seal('hunter2'), sealed, 'a fresh IV each time');
    assert.equal(SecretBox.load(dir, {}).open(sealed), 'hunter2', 'the key persists');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a wrong key or a tampered value is a clear error', () => {
  const a = new SecretBox(Buffer.alloc(32, 1));
  const b = new SecretBox(Buffer.alloc(32, 2));
  const sealed = a.seal('x');
  assert.throws(() => b.open(sealed), /wrong key or corrupted/);
  assert.throws(() => a.open(sealed.slice(0, -4) + 'AAAA'), /wrong key or corrupted/);
  assert.throws(() => a.open('plain'), /not an encrypted secret/);
});
