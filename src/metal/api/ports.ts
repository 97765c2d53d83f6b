/**
 * /v1/ports and /v1/portgroups (and their views under a node or portgroup),
 * after Ironic's port.py and portgroup.py: MAC addresses validated and
 * normalized and unique, fields per version, JSON Patch updates.
 */
import { randomUUID } from 'node:crypto';
import type { SelectQueryBuilder } from 'kysely';
import { isUniqueViolation } from '../../core/index.js';
import { ports as portsTable, portgroups as pgTable, nodes as nodesTable } from '../db/tables.js';
import { findNode } from '../db/nodes.js';
import type { Json, NodeRecord, PortgroupRecord, PortRecord } from '../db/records.js';
import { isUuid } from '../db/table.js';
import {
  conflict,
  invalid,
  invalidParameter,
  macAlreadyExists,
  MetalError,
  nodeNotFound,
  notAcceptable,
  notFound,
  portgroupNotFound,
  portNotFound,
  forbidden,
} from '../conductor/errors.js';
import { ctx, loadNode, type ApiDeps, type Routes } from './deps.js';
import { relationTo, type ApiContext } from './context.js';
import { checkFields, listResponse, requireBody, shape, visibleIn, type FieldSet } from './collection.js';
import { checkSchema, fieldList, isoTime, isValidName, normalizeMac, selfLinks, toBool, UUID_STRICT } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch, rootOf } from './patch.js';

export const PORT_FIELDS: FieldSet = {
  all: ['uuid', 'address', 'node_uuid', 'portgroup_uuid', 'extra', 'internal_info', 'local_link_connection', 'pxe_enabled', 'physical_network', 'is_smartnic', 'created_at', 'updated_at'],
  min: { internal_info: 18, local_link_connection: 19, pxe_enabled: 19, portgroup_uuid: 24, physical_network: 34, is_smartnic: 53 },
  defaults: ['uuid', 'address'],
};

export const PORTGROUP_FIELDS: FieldSet = {
  all: ['uuid', 'name', 'address', 'node_uuid', 'extra', 'internal_info', 'standalone_ports_supported', 'mode', 'properties', 'created_at', 'updated_at'],
  min: { mode: 26, properties: 26 },
  defaults: ['uuid', 'address', 'name'],
};

const LOCAL_LINK_BASE = {
  type: 'object',
  properties: {
    port_id: { type: 'string' },
    switch_id: { type: 'string' },
    hostname: { type: 'string' },
    switch_info: { type: 'string' },
    network_type: { type: 'string', enum: ['managed', 'unmanaged'] },
  },
  additionalProperties: false,
};
const LOCAL_LINK_SCHEMA = {
  anyOf: [
    { ...LOCAL_LINK_BASE, required: ['port_id', 'switch_id'] },
    { ...LOCAL_LINK_BASE, required: ['port_id', 'hostname'] },
    { ...LOCAL_LINK_BASE, required: ['network_type'], properties: { ...LOCAL_LINK_BASE.properties, network_type: { type: 'string', enum: ['unmanaged'] } } },
    { type: 'object', additionalProperties: false },
  ],
};

const PORT_SCHEMA = {
  type: 'object',
  properties: {
    address: { type: 'string' },
    extra: { type: ['object', 'null'] },
    is_smartnic: { type: ['string', 'boolean', 'null'] },
    local_link_connection: { type: ['null', 'object'] },
    node_uuid: { type: 'string' },
    physical_network: { type: ['string', 'null'], maxLength: 64 },
    portgroup_uuid: { type: ['string', 'null'] },
    pxe_enabled: { type: ['string', 'boolean', 'null'] },
    uuid: { type: ['string', 'null'] },
  },
  required: ['address', 'node_uuid'],
  additionalProperties: false,
};

const PORT_PATCH_ALLOWED = ['address', 'extra', 'is_smartnic', 'local_link_connection', 'node_uuid', 'physical_network', 'portgroup_uuid', 'pxe_enabled'];

