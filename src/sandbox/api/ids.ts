/**
 * Ids the API hands out for sandboxes and execs: 120 random bits in
 * lower-case base32 (24 characters), unguessable, safe in URLs, file names
 * and `ID:/path` arguments, and never starting with "-".
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function newId(): string {
  const bytes = randomBytes(15);
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** What a sandbox or exec id looks like (anything else is answered 404 without a lookup). */
export const ID_PATTERN = '^[a-z2-7]{24}$';
export const isId = (s: string): boolean => /^[a-z2-7]{24}$/.test(s);
