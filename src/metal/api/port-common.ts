/**
 * What the port and portgroup routes share: their fields per version, body
 * schemas and patchable fields, scoping, rendering, and lookups.
 */
import type { SelectQueryBuilder } from 'kysely';
import { ports as portsTable, portgroups as pgTable, nodes as nodesTable } from '../db/tables.js';
import type { Json, NodeRecord, PortgroupRecord, PortRecord } from '../db/records.js';
import { isUuid } from '../db/table.js';
import { invalidParameter, MetalError, notFound, portgroupNotFound, portNotFound, forbidden } from '../conductor/errors.js';
import type { ApiDeps } from './deps.js';
import { relationTo, type ApiContext } from './context.js';
import { shape, type FieldSet } from './collection.js';
import { checkSchema, isoTime, selfLinks, UUID_STRICT } from './util.js';

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

export const LOCAL_LINK_BASE = {
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
export const LOCAL_LINK_SCHEMA = {
  anyOf: [
    { ...LOCAL_LINK_BASE, required: ['port_id', 'switch_id'] },
    { ...LOCAL_LINK_BASE, required: ['port_id', 'hostname'] },
    { ...LOCAL_LINK_BASE, required: ['network_type'], properties: { ...LOCAL_LINK_BASE.properties, network_type: { type: 'string', enum: ['unmanaged'] } } },
    { type: 'object', additionalProperties: false },
  ],
};

export const PORT_SCHEMA = {
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

export const PORT_PATCH_ALLOWED = ['address', 'extra', 'is_smartnic', 'local_link_connection', 'node_uuid', 'physical_network', 'portgroup_uuid', 'pxe_enabled'];

export const PORTGROUP_SCHEMA = {
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

export const PORTGROUP_PATCH_ALLOWED = ['address', 'extra', 'mode', 'name', 'node_uuid', 'properties', 'standalone_ports_supported'];

/** Ironic's [DEFAULT]default_portgroup_mode. */
export const DEFAULT_PORTGROUP_MODE = 'active-backup';

export type Query = Record<string, string | undefined>;

export function checkLocalLink(value: unknown): void {
  if (value === null || value === undefined) return;
  checkSchema('local_link_connection', LOCAL_LINK_SCHEMA, value);
  const sw = (value as Json).switch_id;
  if (typeof sw === 'string' && !/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(sw) && !/^([0-9a-f]{2}:){7}[0-9a-f]{2}$/i.test(sw) && !/^(0x)?[0-9a-f]{1,16}$/i.test(sw)) {
    throw invalidParameter(`Expected a MAC address or OpenFlow datapath ID but received ${sw}.`);
  }
}

/** Only ports of nodes the caller may see. */
export function scopePorts(x: ApiContext) {
  return (q: SelectQueryBuilder<any, any, any>) =>
    x.admin ? q : q.where('node_id', 'in', (eb: any) => eb.selectFrom('metal_nodes').select('id').where((e: any) => e.or([e('owner', '=', x.project), e('lessee', '=', x.project)])));
}

export async function nodeUuids(deps: ApiDeps, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const uniq = [...new Set(ids)];
  if (uniq.length) for (const r of await deps.db.selectFrom('metal_nodes').select(['id', 'uuid']).where('id', 'in', uniq).execute()) out.set(Number(r.id), r.uuid);
  return out;
}

export async function portgroupUuids(deps: ApiDeps, ids: number[]): Promise<Map<number, string>> {
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

export async function findPortgroup(deps: ApiDeps, ident: string): Promise<PortgroupRecord | undefined> {
  if (isUuid(ident)) return pgTable.byUuid(deps.db, ident);
  return pgTable.byColumn(deps.db, 'name', ident);
}

/** The node a port or portgroup body names; Ironic answers 400 when it does not exist. */
export async function nodeForBody(deps: ApiDeps, x: ApiContext, uuid: unknown): Promise<NodeRecord> {
  if (typeof uuid !== 'string' || !UUID_STRICT.test(uuid)) throw invalidParameter(`Expected UUID for node_uuid: ${String(uuid)}`);
  const node = await nodesTable.byUuid(deps.db, uuid);
  if (!node || relationTo(x, node) === 'none') throw new MetalError(400, 'NodeNotFound', `Node ${uuid} could not be found.`);
  if (!x.admin && relationTo(x, node) !== 'owner') throw forbidden('Access was denied to the following resource: baremetal:port:create');
  return node;
}

export async function loadPort(deps: ApiDeps, x: ApiContext, ident: string): Promise<PortRecord> {
  if (!UUID_STRICT.test(ident)) throw invalidParameter(`Expected UUID for port_id: ${ident}`);
  const port = await portsTable.byUuid(deps.db, ident);
  if (!port) throw portNotFound(ident);
  if (!x.admin) {
    const node = await nodesTable.byId(deps.db, port.node_id);
    if (!node || relationTo(x, node) === 'none') throw portNotFound(ident);
  }
  return port;
}

export async function loadPortgroup(deps: ApiDeps, x: ApiContext, ident: string): Promise<PortgroupRecord> {
  if (x.minor < 23) throw notFound();
  const pg = await findPortgroup(deps, ident);
  if (!pg) throw portgroupNotFound(ident);
  if (!x.admin) {
    const node = await nodesTable.byId(deps.db, pg.node_id);
    if (!node || relationTo(x, node) === 'none') throw portgroupNotFound(ident);
  }
  return pg;
}

export function mutator(x: ApiContext, node: NodeRecord | undefined, what: string): void {
  if (x.admin) return;
  if (!node || relationTo(x, node) !== 'owner' || x.principal.role === 'reader') throw forbidden(`Access was denied to the following resource: baremetal:${what}`);
}