const PORTGROUP_SCHEMA = {
  type: 'object',
  properties: {
    address: { type: ['string', 'null'] },
    extra: { type: ['object', 'null'] },
    mode: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    node_uuid: { type: 'string' },
    properties: { type: ['object', 'null'] },
    standalone_ports_supported: { type: ['string', 'boolean', 'null'] },
    uuid: { type: ['string', 'null'] },
  },
  required: ['node_uuid'],
  additionalProperties: false,
};

const PORTGROUP_PATCH_ALLOWED = ['address', 'extra', 'mode', 'name', 'node_uuid', 'properties', 'standalone_ports_supported'];

/** Ironic's [DEFAULT]default_portgroup_mode. */
const DEFAULT_PORTGROUP_MODE = 'active-backup';

type Query = Record<string, string | undefined>;

function checkLocalLink(value: unknown): void {
  if (value === null || value === undefined) return;
  checkSchema('local_link_connection', LOCAL_LINK_SCHEMA, value);
  const sw = (value as Json).switch_id;
  if (typeof sw === 'string' && !/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(sw) && !/^([0-9a-f]{2}:){7}[0-9a-f]{2}$/i.test(sw) && !/^(0x)?[0-9a-f]{1,16}$/i.test(sw)) {
    throw invalidParameter(`Expected a MAC address or OpenFlow datapath ID but received ${sw}.`);
  }
}

/** Only ports of nodes the caller may see. */
function scopePorts(x: ApiContext) {
  return (q: SelectQueryBuilder<any, any, any>) =>
    x.admin ? q : q.where('node_id', 'in', (eb: any) => eb.selectFrom('metal_nodes').select('id').where((e: any) => e.or([e('owner', '=', x.project), e('lessee', '=', x.project)])));
}

async function nodeUuids(deps: ApiDeps, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const uniq = [...new Set(ids)];
  if (uniq.length) for (const r of await deps.db.selectFrom('metal_nodes').select(['id', 'uuid']).where('id', 'in', uniq).execute()) out.set(Number(r.id), r.uuid);
  return out;
}

async function portgroupUuids(deps: ApiDeps, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const uniq = [...new Set(ids)];
  if (uniq.length) for (const r of await deps.db.selectFrom('metal_portgroups').select(['id', 'uuid']).where('id', 'in', uniq).execute()) out.set(Number(r.id), r.uuid);
  return out;
}

export async function renderPorts(deps: ApiDeps, x: ApiContext, rows: PortRecord[], fields?: readonly string[]): Promise<Json[]> {
  const nodesById = await nodeUuids(deps, rows.map((p) => p.node_id));
  const pgs = await portgroupUuids(deps, rows.map((p) => p.portgroup_id).filter((v): v is number => v !== null));
  return rows.map((p) =>
    shape(
      {
        uuid: p.uuid,
        address: p.address,
        node_uuid: nodesById.get(p.node_id) ?? null,
        portgroup_uuid: p.portgroup_id !== null ? (pgs.get(p.portgroup_id) ?? null) : null,
        extra: p.extra,
        internal_info: p.internal_info,
        local_link_connection: p.local_link_connection,
        pxe_enabled: p.pxe_enabled,
        physical_network: p.physical_network,
        is_smartnic: p.is_smartnic,
        created_at: isoTime(p.created_at),
        updated_at: isoTime(p.updated_at),
        links: selfLinks(x.base, 'ports', p.uuid),
      },
      PORT_FIELDS,
      x.minor,
      fields,
    ),
  );
}

