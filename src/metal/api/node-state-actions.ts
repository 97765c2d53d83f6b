/**
 * A node's states and the actions that change them: provision, power, RAID,
 * console, boot mode, secure boot (`/v1/nodes/{id}/states/...`). Provision
 * and power requests go to the conductor and answer 202.
 */
import { DriverError } from '../drivers/index.js';
import { RESTING_STATES } from '../states/index.js';
import type { Json } from '../db/records.js';
import { conflict, invalid, invalidParameter, MetalError, missingParameter, notAcceptable, notFound, unsupportedDriverExtension } from '../conductor/errors.js';
import { ctx, loadNode, type Routes } from './deps.js';
import { renderNodeStates } from './node-view.js';
import { checkSchema, toBool } from './util.js';
import { accepted, driverCall, type Body } from './node-action-util.js';
import { CLEAN_STEPS_SCHEMA, DEPLOY_STEPS_SCHEMA } from './step-schemas.js';

export const nodeStateRoutes: Routes = (app, deps) => {
  const c = deps.conductor;
  app.get('/v1/nodes/:ident/states', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return renderNodeStates(node, x.minor);
  });

  app.put('/v1/nodes/:ident/states/provision', async (req, reply) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const body = (req.body ?? {}) as Body & Record<string, unknown>;
    if (typeof body.target !== 'string') throw missingParameter('Missing mandatory parameter: target');
    const verb = body.target;
    const node = await loadNode(deps, x, ident, verb === 'manage' || verb === 'provide' || verb === 'inspect' || verb === 'clean' || verb === 'adopt' ? 'manage' : 'provision');
    for (const k of Object.keys(body)) {
      if (!['target', 'configdrive', 'clean_steps', 'deploy_steps', 'rescue_password', 'disable_ramdisk'].includes(k)) throw invalid(`Unexpected arguments: ${k}`);
    }
    if (body.clean_steps !== undefined && body.clean_steps !== null && !Array.isArray(body.clean_steps)) {
      throw invalidParameter(`Expected types <class 'NoneType'>, <class 'list'> for clean_steps: ${JSON.stringify(body.clean_steps)}`);
    }
    if (body.deploy_steps !== undefined && body.deploy_steps !== null && !Array.isArray(body.deploy_steps)) {
      throw invalidParameter(`Expected types <class 'NoneType'>, <class 'list'> for deploy_steps: ${JSON.stringify(body.deploy_steps)}`);
    }
    if (body.rescue_password !== undefined && typeof body.rescue_password !== 'string') throw invalidParameter(`Expected string for rescue_password: ${String(body.rescue_password)}`);
    if (Array.isArray(body.clean_steps)) checkSchema('clean_steps', CLEAN_STEPS_SCHEMA, body.clean_steps);
    if (Array.isArray(body.deploy_steps)) checkSchema('deploy_steps', DEPLOY_STEPS_SCHEMA, body.deploy_steps);
    await c.requestProvision(node, {
      verb,
      minor: x.minor,
      configdrive: body.configdrive,
      clean_steps: (body.clean_steps as unknown[] | null) ?? undefined,
      deploy_steps: (body.deploy_steps as unknown[] | null) ?? undefined,
      rescue_password: body.rescue_password as string | undefined,
      disable_ramdisk: body.disable_ramdisk === undefined || body.disable_ramdisk === null ? undefined : toBool('disable_ramdisk', body.disable_ramdisk),
    });
    accepted(reply, x, ident);
  });

  app.put('/v1/nodes/:ident/states/power', async (req, reply) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.target !== 'string') throw missingParameter('Missing mandatory parameter: target');
    let timeout: number | null = null;
    if (body.timeout !== undefined && body.timeout !== null) {
      if (!(typeof body.timeout === 'number' && Number.isInteger(body.timeout)) && !(typeof body.timeout === 'string' && /^-?\d+$/.test(body.timeout))) {
        throw invalidParameter(`Expected an integer for timeout: ${String(body.timeout)}`);
      }
      timeout = Number(body.timeout);
    }
    const node = await loadNode(deps, x, ident, 'power');
    await c.requestPower(node, { target: body.target, timeout, minor: x.minor });
    accepted(reply, x, ident);
  });

  app.put('/v1/nodes/:ident/states/raid', async (req, reply) => {
    const x = ctx(req, deps);
    if (x.minor < 12) throw notAcceptable();
    const { ident } = req.params as { ident: string };
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidParameter(`Expected types <class 'dict'> for target_raid_config: ${JSON.stringify(body)}`);
    const node = await loadNode(deps, x, ident, 'update');
    await c.withLock(node, async (locked) => {
      const { driver, dctx } = c.driverFor(locked);
      const target = body as Json;
      if (Object.keys(target).length > 0) {
        try {
          await driver.raid.validate(dctx);
          driver.raid.validateRaidConfig(dctx, target as { logical_disks: [] });
        } catch (err) {
          if (err instanceof DriverError && err.kind === 'unsupported') throw new MetalError(404, 'UnsupportedDriverExtension', err.message);
          if (err instanceof DriverError) throw invalidParameter(err.message);
          throw err;
        }
      }
      return { result: undefined, changes: { target_raid_config: target } };
    });
    void reply.status(204);
  });

  app.get('/v1/nodes/:ident/states/console', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    if (!node.console_enabled) return { console_enabled: false, console_info: null };
    const { driver, dctx } = c.driverFor(node);
    const info = await driverCall(driver.console.getConsole(dctx));
    return { console_enabled: true, console_info: info };
  });

  app.put('/v1/nodes/:ident/states/console', async (req, reply) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.enabled === undefined) throw missingParameter('Missing mandatory parameter: enabled');
    const enabled = toBool('enabled', body.enabled);
    const node = await loadNode(deps, x, ident, 'update');
    await c.withLock(node, async (locked) => {
      const { driver, dctx } = c.driverFor(locked);
      await driverCall(driver.console.validate(dctx) as Promise<void>);
      if (enabled !== locked.console_enabled) await driverCall(enabled ? driver.console.startConsole(dctx) : driver.console.stopConsole(dctx));
      return { result: undefined, changes: { console_enabled: enabled } };
    });
    accepted(reply, x, ident, 'states/console');
  });

  app.put('/v1/nodes/:ident/states/boot_mode', async (req, reply) => {
    const x = ctx(req, deps);
    if (x.minor < 76) throw notFound('This endpoint is supported starting with the API version 1.76');
    const { ident } = req.params as { ident: string };
    const target = ((req.body ?? {}) as Record<string, unknown>).target;
    if (target !== 'uefi' && target !== 'bios') throw invalidParameter(`Invalid boot mode ${String(target)} requested for node. Allowed boot modes are: bios, uefi`);
    const node = await loadNode(deps, x, ident, 'update');
    if (!RESTING_STATES.includes(node.provision_state)) {
      throw conflict(`Node is in ${node.provision_state} state. Since node is transitioning, the boot mode will not be set as this may interfere with ongoing changes and result in erroneous modification. Try again later.`);
    }
    await c.withLock(node, async (locked) => {
      const { driver, dctx } = c.driverFor(locked);
      if (!driver.management.setBootMode) throw unsupportedDriverExtension(locked.driver, 'management.set_boot_mode');
      await driverCall(driver.management.setBootMode(dctx, target));
      return { result: undefined, changes: { boot_mode: target } };
    });
    accepted(reply, x, ident);
  });

  app.put('/v1/nodes/:ident/states/secure_boot', async (req, reply) => {
    const x = ctx(req, deps);
    if (x.minor < 76) throw notFound('This endpoint is supported starting with the API version 1.76');
    const { ident } = req.params as { ident: string };
    const raw = ((req.body ?? {}) as Record<string, unknown>).target;
    let target: boolean;
    try {
      target = toBool('target', raw);
    } catch {
      throw invalidParameter(`Invalid secure_boot ${String(raw)} requested for node. Allowed secure_boot states are: True, False) `);
    }
    const node = await loadNode(deps, x, ident, 'update');
    if (!RESTING_STATES.includes(node.provision_state)) {
      throw conflict(`Node is in ${node.provision_state} state. Since node is transitioning, the boot mode will not be set as this may interfere with ongoing changes and result in erroneous modification. Try again later.`);
    }
    // No Strata management interface switches secure boot yet; Ironic answers the same for such drivers.
    throw unsupportedDriverExtension(node.driver, 'management.set_secure_boot_state');
    void target;
    void reply;
  });
};
