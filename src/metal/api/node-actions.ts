/**
 * The node's sub-resources and actions: states (provision, power, RAID,
 * console, boot mode, secure boot), validate, maintenance, management (boot
 * device, NMI, indicators), traits, VIFs, BIOS, history, vendor passthru.
 * Each checks the microversion it appeared in as Ironic does: an action that
 * is too new answers 406, a sub-resource that is too new 404.
 */
import { BOOT_DEVICES, DriverError, type BootDevice } from '../drivers/index.js';
import { RESTING_STATES } from '../states.js';
import { ports as portsTable, portgroups as portgroupsTable, history as historyTable } from '../db/tables.js';
import { addTrait, removeTrait, replaceTraits, traitsOf } from '../db/nodes.js';
import { INTERFACE_FIELDS, type Json, type NodeRecord, type PortgroupRecord, type PortRecord } from '../db/records.js';
import {
  conflict,
  historyNotFound,
  invalid,
  invalidParameter,
  MetalError,
  missingParameter,
  notAcceptable,
  notFound,
  unsupportedDriverExtension,
} from '../conductor/errors.js';
import { isUuid } from '../db/table.js';
import { ctx, loadNode, nextLink, reloadNode, type ApiDeps, type Routes } from './deps.js';
import { renderNodeStates } from './node-view.js';
import { checkSchema, isoTime, optBool, selfLinks, toBool, validateLimit, makeLink, UUID_STRICT } from './util.js';
import { TRAITS_SCHEMA } from './node-schema.js';
import type { ApiContext } from './context.js';
import type { FastifyReply } from 'fastify';

type Body = Record<string, unknown> | undefined;

const requireMinor = (x: ApiContext, min: number) => {
  if (x.minor < min) throw notFound();
};

/** Driver failures during a synchronous call: bad parameters are 400, the rest keep their status. */
function driverCall<T>(p: Promise<T>): Promise<T> {
  return p.catch((err) => {
    if (err instanceof DriverError && err.kind === 'unsupported') throw new MetalError(400, 'UnsupportedDriverExtension', err.message);
    if (err instanceof DriverError && err.status === 400) throw invalidParameter(err.message);
    throw err;
  });
}

function accepted(reply: FastifyReply, x: ApiContext, ident: string, path = 'states'): void {
  void reply.status(202).header('Location', `${x.base}/v1/nodes/${ident}/${path}`);
}

export const TRAIT_STANDARD_OR_CUSTOM = /^(CUSTOM_[A-Z0-9_]+|[A-Z][A-Z0-9_]*)$/;

function checkTrait(trait: string): void {
  if (trait.length > 255 || !TRAIT_STANDARD_OR_CUSTOM.test(trait)) {
    throw invalidParameter(`Schema error for trait: '${trait}' is not valid under any of the given schemas`);
  }
}