export async function renderPortgroups(deps: ApiDeps, x: ApiContext, rows: PortgroupRecord[], fields?: readonly string[]): Promise<Json[]> {
  const nodesById = await nodeUuids(deps, rows.map((p) => p.node_id));
  return rows.map((p) => {
    const full: Json = {
      uuid: p.uuid,
      name: p.name,
      address: p.address,
      node_uuid: nodesById.get(p.node_id) ?? null,
      extra: p.extra,
      internal_info: p.internal_info,
      standalone_ports_supported: p.standalone_ports_supported,
      mode: p.mode,
      properties: p.properties,
      created_at: isoTime(p.created_at),
      updated_at: isoTime(p.updated_at),
      links: selfLinks(x.base, 'portgroups', p.uuid),
    };
    if (fields === undefined) full.ports = selfLinks(x.base, 'portgroups', `${p.uuid}/ports`);
    return shape(full, PORTGROUP_FIELDS, x.minor, fields);
  });
}

async function findPortgroup(deps: ApiDeps, ident: string): Promise<PortgroupRecord | undefined> {
  if (isUuid(ident)) return pgTable.byUuid(deps.db, ident);
  return pgTable.byColumn(deps.db, 'name', ident);
}

/** The node a port or portgroup body names; Ironic answers 400 when it does not exist. */
async function nodeForBody(deps: ApiDeps, x: ApiContext, uuid: unknown): Promise<NodeRecord> {
  if (typeof uuid !== 'string' || !UUID_STRICT.test(uuid)) throw invalidParameter(`Expected UUID for node_uuid: ${String(uuid)}`);
  const node = await nodesTable.byUuid(deps.db, uuid);
  if (!node || relationTo(x, node) === 'none') throw new MetalError(400, 'NodeNotFound', `Node ${uuid} could not be found.`);
  if (!x.admin && relationTo(x, node) !== 'owner') throw forbidden('Access was denied to the following resource: baremetal:port:create');
  return node;
}

async function loadPort(deps: ApiDeps, x: ApiContext, ident: string): Promise<PortRecord> {
  if (!UUID_STRICT.test(ident)) throw invalidParameter(`Expected UUID for port_id: ${ident}`);
  const port = await portsTable.byUuid(deps.db, ident);
  if (!port) throw portNotFound(ident);
  if (!x.admin) {
    const node = await nodesTable.byId(deps.db, port.node_id);
    if (!node || relationTo(x, node) === 'none') throw portNotFound(ident);
  }
  return port;
}

async function loadPortgroup(deps: ApiDeps, x: ApiContext, ident: string): Promise<PortgroupRecord> {
  if (x.minor < 23) throw notFound();
  const pg = await findPortgroup(deps, ident);
  if (!pg) throw portgroupNotFound(ident);
  if (!x.admin) {
    const node = await nodesTable.byId(deps.db, pg.node_id);
    if (!node || relationTo(x, node) === 'none') throw portgroupNotFound(ident);
  }
  return pg;
}

function mutator(x: ApiContext, node: NodeRecord | undefined, what: string): void {
  if (x.admin) return;
  if (!node || relationTo(x, node) !== 'owner' || x.principal.role === 'reader') throw forbidden(`Access was denied to the following resource: baremetal:${what}`);
}

