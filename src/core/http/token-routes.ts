import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ROLES, type TokenService } from '../auth/index.js';

const CreateBody = Type.Object(
  {
    role: Type.Unsafe<string>({ type: 'string', enum: [...ROLES] }),
    project: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** Token administration at /auth/v1/tokens: admins only. The token itself is shown once, at creation. */
export function tokenRoutes(tokens: TokenService): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { role: string; project: string; name?: string; ttl_seconds?: number } }>(
      '/tokens',
      { schema: { body: CreateBody }, config: { role: 'admin' } },
      async (req, reply) => {
        const { token, info } = await tokens.create({ ...req.body, ttlSeconds: req.body.ttl_seconds });
        return reply.status(201).send({ ...info, token });
      },
    );
    app.get('/tokens', { config: { role: 'admin' } }, async () => ({ tokens: await tokens.list() }));
    app.delete<{ Params: { id: string } }>('/tokens/:id', { config: { role: 'admin' } }, async (req) => tokens.revoke(req.params.id));
    app.get('/whoami', async (req) => req.principal);
  };
}
