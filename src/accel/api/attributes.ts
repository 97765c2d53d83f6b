/** /v2/attributes: operator attributes of deployables (list, show, create as a list, delete). */
import { base, type AccelRoutes } from './route-kit.js';
import { attributeView } from './views.js';
import { list, object, onlyKeys, str, uuidParam } from './body.js';
import { noSuch } from '../errors.js';

export const attributeRoutes: AccelRoutes = (app, { service, prefix }) => {
  app.get('/v2/attributes', async (req) => {
    const q = req.query as Record<string, string>;
    return { attributes: (await service.listAttributes({ deployableId: q.deployable_id })).map((r) => attributeView(r, base(req, prefix))) };
  });
  app.get('/v2/attributes/:uuid', async (req) => {
    const uuid = uuidParam((req.params as any).uuid, 'attribute');
    const r = (await service.listAttributes()).find((a) => a.uuid === uuid);
    if (!r) throw noSuch('attribute', uuid);
    return attributeView(r, base(req, prefix));
  });
  app.post('/v2/attributes', { config: { role: 'admin' } }, async (req, reply) => {
    const items = list(Array.isArray(req.body) ? req.body : [req.body], 'attributes', 64);
    const out = [];
    for (const [i, raw] of items.entries()) {
      const o = object(raw, `attributes[${i}]`);
      onlyKeys(o, ['deployable_id', 'key', 'value'], `attributes[${i}]`);
      const dep = uuidParam(str(o, 'deployable_id', `attributes[${i}]`)!, `attributes[${i}].deployable_id`);
      out.push(await service.setAttribute(dep, str(o, 'key', `attributes[${i}]`)!, str(o, 'value', `attributes[${i}]`)!));
    }
    void reply.status(201);
    return { attributes: out.map((r) => attributeView(r, base(req, prefix))) };
  });
  app.delete('/v2/attributes/:uuid', { config: { role: 'admin' } }, async (req, reply) => {
    await service.deleteAttribute(uuidParam((req.params as any).uuid, 'attribute'));
    return reply.status(204).send();
  });
};
