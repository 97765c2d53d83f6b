/**
 * /v1/ports and /v1/portgroups (and their views under a node or portgroup),
 * after Ironic's port.py and portgroup.py: MAC addresses validated and
 * normalized and unique, fields per version, JSON Patch updates. Ports here;
 * portgroups in portgroups.ts.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { ports as portsTable, portgroups as pgTable, nodes as nodesTable } from '../db/tables.js';
import type { Json, PortRecord } from '../db/records.js';
import { conflict, invalid, invalidParameter, macAlreadyExists, MetalError, nodeNotFound, notAcceptable, portNotFound } from '../conductor/errors.js';
import { ctx, loadNode, type Routes } from './deps.js';
import { checkFields, requireBody, visibleIn } from './collection.js';
import { checkSchema, fieldList, normalizeMac, toBool, UUID_STRICT } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch, rootOf } from './patch.js';
import { checkLocalLink, loadPort, mutator, nodeForBody, PORT_FIELDS, PORT_PATCH_ALLOWED, PORT_SCHEMA, renderPorts, type Query } from './port-common.js';
import { listPorts } from './port-lists.js';
import { portgroupRoutes } from './portgroups.js';

export const portRoutes: Routes = (app, deps) => {
  app.get('/v1/ports', async (req) => listPorts(deps, ctx(req, deps), req.query as Query, { resource: 'ports', detailRoute: false }));
  app.get('/v1/ports/detail', async (req) => listPorts(deps, ctx(req, deps), req.query as Query, { resource: 'ports/detail', detailRoute: true }));
  app.get('/v1/nodes/:ident/ports', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPorts(deps, x, req.query as Query, { resource: `nodes/${node.uuid}/ports`, detailRoute: false, nodeId: node.id });
  });
  app.get('/v1/nodes/:ident/ports/detail', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPorts(deps, x, req.query as Query, { resource: `nodes/${node.uuid}/ports/detail`, detailRoute: true, nodeId: node.id });
  });

  app.get('/v1/ports/:uuid', async (req) => {
    const x = ctx(req, deps);
    const fields = fieldList((req.query as Query).fields);
    checkFields(PORT_FIELDS, fields, x.minor);
    const port = await loadPort(deps, x, (req.params as { uuid: string }).uuid);
    return (await renderPorts(deps, x, [port], fields))[0];
  });

  app.post('/v1/ports', async (req, reply) => {
    const x = ctx(req, deps);
    const body = requireBody(req.body, 'port');
    checkSchema('port', PORT_SCHEMA, body);
    for (const k of Object.keys(body)) if (!visibleIn(PORT_FIELDS, k, x.minor) && body[k] !== null) throw notAcceptable();
    const node = await nodeForBody(deps, x, body.node_uuid);
    const address = normalizeMac(body.address);
    if (body.uuid !== undefined && body.uuid !== null && !UUID_STRICT.test(String(body.uuid))) throw invalidParameter(`Expected UUID for uuid: ${String(body.uuid)}`);
    checkLocalLink(body.local_link_connection);
    const isSmartnic = body.is_smartnic === undefined || body.is_smartnic === null ? false : toBool('is_smartnic', body.is_smartnic);
    const pxe = body.pxe_enabled === undefined || body.pxe_enabled === null ? true : toBool('pxe_enabled', body.pxe_enabled);
    if (isSmartnic) {
      const llc = (body.local_link_connection ?? {}) as Json;
      if (!llc.port_id || !llc.hostname) throw invalid('Smart NIC port must have port_id and hostname in local_link_connection');
    }
    if (body.physical_network !== undefined && body.physical_network !== null && body.physical_network === '') throw invalid('A non-empty value is required when setting physical_network');
    let portgroup_id: number | null = null;
    if (body.portgroup_uuid) {
      const pg = await pgTable.byUuid(deps.db, String(body.portgroup_uuid));
      if (!pg) throw new MetalError(400, 'PortgroupNotFound', `Portgroup ${String(body.portgroup_uuid)} could not be found.`);
      if (pg.node_id !== node.id) throw invalid('Port can not be added to a portgroup belonging to a different node.');
      if (pxe && !pg.standalone_ports_supported) {
        throw conflict(`Port group ${pg.uuid} doesn't support standalone ports. This port cannot be created as a member of that portgroup as the port's 'pxe_enabled' field was set to True.`);
      }
      portgroup_id = pg.id;
    }
    let port: PortRecord;
    try {
      port = await portsTable.insert(deps.db, {
        uuid: ((body.uuid as string | null) ?? randomUUID()).toLowerCase(),
        address,
        node_id: node.id,
        portgroup_id,
        extra: (body.extra as Json | null) ?? {},
        local_link_connection: (body.local_link_connection as Json | null) ?? {},
        pxe_enabled: pxe,
        internal_info: {},
        physical_network: (body.physical_network as string | null) ?? null,
        is_smartnic: isSmartnic,
        created_at: Date.now(),
        updated_at: null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        if (/address/.test(String((err as Error).message))) throw macAlreadyExists(address);
        throw new MetalError(409, 'PortAlreadyExists', `A port with UUID ${String(body.uuid)} already exists.`);
      }
      throw err;
    }
    void reply.status(201).header('Location', `${x.base}/v1/ports/${port.uuid}`);
    return (await renderPorts(deps, x, [port]))[0];
  });

  app.patch('/v1/ports/:uuid', async (req) => {
    const x = ctx(req, deps);
    const ops = parsePatch(req.body);
    checkAllowedFields(ops, PORT_PATCH_ALLOWED);
    for (const op of ops) if (!visibleIn(PORT_FIELDS, rootOf(op), x.minor)) throw notAcceptable();
    const port = await loadPort(deps, x, (req.params as { uuid: string }).uuid);
    const node = await nodesTable.byId(deps.db, port.node_id);
    mutator(x, node, 'port:update');
    const [view] = await renderPorts(deps, x, [port], PORT_FIELDS.all);
    const doc: Json = {};
    for (const f of PORT_PATCH_ALLOWED) doc[f] = view[f] ?? (['extra', 'local_link_connection'].includes(f) ? {} : null);
    const patched = applyPatch(doc, ops);
    const toCheck = Object.fromEntries(Object.entries(patched).filter(([, v]) => v !== null || true));
    checkSchema('port', { ...PORT_SCHEMA, required: ['address', 'node_uuid'] }, toCheck);
    const changes: Partial<PortRecord> = { updated_at: Date.now() };
    if (patched.address !== doc.address) changes.address = normalizeMac(patched.address);
    if (patched.node_uuid !== doc.node_uuid) changes.node_id = (await nodeForBody(deps, x, patched.node_uuid)).id;
    if (JSON.stringify(patched.extra) !== JSON.stringify(doc.extra)) changes.extra = (patched.extra as Json | null) ?? {};
    if (JSON.stringify(patched.local_link_connection) !== JSON.stringify(doc.local_link_connection)) {
      checkLocalLink(patched.local_link_connection);
      changes.local_link_connection = (patched.local_link_connection as Json | null) ?? {};
    }
    if (patched.pxe_enabled !== doc.pxe_enabled) changes.pxe_enabled = patched.pxe_enabled === null ? true : toBool('pxe_enabled', patched.pxe_enabled);
    if (patched.is_smartnic !== doc.is_smartnic) changes.is_smartnic = patched.is_smartnic === null ? false : toBool('is_smartnic', patched.is_smartnic);
    if (patched.physical_network !== doc.physical_network) {
      if (patched.physical_network === '') throw invalid('A non-empty value is required when setting physical_network');
      changes.physical_network = (patched.physical_network as string | null) ?? null;
    }
    if (patched.portgroup_uuid !== doc.portgroup_uuid) {
      if (patched.portgroup_uuid === null) changes.portgroup_id = null;
      else {
        const pg = await pgTable.byUuid(deps.db, String(patched.portgroup_uuid));
        if (!pg) throw new MetalError(400, 'PortgroupNotFound', `Portgroup ${String(patched.portgroup_uuid)} could not be found.`);
        if (pg.node_id !== (changes.node_id ?? port.node_id)) throw invalid('Port can not be added to a portgroup belonging to a different node.');
        changes.portgroup_id = pg.id;
      }
    }
    const target = await nodesTable.byId(deps.db, changes.node_id ?? port.node_id);
    if (!target) throw nodeNotFound(String(patched.node_uuid));
    let updated: PortRecord | undefined;
    try {
      updated = await deps.conductor.withLock(target, async () => ({ result: await portsTable.update(deps.db, port.id, changes) }));
    } catch (err) {
      if (isUniqueViolation(err)) throw macAlreadyExists(String(changes.address));
      throw err;
    }
    if (!updated) throw portNotFound(port.uuid);
    return (await renderPorts(deps, x, [updated]))[0];
  });

  app.delete('/v1/ports/:uuid', async (req, reply) => {
    const x = ctx(req, deps);
    const port = await loadPort(deps, x, (req.params as { uuid: string }).uuid);
    const node = await nodesTable.byId(deps.db, port.node_id);
    mutator(x, node, 'port:delete');
    if (node) await deps.conductor.withLock(node, async () => ({ result: await portsTable.delete(deps.db, port.id) }));
    else await portsTable.delete(deps.db, port.id);
    void reply.status(204);
  });

  portgroupRoutes(app, deps);
};
