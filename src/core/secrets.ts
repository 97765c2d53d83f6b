import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from './errors.js';

export const MASK = '******';
const PREFIX = 'enc:v1:';

/**
 * Encrypts secrets at rest (BMC passwords, passphrases) with AES-256-GCM.
 * The key comes from $STRATA_SECRET_KEY (base64, 32 bytes: give every
 * process of a PostgreSQL-backed deployment the same one) or from
 * `<data>/secret.key`, created on first start with mode 0600.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new StrataError('the secret key must be 32 bytes', { code: 'bad_secret_key' });
  }

  static load(dataDir: string, env = process.env): SecretBox {
    if (env.STRATA_SECRET_KEY) return new SecretBox(Buffer.from(env.STRATA_SECRET_KEY, 'base64'));
    const file = join(dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join(':');
  }

  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed)) throw new StrataError('value is not an encrypted secret', { code: 'bad_secret' });
    const [iv, tag, body] = sealed.slice(PREFIX.length).split(':').map((p) => Buffer.from(p, 'base64'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv!);
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new StrataError('cannot decrypt a stored secret: wrong key or corrupted value', { code: 'bad_secret', cause });
    }
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }
}
