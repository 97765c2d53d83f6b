/**
 * /v1/portgroups (and under a node), after Ironic's portgroup.py.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { portgroups as pgTable, nodes as nodesTable } from '../db/tables.js';
import type { Json, PortgroupRecord } from '../db/records.js';
import { isUuid } from '../db/table.js';
import { conflict, invalidParameter, MetalError, notAcceptable, notFound, portgroupNotFound } from '../conductor/errors.js';
import { ctx, loadNode, type Routes } from './deps.js';
import { checkFields, requireBody, visibleIn } from './collection.js';
import { checkSchema, fieldList, isValidName, normalizeMac, toBool } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch, rootOf } from './patch.js';
import { DEFAULT_PORTGROUP_MODE, loadPortgroup, mutator, nodeForBody, PORTGROUP_FIELDS, PORTGROUP_PATCH_ALLOWED, PORTGROUP_SCHEMA, renderPortgroups, type Query } from './port-common.js';
import { listPortgroups, listPorts } from './port-lists.js';

export const portgroupRoutes: Routes = (app, deps) => {
  app.get('/v1/portgroups', async (req) => listPortgroups(deps, ctx(req, deps), req.query as Query, { resource: 'portgroups', detailRoute: false }));
  app.get('/v1/portgroups/detail', async (req) => listPortgroups(deps, ctx(req, deps), req.query as Query, { resource: 'portgroups/detail', detailRoute: true }));
  app.get('/v1/nodes/:ident/portgroups', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPortgroups(deps, x, req.query as Query, { resource: `nodes/${node.uuid}/portgroups`, detailRoute: false, nodeId: node.id });
  });
  app.get('/v1/nodes/:ident/portgroups/detail', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPortgroups(deps, x, req.query as Query, { resource: `nodes/${node.uuid}/portgroups/detail`, detailRoute: true, nodeId: node.id });
  });
  app.get('/v1/portgroups/:ident/ports', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const pg = await loadPortgroup(deps, x, (req.params as { ident: string }).ident);
    return listPorts(deps, x, req.query as Query, { resource: `portgroups/${pg.uuid}/ports`, detailRoute: false, portgroupId: pg.id });
  });
  app.get('/v1/portgroups/:ident/ports/detail', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const pg = await loadPortgroup(deps, x, (req.params as { ident: string }).ident);
    return listPorts(deps, x, req.query as Query, { resource: `portgroups/${pg.uuid}/ports/detail`, detailRoute: true, portgroupId: pg.id });
  });

  app.get('/v1/portgroups/:ident', async (req) => {
    const x = ctx(req, deps);
    const fields = fieldList((req.query as Query).fields);
    checkFields(PORTGROUP_FIELDS, fields, x.minor);
    const pg = await loadPortgroup(deps, x, (req.params as { ident: string }).ident);
    return (await renderPortgroups(deps, x, [pg], fields))[0];
  });

  app.post('/v1/portgroups', async (req, reply) => {
    const x = ctx(req, deps);
    if (x.minor < 23) throw notFound();
    const body = requireBody(req.body, 'portgroup');
    checkSchema('portgroup', PORTGROUP_SCHEMA, body);
    if ((body.mode !== undefined || body.properties !== undefined) && x.minor < 26) throw notAcceptable();
    const node = await nodeForBody(deps, x, body.node_uuid);
    if (body.name !== undefined && body.name !== null && (!isValidName(String(body.name)) || isUuid(String(body.name)))) {
      throw invalidParameter(`Expected name for name: ${String(body.name)}`);
    }
    const address = body.address === undefined || body.address === null ? null : normalizeMac(body.address);
    const uuid = ((body.uuid as string | null) ?? randomUUID()).toLowerCase();
    let pg: PortgroupRecord;
    try {
      pg = await pgTable.insert(deps.db, {
        uuid,
        name: (body.name as string | null) ?? null,
        address,
        node_id: node.id,
        extra: (body.extra as Json | null) ?? {},
        internal_info: {},
        standalone_ports_supported: body.standalone_ports_supported === undefined || body.standalone_ports_supported === null ? true : toBool('standalone_ports_supported', body.standalone_ports_supported),
        mode: (body.mode as string | null) ?? DEFAULT_PORTGROUP_MODE,
        properties: (body.properties as Json | null) ?? {},
        created_at: Date.now(),
        updated_at: null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        const msg = String((err as Error).message);
        if (/address/.test(msg)) throw new MetalError(409, 'PortgroupMACAlreadyExists', `A portgroup with MAC address ${address} already exists.`);
        if (/name/.test(msg)) throw new MetalError(409, 'PortgroupDuplicateName', `A portgroup with name ${String(body.name)} already exists.`);
        throw new MetalError(409, 'PortgroupAlreadyExists', `A portgroup with UUID ${uuid} already exists.`);
      }
      throw err;
    }
    void reply.status(201).header('Location', `${x.base}/v1/portgroups/${pg.uuid}`);
    return (await renderPortgroups(deps, x, [pg]))[0];
  });

  app.patch('/v1/portgroups/:ident', async (req) => {
    const x = ctx(req, deps);
    const ops = parsePatch(req.body);
    checkAllowedFields(ops, PORTGROUP_PATCH_ALLOWED);
    for (const op of ops) if (!visibleIn(PORTGROUP_FIELDS, rootOf(op), x.minor)) throw notAcceptable();
    const pg = await loadPortgroup(deps, x, (req.params as { ident: string }).ident);
    mutator(x, await nodesTable.byId(deps.db, pg.node_id), 'portgroup:update');
    const [view] = await renderPortgroups(deps, x, [pg], PORTGROUP_FIELDS.all);
    const doc: Json = {};
    for (const f of PORTGROUP_PATCH_ALLOWED) doc[f] = view[f] ?? null;
    const patched = applyPatch(doc, ops);
    checkSchema('portgroup', PORTGROUP_SCHEMA, patched);
    const changes: Partial<PortgroupRecord> = { updated_at: Date.now() };
    if (patched.address !== doc.address) changes.address = patched.address === null ? null : normalizeMac(patched.address);
    if (patched.name !== doc.name) {
      if (patched.name !== null && (!isValidName(String(patched.name)) || isUuid(String(patched.name)))) throw invalidParameter(`Expected name for name: ${String(patched.name)}`);
      changes.name = (patched.name as string | null) ?? null;
    }
    if (patched.node_uuid !== doc.node_uuid) changes.node_id = (await nodeForBody(deps, x, patched.node_uuid)).id;
    for (const f of ['extra', 'properties'] as const) if (JSON.stringify(patched[f]) !== JSON.stringify(doc[f])) changes[f] = (patched[f] as Json | null) ?? {};
    if (patched.mode !== doc.mode) changes.mode = (patched.mode as string | null) ?? DEFAULT_PORTGROUP_MODE;
    if (patched.standalone_ports_supported !== doc.standalone_ports_supported) {
      changes.standalone_ports_supported = patched.standalone_ports_supported === null ? true : toBool('standalone_ports_supported', patched.standalone_ports_supported);
    }
    let updated;
    try {
      updated = await pgTable.update(deps.db, pg.id, changes);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`A portgroup with that name or MAC address already exists.`);
      throw err;
    }
    if (!updated) throw portgroupNotFound(pg.uuid);
    return (await renderPortgroups(deps, x, [updated]))[0];
  });

  app.delete('/v1/portgroups/:ident', async (req, reply) => {
    const x = ctx(req, deps);
    const pg = await loadPortgroup(deps, x, (req.params as { ident: string }).ident);
    mutator(x, await nodesTable.byId(deps.db, pg.node_id), 'portgroup:delete');
    const members = await deps.db.selectFrom('metal_ports').select('id').where('portgroup_id', '=', pg.id).limit(1).execute();
    if (members.length) throw new MetalError(400, 'PortgroupNotEmpty', `Cannot complete the requested action because portgroup ${pg.uuid} contains ports.`);
    await pgTable.delete(deps.db, pg.id);
    void reply.status(204);
  });
};
