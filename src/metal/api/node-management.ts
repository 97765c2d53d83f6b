/**
 * Validate, maintenance, management (boot device, NMI, indicators) and
 * vendor passthru: synchronous calls into the node's driver under its lock.
 */
import { BOOT_DEVICES, DriverError, type BootDevice } from '../drivers/index.js';
import type { Json } from '../db/records.js';
import { invalidParameter, missingParameter, unsupportedDriverExtension } from '../conductor/errors.js';
import { ctx, loadNode, type Routes } from './deps.js';
import { toBool } from './util.js';
import type { ApiContext } from './context.js';
import { driverCall, requireMinor } from './node-action-util.js';

export const nodeManagementRoutes: Routes = (app, deps) => {
  const c = deps.conductor;

  // --- validate -------------------------------------------------------------

  const validate = async (x: ApiContext, ident: string) => {
    const node = await loadNode(deps, x, ident);
    const { dctx } = c.driverFor(node);
    const result = await deps.drivers.validate(dctx);
    const out: Json = {};
    for (const [k, v] of Object.entries(result)) out[k] = v;
    return out;
  };
  app.get('/v1/nodes/:ident/validate', async (req) => validate(ctx(req, deps), (req.params as { ident: string }).ident));
  app.get('/v1/nodes/validate', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const ident = q.node ?? q.node_uuid;
    if (!ident) throw missingParameter('Missing mandatory parameter: node');
    return validate(ctx(req, deps), ident);
  });

  // --- maintenance ------------------------------------------------------------

  app.put('/v1/nodes/:ident/maintenance', async (req, reply) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reason = body.reason ?? (req.query as Record<string, unknown>).reason;
    if (reason !== undefined && reason !== null && typeof reason !== 'string') throw invalidParameter(`Expected string for reason: ${String(reason)}`);
    const node = await loadNode(deps, x, ident, 'update');
    await c.updateNode(node, { maintenance: true, maintenance_reason: (reason as string | undefined) ?? null });
    void reply.status(202);
  });

  app.delete('/v1/nodes/:ident/maintenance', async (req, reply) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'update');
    await c.updateNode(node, { maintenance: false, maintenance_reason: null, fault: null });
    void reply.status(202);
  });

  // --- management -------------------------------------------------------------

  app.get('/v1/nodes/:ident/management/boot_device', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    const { driver, dctx } = c.driverFor(node);
    await driverCall(Promise.resolve(driver.management.validate(dctx)));
    return driverCall(driver.management.getBootDevice(dctx));
  });

  app.get('/v1/nodes/:ident/management/boot_device/supported', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    const { driver, dctx } = c.driverFor(node);
    return { supported_boot_devices: await driverCall(Promise.resolve().then(() => driver.management.supportedBootDevices(dctx))) };
  });

  app.put('/v1/nodes/:ident/management/boot_device', async (req, reply) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.boot_device === undefined || body.boot_device === null) throw missingParameter('Missing mandatory parameter: boot_device');
    if (typeof body.boot_device !== 'string') throw invalidParameter(`Expected string for boot_device: ${String(body.boot_device)}`);
    const persistent = body.persistent === undefined || body.persistent === null ? false : toBool('persistent', body.persistent);
    const node = await loadNode(deps, x, ident, 'power');
    await c.withLock(node, async (locked) => {
      const { driver, dctx } = c.driverFor(locked);
      await driverCall(Promise.resolve(driver.management.validate(dctx)));
      const supported = driver.management.supportedBootDevices(dctx);
      if (!(BOOT_DEVICES as readonly string[]).includes(body.boot_device as string) || !supported.includes(body.boot_device as BootDevice)) {
        throw invalidParameter(`Invalid boot device ${String(body.boot_device)} specified, supported are: ${supported.join(', ')}`);
      }
      await driverCall(driver.management.setBootDevice(dctx, body.boot_device as BootDevice, persistent));
      return { result: undefined };
    });
    void reply.status(204);
  });

  app.put('/v1/nodes/:ident/management/inject_nmi', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 29);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'power');
    await c.withLock(node, async (locked) => {
      const { driver, dctx } = c.driverFor(locked);
      if (!driver.management.injectNmi) throw unsupportedDriverExtension(locked.driver, 'management.inject_nmi');
      await driverCall(driver.management.injectNmi(dctx));
      return { result: undefined };
    });
    void reply.status(204);
  });

  const indicators = async (x: ApiContext, ident: string) => {
    requireMinor(x, 63);
    const node = await loadNode(deps, x, ident);
    // No Strata management interface reports indicators (LEDs) yet.
    throw unsupportedDriverExtension(node.driver, 'management.get_supported_indicators');
  };
  app.get('/v1/nodes/:ident/management/indicators', async (req) => indicators(ctx(req, deps), (req.params as { ident: string }).ident));
  app.get('/v1/nodes/:ident/management/indicators/:indicator', async (req) => indicators(ctx(req, deps), (req.params as { ident: string }).ident));
  app.put('/v1/nodes/:ident/management/indicators/:indicator', async (req) => indicators(ctx(req, deps), (req.params as { ident: string }).ident));
  // --- vendor passthru --------------------------------------------------------------

  app.get('/v1/nodes/:ident/vendor_passthru/methods', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    const { driver } = c.driverFor(node);
    try {
      return driver.vendor.methods();
    } catch (err) {
      if (err instanceof DriverError) return {};
      throw err;
    }
  });

  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/nodes/:ident/vendor_passthru',
    handler: async (req, reply) => {
      const x = ctx(req, deps);
      const method = (req.query as Record<string, string | undefined>).method;
      if (!method) throw missingParameter('Method not specified when calling vendor extension.');
      const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'update');
      const { driver, dctx } = c.driverFor(node);
      let methods: Record<string, { http_methods: string[]; async: boolean }> = {};
      try {
        methods = driver.vendor.methods();
      } catch {
        methods = {};
      }
      const m = methods[method];
      if (!m) throw invalidParameter(`Unsupported method (${method}) passed to vendor interface of node ${node.uuid}.`);
      if (!m.http_methods.includes(req.method)) {
        throw invalidParameter(`The method ${method} does not support HTTP ${req.method}. Supported methods are: ${m.http_methods.join(', ')}.`);
      }
      const result = await c.withLock(node, async (locked) => {
        const d = c.driverFor(locked);
        return { result: await driverCall(d.driver.vendor.call(d.dctx, method, req.method, req.body ?? {})) };
      });
      void dctx;
      void reply.status(m.async ? 202 : 200);
      return m.async ? undefined : (result ?? null);
    },
  });
};
