/** /v2/device_profiles: create (a list, as Cyborg takes it), list, show (by name from 2.2), delete (one or a comma list). */
import { InvalidInputError } from '../../core/index.js';
import { base, type AccelRoutes } from './route-kit.js';
import { profileView } from './views.js';
import { list, UUID } from './body.js';

export const profileRoutes: AccelRoutes = (app, { service, prefix }) => {
  app.post('/v2/device_profiles', { config: { role: 'admin' } }, async (req, reply) => {
    const items = list(req.body, 'device_profiles', 16);
    const made = [];
    for (const item of items) made.push(await service.createProfile(req.principal, item));
    void reply.status(201);
    const views = made.map((p) => profileView(p, base(req, prefix), req.accelMinor));
    return views.length === 1 ? views[0] : { device_profiles: views };
  });
  app.get('/v2/device_profiles', async (req) => {
    const q = req.query as Record<string, string>;
    return { device_profiles: (await service.listProfiles({ name: q.name })).map((p) => profileView(p, base(req, prefix), req.accelMinor)) };
  });
  app.get('/v2/device_profiles/:id', async (req) => {
    const id = (req.params as any).id as string;
    if (!UUID.test(id) && req.accelMinor < 2) throw new InvalidInputError(`"${id}" is not a UUID: showing a device profile by name needs microversion 2.2`);
    return profileView(await service.getProfile(id, req.accelMinor >= 2), base(req, prefix), req.accelMinor);
  });
  app.delete('/v2/device_profiles/:id', { config: { role: 'admin' } }, async (req, reply) => {
    const ids = String((req.params as any).id).split(',').filter(Boolean);
    for (const id of ids) await service.getProfile(id); // all exist, or none is deleted
    for (const id of ids) await service.deleteProfile(id);
    return reply.status(204).send();
  });
};
