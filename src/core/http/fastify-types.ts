import type { Principal, Role } from '../auth/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook on every non-public route. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** No credentials needed (health, version discovery, agent call-backs with their own token). */
    public?: boolean;
    /** The least role a caller needs; default reader for reads, member for writes. */
    role?: Role;
  }
}

export {};
