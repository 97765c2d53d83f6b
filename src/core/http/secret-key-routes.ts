import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ConflictError, InvalidInputError } from '../errors/index.js';
import { rotateSecretKey } from '../secret-key.js';
import type { SecretBox } from '../secrets.js';
import type { Store } from '../store/index.js';

const RotateBody = Type.Object({ new_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });

/**
 * POST /auth/v1/secret-key/rotate (admins): re-seals every stored secret
 * under a new key, online. A key in the data directory is replaced there
 * (the old one kept as secret.key.previous); a key from STRATA_SECRET_KEY
 * cannot be changed from here, so the caller brings the new one in the body
 * and sets it in every server's environment (the old as STRATA_SECRET_KEY_PREVIOUS).
 */
export function secretKeyRoutes(store: Store, box: SecretBox): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { new_key?: string } }>('/secret-key/rotate', { schema: { body: RotateBody }, config: { role: 'admin' } }, async (req) => {
      const given = req.body?.new_key;
      if ('env' in box.source && !given)
        throw new ConflictError(`this server's key comes from ${box.source.env}: give the new key (base64 of 32 random bytes) as new_key, then set it there on every server`);
      const next = given === undefined ? undefined : Buffer.from(given, 'base64');
      if (next && next.length !== 32) throw new InvalidInputError('new_key: expected the base64 of 32 random bytes');
      const r = await rotateSecretKey(store, box, next);
      return { resealed: r.resealed, tables: r.tables, key: 'file' in box.source ? `replaced in ${box.source.file} (the old one kept beside it as .previous)` : `now the one you gave: set ${box.source.env} to it on every server` };
    });
  };
}