export const nodeActionRoutes: Routes = (app, deps) => {
  const c = deps.conductor;

  // --- states -------------------------------------------------------------

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

  // --- traits -------------------------------------------------------------------

  app.get('/v1/nodes/:ident/traits', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return { traits: (await traitsOf(deps.db, [node.id])).get(node.id) ?? [] };
  });

  app.put('/v1/nodes/:ident/traits', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const body = (req.body ?? {}) as Record<string, unknown>;
    checkSchema('body', TRAITS_SCHEMA, body);
    if (!Array.isArray(body.traits)) {
      throw invalid(
        'A single node trait may be added via PUT /v1/nodes/<node identifier>/traits/<trait> with no body, or all node traits may be replaced via PUT /v1/nodes/<node identifier>/traits with the list of traits specified in the request body.',
      );
    }
    for (const t of body.traits as string[]) checkTrait(t);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'update');
    await lockedDb(deps, node, () => replaceTraits(deps.db, node.id, body.traits as string[]));
    void reply.status(204);
  });

  app.put('/v1/nodes/:ident/traits/:trait', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const { ident, trait } = req.params as { ident: string; trait: string };
    if (req.body && typeof req.body === 'object' && Object.keys(req.body).length) throw invalid('No body should be provided when adding a trait');
    checkTrait(trait);
    const node = await loadNode(deps, x, ident, 'update');
    await lockedDb(deps, node, () => addTrait(deps.db, node.id, trait));
    void reply.status(204).header('Location', `${x.base}/v1/nodes/${ident}/traits/${trait}`);
  });

  app.delete('/v1/nodes/:ident/traits', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'update');
    await lockedDb(deps, node, () => replaceTraits(deps.db, node.id, []));
    void reply.status(204);
  });

  app.delete('/v1/nodes/:ident/traits/:trait', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const { ident, trait } = req.params as { ident: string; trait: string };
    const node = await loadNode(deps, x, ident, 'update');
    const removed = await lockedDb(deps, node, () => removeTrait(deps.db, node.id, trait));
    if (!removed) throw new MetalError(404, 'NodeTraitNotFound', `Node ${node.uuid} doesn't have a trait '${trait}'`);
    void reply.status(204);
  });

  // --- VIFs -----------------------------------------------------------------------

  app.get('/v1/nodes/:ident/vifs', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 28);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    const { ports, portgroups } = await portLikes(deps, node);
    const vifs: Json[] = [];
    for (const p of [...ports, ...portgroups]) {
      const id = p.internal_info.tenant_vif_port_id;
      if (typeof id === 'string') vifs.push({ id });
    }
    return { vifs };
  });

  app.post('/v1/nodes/:ident/vifs', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 28);
    const vif = (req.body ?? {}) as Record<string, unknown>;
    checkSchema('vif', { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, vif);
    const id = vif.id as string;
    if (!(isUuid(id) || /^[A-Za-z0-9._~-]+$/.test(id))) throw invalidParameter(`Expected UUID or name for vif: ${id}`);
    if (x.minor >= 67 && vif.port_uuid !== undefined && vif.portgroup_uuid !== undefined) throw invalid('Cannot specify both port_uuid and portgroup_uuid');
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'power');
    await c.withLock(node, async (locked) => {
      const { ports, portgroups } = await portLikes(deps, locked);
      const holder = [...ports, ...portgroups].find((p) => p.internal_info.tenant_vif_port_id === id);
      if (holder) {
        const kind = 'standalone_ports_supported' in holder ? 'portgroup' : 'port';
        throw new MetalError(409, 'VifAlreadyAttached', `Unable to attach VIF because VIF ${id} is already attached to Ironic ${kind} ${holder.uuid}`);
      }
      const free = <T extends PortRecord | PortgroupRecord>(p: T) => !p.internal_info.tenant_vif_port_id;
      let target: PortRecord | PortgroupRecord | undefined;
      if (x.minor >= 67 && typeof vif.port_uuid === 'string') target = ports.find((p) => p.uuid === vif.port_uuid && free(p));
      else if (x.minor >= 67 && typeof vif.portgroup_uuid === 'string') target = portgroups.find((p) => p.uuid === vif.portgroup_uuid && free(p));
      else {
        // Portgroups first, then standalone ports, PXE-enabled ones preferred (Ironic's get_free_port_like_object).
        const standalone = ports.filter((p) => p.portgroup_id === null && free(p)).sort((a, b) => Number(b.pxe_enabled) - Number(a.pxe_enabled));
        target = portgroups.find(free) ?? standalone[0];
      }
      if (!target) throw new MetalError(400, 'NoFreePhysicalPorts', `Unable to attach VIF ${id}, not enough free physical ports.`);
      const table = 'standalone_ports_supported' in target ? portgroupsTable : portsTable;
      await table.update(deps.db, target.id, { internal_info: { ...target.internal_info, tenant_vif_port_id: id }, updated_at: Date.now() } as never);
      return { result: undefined };
    });
    void reply.status(204);
  });

  app.delete('/v1/nodes/:ident/vifs/:vif', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 28);
    const { ident, vif } = req.params as { ident: string; vif: string };
    const node = await loadNode(deps, x, ident, 'power');
    await c.withLock(node, async (locked) => {
      const { ports, portgroups } = await portLikes(deps, locked);
      const holder = [...portgroups, ...ports].find((p) => p.internal_info.tenant_vif_port_id === vif);
      if (!holder) throw new MetalError(400, 'VifNotAttached', `Unable to detach VIF ${vif} from node ${locked.uuid} because it is not attached to it.`);
      const info = { ...holder.internal_info };
      delete info.tenant_vif_port_id;
      const table = 'standalone_ports_supported' in holder ? portgroupsTable : portsTable;
      await table.update(deps.db, holder.id, { internal_info: info, updated_at: Date.now() } as never);
      return { result: undefined };
    });
    void reply.status(204);
  });

  // --- BIOS -----------------------------------------------------------------------

  const biosView = (x: ApiContext, node: NodeRecord, row: Record<string, unknown>, detail: boolean): Json => {
    const registry = JSON.parse((row.registry as string) || '{}') as Json;
    const out: Json = { name: row.name, value: row.value };
    if (detail && x.minor >= 74) {
      for (const k of ['attribute_type', 'allowable_values', 'lower_bound', 'max_length', 'min_length', 'read_only', 'reset_required', 'unique', 'upper_bound']) out[k] = registry[k] ?? null;
    }
    out.created_at = isoTime(Number(row.created_at));
    out.updated_at = isoTime(row.updated_at === null ? null : Number(row.updated_at));
    out.links = selfLinks(x.base, 'nodes', `${node.uuid}/bios/${String(row.name)}`);
    return out;
  };

  app.get('/v1/nodes/:ident/bios', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 40);
    const q = req.query as Record<string, string | undefined>;
    const detail = optBool('detail', q.detail) ?? false;
    if (q.detail !== undefined && x.minor < 74) throw notAcceptable();
    if (q.fields !== undefined && x.minor < 74) throw notAcceptable();
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    const rows = await deps.db.selectFrom('metal_bios_settings').selectAll().where('node_id', '=', node.id).orderBy('name').execute();
    return { bios: rows.map((r) => biosView(x, node, r, detail)) };
  });

  app.get('/v1/nodes/:ident/bios/:setting', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 40);
    const { ident, setting } = req.params as { ident: string; setting: string };
    const node = await loadNode(deps, x, ident);
    const row = await deps.db.selectFrom('metal_bios_settings').selectAll().where('node_id', '=', node.id).where('name', '=', setting).executeTakeFirst();
    if (!row) throw new MetalError(404, 'BIOSSettingNotFound', `Node ${node.uuid} doesn't have a BIOS setting '${setting}'`);
    return { [setting]: biosView(x, node, row, true) };
  });

  // --- history --------------------------------------------------------------------

  const historyView = (x: ApiContext, node: NodeRecord, h: { uuid: string; created_at: number; severity: string; event: string; event_type: string; conductor: string | null; user: string | null }, detail: boolean): Json => {
    const out: Json = { uuid: h.uuid, created_at: isoTime(h.created_at), severity: h.severity, event: h.event };
    if (detail) Object.assign(out, { event_type: h.event_type, conductor: h.conductor, user: h.user });
    else if (h.event.length > 255) out.event = `${h.event.slice(0, 251)}...`;
    out.links = [makeLink('self', x.base, 'nodes', `${node.uuid}/history/${h.uuid}`)];
    return out;
  };

  const historyList = async (x: ApiContext, ident: string, q: Record<string, string | undefined>, detail: boolean) => {
    requireMinor(x, 78);
    const node = await loadNode(deps, x, ident);
    const limit = validateLimit(q.limit, deps.maxLimit);
    let marker;
    if (q.marker !== undefined) {
      if (!UUID_STRICT.test(q.marker)) throw invalidParameter(`Expected UUID for marker: ${q.marker}`);
      marker = await historyTable.byUuid(deps.db, q.marker);
      if (!marker) throw historyNotFound(q.marker);
    }
    const rows = await historyTable.page(deps.db, (qb) => qb.where('node_id', '=', node.id), { limit, sort: { key: 'id', dir: 'asc' } }, marker);
    const body: Json = { history: rows.map((h) => historyView(x, node, h, detail)) };
    if (rows.length === limit) body.next = nextLink(x.base, `nodes/${ident}/history`, detail ? { detail: 'True' } : {}, limit, rows[rows.length - 1].uuid);
    return body;
  };

  app.get('/v1/nodes/:ident/history', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return historyList(ctx(req, deps), (req.params as { ident: string }).ident, q, optBool('detail', q.detail) ?? false);
  });

  app.get('/v1/nodes/:ident/history/:event', async (req) => {
    const x = ctx(req, deps);
    const { ident, event } = req.params as { ident: string; event: string };
    // python-ironicclient asks for /history/detail when it wants the detailed list.
    if (event === 'detail') return historyList(x, ident, req.query as Record<string, string | undefined>, true);
    requireMinor(x, 78);
    const node = await loadNode(deps, x, ident);
    const h = await historyTable.byUuid(deps.db, event);
    if (!h || h.node_id !== node.id) throw historyNotFound(event);
    return historyView(x, node, h, true);
  });

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

  void INTERFACE_FIELDS;
};


