export { createHttpServer } from './server.js';
export type { HttpOptions } from './server.js';
export { classify, coreErrorHandler } from './error-handler.js';
export { NOAUTH_PRINCIPAL } from './auth-hook.js';
export { tokenRoutes } from './token-routes.js';
export { secretKeyRoutes } from './secret-key-routes.js';
export { parseJsonBody } from './json-body.js';
export type {} from './fastify-types.js';
