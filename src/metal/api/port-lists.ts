/** The port and portgroup lists (also under a node or a portgroup), filtered as Ironic's are. */
import { ports as portsTable, portgroups as pgTable } from '../db/tables.js';
import { findNode } from '../db/nodes.js';
import type { PortgroupRecord, PortRecord } from '../db/records.js';
import { nodeNotFound, notAcceptable, notFound, portgroupNotFound, portNotFound } from '../conductor/errors.js';
import type { ApiDeps } from './deps.js';
import { relationTo, type ApiContext } from './context.js';
import { listResponse } from './collection.js';
import { normalizeMac } from './util.js';
import { findPortgroup, PORT_FIELDS, PORTGROUP_FIELDS, renderPortgroups, renderPorts, scopePorts, type Query } from './port-common.js';

export async function listPorts(deps: ApiDeps, x: ApiContext, q: Query, opts: { resource: string; detailRoute: boolean; nodeId?: number; portgroupId?: number }) {
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
}

export async function listPortgroups(deps: ApiDeps, x: ApiContext, q: Query, opts: { resource: string; detailRoute: boolean; nodeId?: number }) {
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
}
