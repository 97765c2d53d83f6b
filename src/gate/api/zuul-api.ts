// Zuul's REST API (zuul/web/__init__.py, web/src/api.js), mounted at /api
// so that zuul-client and Zuul's web UI find it where Zuul serves it. Reads
// need a Strata token as every Strata API does (reader and up).

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { coreErrorHandler, NotFoundError } from '../../core/index.js';
import type { GateService } from '../service.js';

export function zuulApi(gate: GateService): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(coreErrorHandler);

    const layoutOf = (tenant: string) => {
      const layout = gate.scheduler(tenant).currentLayout;
      if (!layout) throw new NotFoundError(`tenant ${tenant} has no configuration loaded yet`);
      return layout;
    };

    app.get('/tenants', async () => [...gate.schedulers.entries()].map(([name, s]) => ({
      name,
      projects: s.currentLayout?.tenant.projects.length ?? 0,
      queue: s.itemCount(),
    })));

    // zuul-client encrypt reads the project's public key here (a PEM document).
    app.get<{ Params: { tenant: string; '*': string } }>('/tenant/:tenant/key/*', async (req, reply) => {
      const m = /^(.+)\.pub$/.exec(req.params['*']);
      if (!m) throw new NotFoundError(`no such key path ${req.params['*']} (want <project>.pub)`);
      const project = layoutOf(req.params.tenant).tenant.getProject(m[1]!);
      if (!project) throw new NotFoundError(`project ${m[1]} is not in tenant ${req.params.tenant}`);
      const key = await gate.keys.get(project.canonicalName);
      return reply.type('text/plain').send(key.publicPem);
    });
  };
}
