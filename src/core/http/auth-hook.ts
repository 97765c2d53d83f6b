import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../errors/index.js';
import { hasRole, tokenFromHeaders, type Principal, type Role, type TokenService } from '../auth/index.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const NOAUTH_PRINCIPAL: Principal = Object.freeze({ tokenId: 'noauth', name: 'noauth', role: 'admin', project: 'admin' });

/**
 * Authenticated by default: every route needs a valid token unless it says
 * `config: { public: true }`; reads need `reader`, writes `member`, unless
 * the route names another role.
 */
export function authHook(tokens: TokenService, noauth: boolean) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const config = req.routeOptions.config ?? {};
    if (config.public) return;
    if (noauth) {
      req.principal = NOAUTH_PRINCIPAL;
      return;
    }
    const token = tokenFromHeaders(req.headers);
    if (!token) throw new UnauthorizedError('authentication required: send a Strata token as "Authorization: Bearer <token>"');
    const principal = await tokens.verify(token);
    if (!principal) throw new UnauthorizedError('the token is invalid, expired or revoked');
    const required: Role = config.role ?? (READS.has(req.method) ? 'reader' : 'member');
    if (!hasRole(principal, required)) {
      throw new ForbiddenError(`role ${principal.role} may not ${req.method} ${req.routeOptions.url ?? req.url}: ${required} required`);
    }
    req.principal = principal;
  };
}
