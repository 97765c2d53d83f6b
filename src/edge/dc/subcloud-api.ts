/**
 * What every Strata server answers as a (possible) subcloud, under
 * /edge/v1, for its system controller: one audit call (version, its alarm
 * summary, its sync digests) and the identity sync (the controller's tokens,
 * by hash, replacing the set it sent last time). Admins only: the
 * controller calls with the admin token it was given at `subcloud add`.
 * Strata's own API, not dcmanager's: StarlingX's controller reaches into
 * each subcloud's Keystone and sysinv instead.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { ConflictError, coreErrorHandler, FM_SERVICE, InvalidInputError, type HashedToken, type Services, type TokenService } from '../../core/index.js';
import { identityDigest } from './sync-digest.js';
import { localFleetDigest, storeFleetDocuments } from './fleet-site.js';
import type { SiteRevisionBody } from './peer.js';
import { copyIn, decodeMeta, heldDigest, pruneCopies } from './fleet-images.js';
import type { AlarmCounts } from './audit-step.js';

export const EDGE_API_PREFIX = '/edge/v1';
/** The release this server runs: the directory its code was installed in (docs/edge-updates.md). */
export const RELEASE = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/+$/, '');
export const HANDOVER_SERVICE = 'server.handover';
export const VERSION = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version as string;

interface SyncedTable {
  edge_synced_tokens: { id: string };
}

const NullableTime = Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0 });
const Hashed = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    role: Type.Union([Type.Literal('reader'), Type.Literal('member'), Type.Literal('admin')]),
    project: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    created_at: Type.Integer({ minimum: 0 }),
    // One type list, not anyOf: Fastify's Ajv coerces types, and would turn null into 0 in an anyOf's integer branch.
    expires_at: NullableTime,
    revoked_at: NullableTime,
  },
  { additionalProperties: false },
);
const SiteRevision = Type.Object(
  {
    // 0: the controller has no fleet revision (the bucket is emptied).
    controller_revision: Type.Integer({ minimum: 0 }),
    mode: Type.Union([Type.Literal('apply'), Type.Literal('store')]),
    documents: Type.Array(
      Type.Object({ schema: Type.String({ minLength: 1, maxLength: 255 }), metadata: Type.Object({}, { additionalProperties: true }), data: Type.Unknown() }, { additionalProperties: false }),
      { maxItems: 20_000 },
    ),
  },
  { additionalProperties: false },
);
const ReleaseBody = Type.Object({ release: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });
const KeepBody = Type.Object({ keep: Type.Array(Type.String({ pattern: '^[0-9a-f-]{36}$' }), { maxItems: 100_000 }) }, { additionalProperties: false });
const UuidParam = Type.Object({ uuid: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const IdentityBody = Type.Object({ tokens: Type.Array(Hashed, { maxItems: 100_000 }) }, { additionalProperties: false });

/** The controller's tokens this server holds (those it was sent), as stored. */
export async function syncedTokens(db: Kysely<any>, tokens: TokenService): Promise<HashedToken[]> {
  const ids = (await (db as Kysely<SyncedTable>).selectFrom('edge_synced_tokens').select('id').execute()).map((r) => r.id);
  return tokens.hashedByIds(ids);
}

export function subcloudApi(deps: { db: Kysely<any>; tokens: TokenService; services: Services; role: string }): FastifyPluginAsync {
  const db = deps.db as Kysely<SyncedTable>;
  return async (app: FastifyInstance) => {
    app.setErrorHandler(coreErrorHandler);

    app.get('/audit', { config: { role: 'admin' } }, async () => {
      const fm = deps.services.maybe<{ summary(): Promise<AlarmCounts> }>(FM_SERVICE);
      const held = await syncedTokens(deps.db, deps.tokens);
      const platform = await localFleetDigest(deps.services);
      const images = await heldDigest(deps.db, deps.services);
      const digests = { identity: identityDigest(held), ...(platform === undefined ? {} : { platform }), ...(images === undefined ? {} : { images }) };
      return { version: VERSION, release: RELEASE, role: deps.role, alarms: fm ? await fm.summary() : null, digests };
    });

    // A release handover (a `release` strategy step): only a server run by `strata server` offers it.
    app.post<{ Body: { release: string } }>('/release', { schema: { body: ReleaseBody }, config: { role: 'admin' } }, async (req, reply) => {
      const target = req.body.release.replace(/\/+$/, '');
      if (target === RELEASE) return { from: RELEASE, to: RELEASE, unchanged: true };
      const handover = deps.services.maybe<(release: string) => Promise<{ from: string; to: string }>>(HANDOVER_SERVICE);
      if (!handover) throw new ConflictError('this server cannot hand over to another release (it was not started by `strata server`)');
      const out = await handover(target);
      return reply.status(202).send(out);
    });

    // Images: the set to keep (others the controller sent are dropped), then each copy's bytes.
    app.put<{ Body: { keep: string[] } }>('/sync/images', { schema: { body: KeepBody }, config: { role: 'admin' } }, async (req) => {
      const held = await pruneCopies(deps.db, deps.services, req.body.keep);
      const images = await heldDigest(deps.db, deps.services);
      return { held, digests: images === undefined ? {} : { images } };
    });
    app.register(async (raw) => {
      raw.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
      raw.put<{ Params: { uuid: string } }>('/sync/images/:uuid', { schema: { params: UuidParam }, bodyLimit: 8 * 1024 * 1024 * 1024, config: { role: 'admin' } }, async (req) => {
        const m = decodeMeta(req.headers['x-strata-image']);
        if (m.uuid !== req.params.uuid) throw new InvalidInputError(`x-strata-image names image ${m.uuid}, the path ${req.params.uuid}`);
        return copyIn(deps.db, deps.services, m, req.body as NodeJS.ReadableStream);
      });
    });

    // The controller's fleet revision: stored in the `fleet` bucket (platform sync) or applied (a strategy step).
    app.put<{ Body: SiteRevisionBody }>('/site/revision', { schema: { body: SiteRevision }, bodyLimit: 64 * 1024 * 1024, config: { role: 'admin' } }, async (req) => {
      const out = await storeFleetDocuments(deps.services, req.body, req.principal);
      const platform = await localFleetDigest(deps.services);
      return { ...out, digests: platform === undefined ? {} : { platform } };
    });

    app.put<{ Body: { tokens: HashedToken[] } }>('/sync/identity', { schema: { body: IdentityBody }, config: { role: 'admin' } }, async (req) => {
      const before = (await db.selectFrom('edge_synced_tokens').select('id').execute()).map((r) => r.id);
      const incoming = req.body.tokens;
      // The set replaced is what this controller sent before plus what it sends now; local tokens stay.
      await deps.tokens.replaceHashed([...new Set([...before, ...incoming.map((t) => t.id)])], incoming);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('edge_synced_tokens').execute();
        for (let i = 0; i < incoming.length; i += 500) {
          const chunk = incoming.slice(i, i + 500);
          if (chunk.length) await trx.insertInto('edge_synced_tokens').values(chunk.map((t) => ({ id: t.id }))).execute();
        }
      });
      return { digests: { identity: identityDigest(await syncedTokens(deps.db, deps.tokens)) } };
    });
  };
}
