import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry, Histogram } from 'prom-client';
import type { Logger } from '../logging.js';
import type { TokenService } from '../auth/index.js';
import { authHook } from './auth-hook.js';
import { coreErrorHandler } from './error-handler.js';
import './fastify-types.js';

export interface HttpOptions {
  log: Logger;
  tokens: TokenService;
  noauth: boolean;
  metrics: { registry: Registry; httpDuration: Histogram<'method' | 'route' | 'status'> };
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  health: () => Promise<Record<string, unknown>>;
}

/**
 * The one HTTP server. Core serves `/healthz` and `/metrics`; each module's
 * API is a Fastify plugin mounted under its own prefix, with its own body
 * parsers and error format (Fastify's encapsulation keeps them apart).
 */
export function createHttpServer(opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines come from our onResponse hook at debug level instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', authHook(opts.tokens, opts.noauth));
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    opts.metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });
  app.setErrorHandler(coreErrorHandler);
  app.setNotFoundHandler({}, (req, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}` } });
  });

  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok', ...(await opts.health()) }));
  app.get('/metrics', async (_req, reply) => {
    void reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
  return app;
}