/** A database-only change made under the node lock rule: refused while the node is reserved. */
async function lockedDb<T>(deps: ApiDeps, node: NodeRecord, fn: () => Promise<T>): Promise<T> {
  return deps.conductor.withLock(node, async () => ({ result: await fn() }));
}

async function portLikes(deps: ApiDeps, node: NodeRecord): Promise<{ ports: PortRecord[]; portgroups: PortgroupRecord[] }> {
  const ports = (await deps.db.selectFrom('metal_ports').selectAll().where('node_id', '=', node.id).orderBy('id').execute()).map((r) => portsTable.decode(r));
  const portgroups = (await deps.db.selectFrom('metal_portgroups').selectAll().where('node_id', '=', node.id).orderBy('id').execute()).map((r) => portgroupsTable.decode(r));
  return { ports, portgroups };
}

const CLEAN_INTERFACES = ['power', 'management', 'deploy', 'bios', 'raid', 'firmware'];

export const CLEAN_STEPS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['interface', 'step'],
    properties: {
      interface: { enum: CLEAN_INTERFACES },
      step: { type: 'string', minLength: 1 },
      args: { type: 'object' },
    },
    additionalProperties: false,
  },
};

export const DEPLOY_STEPS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      args: { type: 'object' },
      interface: { type: 'string', enum: ['deploy', 'power', 'management', 'bios', 'raid', 'boot', 'storage', 'network', 'console', 'rescue', 'inspect', 'vendor'] },
      priority: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1, pattern: '^[0-9]+$' }] },
      step: { type: 'string', minLength: 1 },
    },
    required: ['interface', 'step', 'args', 'priority'],
    additionalProperties: false,
  },
};

export { reloadNode };
