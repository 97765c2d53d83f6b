import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from './errors/index.js';

export const MASK = '******';
const PREFIX = 'enc:v1:';

/**
 * Encrypts secrets at rest (BMC passwords, passphrases) with AES-256-GCM.
 * The key comes from $STRATA_SECRET_KEY (base64, 32 bytes: give every
 * process of a PostgreSQL-backed deployment the same one) or from
 * `<data>/secret.key`, created on first start with mode 0600.
 */
export class SecretBox {
  private key: Buffer;
  /** keys values may still be sealed with during a rotation: tried in turn after the current one */
  private previous: Buffer[];
  /** where the key lives: the data directory's file, or $STRATA_SECRET_KEY */
  readonly source: { file: string } | { env: string };

  constructor(key: Buffer, opts: { previous?: Buffer[]; source?: SecretBox['source'] } = {}) {
    if (key.length !== 32) throw new StrataError('the secret key must be 32 bytes', { code: 'bad_secret_key' });
    this.key = key;
    this.previous = opts.previous ?? [];
    this.source = opts.source ?? { env: 'STRATA_SECRET_KEY' };
  }

  static load(dataDir: string, env = process.env): SecretBox {
    const previous = env.STRATA_SECRET_KEY_PREVIOUS ? [Buffer.from(env.STRATA_SECRET_KEY_PREVIOUS, 'base64')] : [];
    if (env.STRATA_SECRET_KEY) return new SecretBox(Buffer.from(env.STRATA_SECRET_KEY, 'base64'), { previous, source: { env: 'STRATA_SECRET_KEY' } });
    const file = join(dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    // a rotation keeps the old key beside the new one (and, if it stopped half-way, the next one)
    for (const other of [`${file}.next`, `${file}.previous`]) if (existsSync(other)) previous.push(Buffer.from(readFileSync(other, 'utf8').trim(), 'base64'));
    return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), { previous, source: { file } });
  }

  /** From now on seal with `next`; values sealed with the current key still open. */
  rotate(next: Buffer): void {
    if (next.length !== 32) throw new StrataError('the new secret key must be 32 bytes (base64 of 32 random bytes)', { code: 'bad_secret_key' });
    this.previous = [this.key, ...this.previous];
    this.key = next;
  }

  /** Whether the current key (not a previous one) opens a value. */
  opensWithCurrent(sealed: string): boolean {
    try {
      this.openWith(this.key, sealed);
      return true;
    } catch {
      return false;
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join(':');
  }

  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed)) throw new StrataError('value is not an encrypted secret', { code: 'bad_secret' });
    let cause: unknown;
    for (const key of [this.key, ...this.previous]) {
      try {
        return this.openWith(key, sealed);
      } catch (err) {
        cause = err;
      }
    }
    throw new StrataError('cannot decrypt a stored secret: wrong key or corrupted value', { code: 'bad_secret', cause });
  }

  private openWith(key: Buffer, sealed: string): string {
    const [iv, tag, body] = sealed.slice(PREFIX.length).split(':').map((p) => Buffer.from(p, 'base64'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
  }

  /** Every sealed value inside a text (a column, or JSON with sealed fields). */
  static readonly SEALED = /enc:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*/g;

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }
}