export const portRoutes: Routes = (app, deps) => {
  // --- ports ------------------------------------------------------------------

  const listPorts = async (x: ApiContext, q: Query, opts: { resource: string; detailRoute: boolean; nodeId?: number; portgroupId?: number }) => {
    if (q.portgroup !== undefined && x.minor < 24) throw notAcceptable();
    let nodeId = opts.nodeId;
    const nodeIdent = q.node ?? q.node_uuid;
    if (nodeIdent !== undefined && nodeId === undefined) {
      const n = await findNode(deps.db, nodeIdent);
      if (!n || relationTo(x, n) === 'none') throw nodeNotFound(nodeIdent);
      nodeId = n.id;
    }
    let pgId = opts.portgroupId;
    if (q.portgroup !== undefined && pgId === undefined) {
      const pg = await findPortgroup(deps, q.portgroup);
      if (!pg) throw portgroupNotFound(q.portgroup);
      pgId = pg.id;
    }
    let address: string | undefined;
    if (q.address !== undefined) address = normalizeMac(q.address);
    return listResponse<PortRecord>(deps, x, q, {
      resource: opts.resource,
      key: 'ports',
      set: PORT_FIELDS,
      table: portsTable,
      detailRoute: opts.detailRoute,
      markerNotFound: portNotFound,
      where: (qb) => {
        let w = scopePorts(x)(qb);
        if (nodeId !== undefined) w = w.where('node_id', '=', nodeId);
        if (pgId !== undefined) w = w.where('portgroup_id', '=', pgId);
        if (address !== undefined) w = w.where('address', '=', address);
        return w;
      },
      render: (rows, fields) => renderPorts(deps, x, rows, fields),
    });
  };

  app.get('/v1/ports', async (req) => listPorts(ctx(req, deps), req.query as Query, { resource: 'ports', detailRoute: false }));
  app.get('/v1/ports/detail', async (req) => listPorts(ctx(req, deps), req.query as Query, { resource: 'ports/detail', detailRoute: true }));
  app.get('/v1/nodes/:ident/ports', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPorts(x, req.query as Query, { resource: `nodes/${node.uuid}/ports`, detailRoute: false, nodeId: node.id });
  });
  app.get('/v1/nodes/:ident/ports/detail', async (req) => {
    const x = ctx(req, deps);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPorts(x, req.query as Query, { resource: `nodes/${node.uuid}/ports/detail`, detailRoute: true, nodeId: node.id });
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

  // --- portgroups ------------------------------------------------------------------

  const listPortgroups = async (x: ApiContext, q: Query, opts: { resource: string; detailRoute: boolean; nodeId?: number }) => {
    if (x.minor < 23) throw notFound();
    let nodeId = opts.nodeId;
    if (q.node !== undefined && nodeId === undefined) {
      const n = await findNode(deps.db, q.node);
      if (!n || relationTo(x, n) === 'none') throw nodeNotFound(q.node);
      nodeId = n.id;
    }
    const address = q.address !== undefined ? normalizeMac(q.address) : undefined;
    return listResponse<PortgroupRecord>(deps, x, q, {
      resource: opts.resource,
      key: 'portgroups',
      set: PORTGROUP_FIELDS,
      table: pgTable,
      detailRoute: opts.detailRoute,
      markerNotFound: portgroupNotFound,
      where: (qb) => {
        let w = scopePorts(x)(qb);
        if (nodeId !== undefined) w = w.where('node_id', '=', nodeId);
        if (address !== undefined) w = w.where('address', '=', address);
        return w;
      },
      render: (rows, fields) => renderPortgroups(deps, x, rows, fields),
    });
  };

  app.get('/v1/portgroups', async (req) => listPortgroups(ctx(req, deps), req.query as Query, { resource: 'portgroups', detailRoute: false }));
  app.get('/v1/portgroups/detail', async (req) => listPortgroups(ctx(req, deps), req.query as Query, { resource: 'portgroups/detail', detailRoute: true }));
  app.get('/v1/nodes/:ident/portgroups', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPortgroups(x, req.query as Query, { resource: `nodes/${node.uuid}/portgroups`, detailRoute: false, nodeId: node.id });
  });
  app.get('/v1/nodes/:ident/portgroups/detail', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listPortgroups(x, req.query as Query, { resource: `nodes/${node.uuid}/portgroups/detail`, detailRoute: true, nodeId: node.id });
  });
  app.get('/v1/portgroups/:ident/ports', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const pg = await loadPortgroup(deps, x, (req.params as { ident: string }).ident);
    return listPorts(x, req.query as Query, { resource: `portgroups/${pg.uuid}/ports`, detailRoute: false, portgroupId: pg.id });
  });
  app.get('/v1/portgroups/:ident/ports/detail', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 24) throw notFound();
    const pg = await loadPortgroup(deps, x, (req.params as { ident: string }).ident);
    return listPorts(x, req.query as Query, { resource: `portgroups/${pg.uuid}/ports/detail`, detailRoute: true, portgroupId: pg.id });
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
