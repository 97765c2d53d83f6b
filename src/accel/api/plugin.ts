/**
 * The Cyborg-compatible API, mounted at /accelerator: version discovery
 * (public, as Cyborg's), microversions on every /v2 request, Cyborg's error
 * body, and the routes. Reads need a reader; ARQs are a member's, scoped to
 * their project; profiles, devices, attributes and programming are an
 * admin's, as Cyborg's default policy has them.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { cyborgErrorHandler, errorBody } from './errors.js';
import { parseJsonBody } from './body.js';
import { HEADER, MAX_MINOR, MIN_MINOR, negotiate, SERVICE } from './version.js';
import { deviceRoutes } from './devices.js';
import { deployableRoutes } from './deployables.js';
import { profileRoutes } from './profiles.js';
import { arqRoutes } from './arqs.js';
import { attributeRoutes } from './attributes.js';
import { base, type AccelApiDeps } from './route-kit.js';

export type { AccelApiDeps } from './route-kit.js';

declare module 'fastify' {
  interface FastifyRequest {
    accelMinor: number;
  }
}

function versionDoc(b: string) {
  return { id: 'v2.0', links: [{ href: `${b}/v2/`, rel: 'self' }], status: 'CURRENT', min_version: `2.${MIN_MINOR}`, max_version: `2.${MAX_MINOR}` };
}

export function accelApi(deps: AccelApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1 << 20 }, parseJsonBody);
    app.decorateRequest('accelMinor', 0);
    app.setErrorHandler(cyborgErrorHandler);
    app.setNotFoundHandler((req, reply) => {
      void reply.status(404).type('application/json').send(errorBody(404, `The resource could not be found: ${req.method} ${req.url.split('?')[0]}`));
    });
    app.addHook('onRequest', async (req, reply) => {
      void reply.header('Openstack-Request-Id', `req-${randomUUID()}`);
      const path = req.url.split('?')[0]!.slice(deps.prefix.length).replace(/\/+$/, '');
      if (path === '') return;
      void reply.header('Vary', HEADER);
      req.accelMinor = negotiate(req.headers[HEADER.toLowerCase()]);
      void reply.header(HEADER, `${SERVICE} 2.${req.accelMinor}`);
    });

    app.get('/', { config: { public: true } }, async (req) => ({
      default_version: versionDoc(base(req, deps.prefix)),
      versions: [versionDoc(base(req, deps.prefix))],
      name: 'OpenStack Cyborg API',
      description: 'Strata accelerator API: Cyborg-compatible discovery, device profiles and accelerator requests.',
    }));
    app.get('/v2', { config: { public: true } }, async (req) => versionDoc(base(req, deps.prefix)));

    for (const routes of [deviceRoutes, deployableRoutes, profileRoutes, arqRoutes, attributeRoutes]) routes(app, deps);
  };
}
