// Secrets encrypted the way users encrypt them: openssl's RSA-OAEP (SHA-1)
// under the public key, one base64 chunk per 470 bytes of plaintext at 4096 bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decryptData, isEncrypted } from './decrypt.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 4096, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

function opensslEncrypt(plain: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-oaep-'));
  try {
    writeFileSync(path.join(dir, 'k.pub'), publicKey);
    writeFileSync(path.join(dir, 'p'), plain);
    const r = spawnSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', path.join(dir, 'k.pub'), '-pkeyopt', 'rsa_padding_mode:oaep', '-in', path.join(dir, 'p')]);
    assert.equal(r.status, 0, r.stderr.toString());
    return r.stdout.toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('decrypts chunked PKCS#1-OAEP values anywhere in a secret, and lists the plaintexts', () => {
  const long = 'x'.repeat(470) + 'tail of a long value';
  const data = {
    user: 'plain stays plain',
    password: { '!encrypted/pkcs1-oaep': [opensslEncrypt('s3cret-value')] },
    nested: [{ key: { '!encrypted/pkcs1-oaep': [opensslEncrypt(long.slice(0, 470)), opensslEncrypt(long.slice(470))] } }],
  };
  assert.ok(isEncrypted(data.password));
  const out = decryptData(privateKey, data, 'secret s');
  assert.deepEqual(out.data, { user: 'plain stays plain', password: 's3cret-value', nested: [{ key: long }] });
  assert.deepEqual(out.values, ['s3cret-value', long]);
});

test('a value encrypted for another key is refused, saying which and where', () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const v = { password: { '!encrypted/pkcs1-oaep': [opensslEncrypt('x')] } };
  assert.throws(() => decryptData(other.privateKey, v, 'secret creds of org/a'), /secret creds of org\/a\.password: cannot decrypt with the project's key/);
});
