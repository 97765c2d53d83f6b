/**
 * /v2/deployables: list, show, and program (PATCH .../program with
 * `[{"path": "/program", "op": "replace", "value": [{"image_uuid": U}]}]`),
 * which runs as a durable task and answers with the programmed deployable.
 * Strata adds GET /v2/allocations: who holds what, per deployable.
 */
import { InvalidInputError } from '../../core/index.js';
import { base, type AccelRoutes } from './route-kit.js';
import { deployableView } from './views.js';
import { list, object, uuidParam } from './body.js';

export function parseProgramPatch(body: unknown): string {
  const ops = list(body, 'program', 1);
  const op = object(ops[0], 'program[0]');
  if (op.path !== '/program' || op.op !== 'replace') throw new InvalidInputError('program: the patch must be [{"path": "/program", "op": "replace", "value": [{"image_uuid": ...}]}]');
  const value = op.value;
  if (!Array.isArray(value) || value.length !== 1) throw new InvalidInputError('program: value must be a list of one {"image_uuid": ...}');
  const image = object(value[0], 'program value[0]').image_uuid;
  if (typeof image !== 'string') throw new InvalidInputError('program: value[0].image_uuid is required');
  return uuidParam(image, 'image_uuid');
}

export const deployableRoutes: AccelRoutes = (app, { service, prefix }) => {
  app.get('/v2/deployables', async (req) => {
    const q = req.query as Record<string, string>;
    const deps = await service.listDeployables({ hostname: q.hostname, device: q.device_id, resourceClass: q.resource_class });
    return { deployables: deps.map((d) => deployableView(d, base(req, prefix))) };
  });
  app.get('/v2/deployables/:uuid', async (req) => deployableView(await service.getDeployable(uuidParam((req.params as any).uuid, 'deployable')), base(req, prefix)));
  app.patch('/v2/deployables/:uuid/program', { config: { role: 'admin' } }, async (req) => {
    const uuid = uuidParam((req.params as any).uuid, 'deployable');
    const image = parseProgramPatch(req.body);
    return deployableView(await service.program(uuid, image), base(req, prefix));
  });
  app.get('/v2/allocations', async (req) => {
    const all = await service.allocations();
    return {
      allocations: all.map((a) => ({
        deployable: a.deployable.uuid,
        name: a.deployable.name,
        hostname: a.deployable.hostname,
        resource_class: a.deployable.resourceClass,
        capacity: a.deployable.numAccelerators * a.deployable.maxClients,
        used: a.deployable.used,
        holders: req.principal.role === 'admin' ? a.holders : a.holders.map((h) => ({ ...h, instance: null })),
      })),
    };
  });
};
