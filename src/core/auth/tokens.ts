import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Store } from '../store/index.js';
import { InvalidInputError, NotFoundError } from '../errors/index.js';
import { isRole, type Principal, type Role } from './roles.js';

/** A token as stored: its hash, never the token. What the edge module's identity sync copies. */
export interface HashedToken {
  id: string;
  name: string;
  hash: string;
  role: string;
  project: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  project: string;
  createdAt: string;
  expiresAt: string | null;
  revoked: boolean;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Bearer tokens. Only a SHA-256 of each token is stored, so the table leaks
 * nothing usable. Verified tokens are cached briefly so a busy API does not
 * hit the store per request; a revocation made through this process takes
 * effect at once, one made elsewhere within CACHE_MS.
 */
export class TokenService {
  private static readonly CACHE_MS = 5000;
  private readonly db: Kysely<{ tokens: HashedToken }>;
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();

  constructor(store: Store) {
    this.db = store.db as Kysely<{ tokens: HashedToken }>;
  }

  async create(opts: { role: string; project: string; name?: string; ttlSeconds?: number }): Promise<{ token: string; info: TokenInfo }> {
    if (!isRole(opts.role)) throw new InvalidInputError(`role must be one of admin, member, reader (got "${opts.role}")`);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.project)) {
      throw new InvalidInputError(`project must be 1-64 letters, digits, '.', '_' or '-' (got "${opts.project}")`);
    }
    const id = randomUUID();
    const token = `strata_${randomBytes(24).toString('base64url')}`;
    const now = Date.now();
    const row: HashedToken = {
      id,
      name: opts.name ?? `${opts.role}@${opts.project}`,
      hash: hash(token),
      role: opts.role,
      project: opts.project,
      created_at: now,
      expires_at: opts.ttlSeconds ? now + opts.ttlSeconds * 1000 : null,
      revoked_at: null,
    };
    await this.db.insertInto('tokens').values(row).execute();
    return { token, info: toInfo(row) };
  }

  async verify(token: string): Promise<Principal | null> {
    const key = hash(token);
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.principal;
    const row = await this.db.selectFrom('tokens').selectAll().where('hash', '=', key).executeTakeFirst();
    const now = Date.now();
    const valid = row && row.revoked_at === null && (row.expires_at === null || Number(row.expires_at) > now);
    const principal = valid ? { tokenId: row.id, name: row.name, role: row.role as Role, project: row.project } : null;
    const until = valid && row.expires_at !== null ? Math.min(now + TokenService.CACHE_MS, Number(row.expires_at)) : now + TokenService.CACHE_MS;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { principal, until });
    return principal;
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('created_at').execute();
    return rows.map(toInfo);
  }

  async revoke(id: string): Promise<TokenInfo> {
    await this.db.updateTable('tokens').set({ revoked_at: Date.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    const row = await this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`token ${id} not found`);
    this.cache.clear();
    return toInfo(row);
  }

  /** Every token as stored (hashes only), by id. */
  async exportHashed(): Promise<HashedToken[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ ...r, created_at: Number(r.created_at), expires_at: r.expires_at === null ? null : Number(r.expires_at), revoked_at: r.revoked_at === null ? null : Number(r.revoked_at) }));
  }

  /** Tokens as stored, by id. */
  async hashedByIds(ids: readonly string[]): Promise<HashedToken[]> {
    if (ids.length === 0) return [];
    return (await this.exportHashed()).filter((r) => ids.includes(r.id));
  }

  /**
   * Makes the tokens with the given ids exactly `rows` (another store's, copied
   * by hash): inserts or updates each row, deletes the ids absent from them,
   * in one transaction. Tokens outside `ids` are never touched.
   */
  async replaceHashed(ids: readonly string[], rows: readonly HashedToken[]): Promise<void> {
    for (const r of rows) {
      if (!isRole(r.role)) throw new InvalidInputError(`token ${r.id}: role must be one of admin, member, reader (got "${r.role}")`);
      if (!/^[0-9a-f]{64}$/.test(r.hash)) throw new InvalidInputError(`token ${r.id}: hash must be 64 hex digits`);
    }
    const keep = new Set(rows.map((r) => r.id));
    await this.db.transaction().execute(async (trx) => {
      const gone = ids.filter((id) => !keep.has(id));
      if (gone.length) await trx.deleteFrom('tokens').where('id', 'in', gone).execute();
      for (const r of rows) {
        const row = { id: r.id, name: r.name, hash: r.hash, role: r.role, project: r.project, created_at: r.created_at, expires_at: r.expires_at, revoked_at: r.revoked_at };
        const updated = await trx.updateTable('tokens').set(row).where('id', '=', r.id).executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('tokens').values(row).execute();
      }
    });
    this.cache.clear();
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

function toInfo(r: HashedToken): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    project: r.project,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    expiresAt: r.expires_at === null ? null : new Date(Number(r.expires_at)).toISOString(),
    revoked: r.revoked_at !== null,
  };
}
