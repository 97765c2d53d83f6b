/** /v2/devices: list (hostname, type, vendor filters), show, and enable/disable at 2.3. */
import { InvalidInputError } from '../../core/index.js';
import { base, type AccelRoutes } from './route-kit.js';
import { deviceView } from './views.js';
import { uuidParam } from './body.js';

const FILTERS = ['hostname', 'type', 'vendor', 'status', 'limit', 'marker', 'sort_key', 'sort_dir', 'filters'];

export const deviceRoutes: AccelRoutes = (app, { service, prefix }) => {
  app.get('/v2/devices', async (req) => {
    const q = req.query as Record<string, string>;
    const unknown = Object.keys(q).find((k) => !FILTERS.includes(k));
    if (unknown) throw new InvalidInputError(`unknown query parameter "${unknown}" (known: hostname, type, vendor, status)`);
    const devices = await service.listDevices({ hostname: q.hostname, type: q.type, vendor: q.vendor, status: req.accelMinor >= 3 ? q.status : undefined });
    return { devices: devices.map((d) => deviceView(d, base(req, prefix), req.accelMinor)) };
  });
  app.get('/v2/devices/:uuid', async (req) => {
    const d = await service.getDevice(uuidParam((req.params as any).uuid, 'device'));
    return deviceView(d, base(req, prefix), req.accelMinor);
  });
  for (const action of ['enable', 'disable'] as const) {
    app.post(`/v2/devices/:uuid/${action}`, { config: { role: 'admin' } }, async (req) => {
      if (req.accelMinor < 3) throw new InvalidInputError(`${action} needs microversion 2.3 (OpenStack-API-Version: accelerator 2.3)`);
      const d = await service.setDeviceStatus(uuidParam((req.params as any).uuid, 'device'), action === 'enable' ? 'enabled' : 'disabled');
      return deviceView(d, base(req, prefix), req.accelMinor);
    });
  }
};
