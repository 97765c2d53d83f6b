// Decrypting a secret's `!encrypted/pkcs1-oaep` values as Zuul does: each
// value is one or more base64 chunks, each RSA-OAEP (SHA-1, MGF1-SHA-1)
// with the project's key, concatenated. What `zuul-client encrypt` and
// `openssl pkeyutl -pkeyopt rsa_padding_mode:oaep` produce.

import { constants, privateDecrypt } from 'node:crypto';
import { InvalidInputError } from '../../core/index.js';

const TAG = '!encrypted/pkcs1-oaep';

/** An encrypted value as the frozen job carries it (EncryptedValue's JSON form). */
export function isEncrypted(v: unknown): v is { [TAG]: string[] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray((v as Record<string, unknown>)[TAG]);
}

export function decryptValue(privatePem: string, v: { [TAG]: string[] }, where: string): string {
  try {
    return v[TAG].map((chunk) => privateDecrypt({ key: privatePem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(chunk, 'base64')).toString('utf8')).join('');
  } catch (err) {
    throw new InvalidInputError(`${where}: cannot decrypt with the project's key (${(err as Error).message}); encrypt with its public key from /api/tenant/<tenant>/key/<project>.pub`);
  }
}

/** A secret's data with every encrypted value decrypted, and those plaintexts (to redact from logs). */
export function decryptData(privatePem: string, data: unknown, where: string, values: string[] = []): { data: unknown; values: string[] } {
  const walk = (v: unknown, at: string): unknown => {
    if (isEncrypted(v)) {
      const plain = decryptValue(privatePem, v, at);
      values.push(plain);
      return plain;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${at}.${k}`)]));
    return v;
  };
  return { data: walk(data, where), values };
}
