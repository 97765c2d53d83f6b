/**
 * The Ironic-compatible REST API, mounted at /baremetal: version discovery
 * (public, like Ironic's), microversion negotiation on every /v1 request,
 * Ironic's error body, and the resource routes. Other metal components (the
 * agent's lookup and heartbeat endpoints) add routes through `extensions`,
 * so they share the negotiation and the error format.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { parseJsonBody } from '../../core/index.js';
import { notFound } from '../conductor/errors.js';
import { ironicErrorHandler, errorBody } from './errors.js';
import { MAX_VERSION, MIN_VERSION, negotiate, rangeHeaders, requestedVersion, STANDARD_HEADER, VERSION_HEADER } from './version.js';
import type { ApiDeps, Routes } from './deps.js';
import { publicBase } from './context.js';
import { nodeRoutes } from './nodes.js';
import { nodeActionRoutes } from './node-actions.js';
import { portRoutes } from './ports.js';
import { chassisRoutes } from './chassis.js';
import { driverRoutes } from './drivers.js';
import { allocationRoutes } from './allocations.js';
import { miscRoutes } from './misc.js';
import { makeLink } from './util.js';
import type { Json } from '../db/records.js';

export const ALL_ROUTES: Routes[] = [nodeRoutes, nodeActionRoutes, portRoutes, chassisRoutes, driverRoutes, allocationRoutes, miscRoutes];

function versionDoc(base: string): Json {
  return {
    id: 'v1',
    links: [makeLink('self', base, 'v1', '', true)],
    status: 'CURRENT',
    min_version: MIN_VERSION,
    version: MAX_VERSION,
  };
}

const collectionLinks = (base: string, name: string) => [makeLink('self', base, name, ''), makeLink('bookmark', base, name, '', true)];

export function baremetalApi(deps: ApiDeps, extensions: Routes[] = []): FastifyPluginAsync {
  return async (app) => {
    // Ironic clients send JSON, sometimes with an empty body (PUT .../traits/X, DELETE .../maintenance).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, parseJsonBody);
    app.decorateRequest('ironicMinor', 1);
    app.setErrorHandler(ironicErrorHandler);
    app.setNotFoundHandler((req, reply) => {
      void reply.status(404).type('application/json').send(errorBody(404, `The resource could not be found: ${req.method} ${req.url.split('?')[0]}`));
    });

    app.addHook('onRequest', async (req, reply) => {
      void reply.header('Openstack-Request-Id', `req-${randomUUID()}`);
      const path = req.url.split('?')[0].slice(deps.prefix.length).replace(/\/+$/, '');
      if (path === '') return; // the root document is unversioned
      const minor = negotiate(requestedVersion(req.headers));
      req.ironicMinor = minor;
      void reply.headers({
        ...rangeHeaders(),
        [VERSION_HEADER]: `1.${minor}`,
        [STANDARD_HEADER]: `baremetal 1.${minor}`,
        Vary: `${VERSION_HEADER}, ${STANDARD_HEADER}`,
      });
    });

    app.get('/', { config: { public: true } }, async (req) => {
      const v = versionDoc(publicBase(req, deps.prefix));
      return {
        name: 'OpenStack Ironic API',
        description: 'Strata bare-metal API: Ironic-compatible provisioning and management of bare-metal machines.',
        default_version: v,
        versions: [v],
      };
    });

    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/v1',
      config: { public: true },
      handler: async (req, reply) => {
        if (req.method !== 'GET') {
          void reply.status(405);
          return errorBody(405, 'The method is not allowed for the requested URL.');
        }
        const minor = req.ironicMinor;
        const base = publicBase(req, deps.prefix);
        const doc: Json = {
          id: 'v1',
          links: [makeLink('self', base, 'v1', '', true), { ...makeLink('describedby', 'https://docs.openstack.org', '/ironic/latest/contributor/', 'webapi.html', true), type: 'text/html' }],
          media_types: { base: 'application/json', type: 'application/vnd.openstack.ironic.v1+json' },
          chassis: collectionLinks(base, 'chassis'),
          nodes: collectionLinks(base, 'nodes'),
          ports: collectionLinks(base, 'ports'),
          drivers: collectionLinks(base, 'drivers'),
          version: versionDoc(base),
        };
        if (minor >= 23) doc.portgroups = collectionLinks(base, 'portgroups');
        if (minor >= 32) doc.volume = collectionLinks(base, 'volume');
        if (minor >= 22) {
          doc.lookup = collectionLinks(base, 'lookup');
          doc.heartbeat = collectionLinks(base, 'heartbeat');
        }
        if (minor >= 49) doc.conductors = collectionLinks(base, 'conductors');
        if (minor >= 52) doc.allocations = collectionLinks(base, 'allocations');
        if (minor >= 54) doc.events = collectionLinks(base, 'events');
        if (minor >= 55) doc.deploy_templates = collectionLinks(base, 'deploy_templates');
        return doc;
      },
    });

    for (const routes of [...ALL_ROUTES, ...extensions]) routes(app, deps);
    void notFound;
  };
}
