/**
 * Volume connectors and targets (API 1.32), after Ironic's volume*.py.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { volumeConnectors, volumeTargets, nodes as nodesTable } from '../db/tables.js';
import { findNode } from '../db/nodes.js';
import type { Json, NodeRecord, VolumeConnectorRecord, VolumeTargetRecord } from '../db/records.js';
import { forbidden, invalidParameter, MetalError, nodeNotFound, notFound, volumeConnectorNotFound, volumeTargetNotFound } from '../conductor/errors.js';
import { ctx, loadNode, type ApiDeps, type Routes } from './deps.js';
import { checkFields, listResponse, requireBody, shape, type FieldSet } from './collection.js';
import { checkSchema, fieldList, isoTime, normalizeMac, selfLinks, makeLink, UUID_STRICT } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch } from './patch.js';
import { relationTo, type ApiContext } from './context.js';

type Query = Record<string, string | undefined>;

export const CONNECTOR_FIELDS: FieldSet = {
  all: ['uuid', 'node_uuid', 'type', 'connector_id', 'extra', 'created_at', 'updated_at'],
  min: {},
  defaults: ['uuid', 'node_uuid', 'type', 'connector_id'],
};
export const TARGET_FIELDS: FieldSet = {
  all: ['uuid', 'node_uuid', 'volume_type', 'properties', 'boot_index', 'volume_id', 'extra', 'created_at', 'updated_at'],
  min: {},
  defaults: ['uuid', 'node_uuid', 'volume_type', 'boot_index', 'volume_id'],
};

const CONNECTOR_TYPES = ['iqn', 'ip', 'mac', 'wwnn', 'wwpn', 'port', 'portgroup'];

const CONNECTOR_SCHEMA = {
  type: 'object',
  properties: { connector_id: { type: 'string' }, extra: { type: ['object', 'null'] }, node_uuid: { type: 'string' }, type: { type: 'string' }, uuid: { type: ['string', 'null'] } },
  required: ['connector_id', 'node_uuid', 'type'],
  additionalProperties: false,
};
const TARGET_SCHEMA = {
  type: 'object',
  properties: {
    boot_index: { type: 'integer' },
    extra: { type: ['object', 'null'] },
    node_uuid: { type: 'string' },
    properties: { type: ['object', 'null'] },
    volume_id: { type: 'string' },
    volume_type: { type: 'string' },
    uuid: { type: ['string', 'null'] },
  },
  required: ['boot_index', 'node_uuid', 'volume_id', 'volume_type'],
  additionalProperties: false,
};

async function nodeUuidMap(deps: ApiDeps, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const uniq = [...new Set(ids)];
  if (uniq.length) for (const r of await deps.db.selectFrom('metal_nodes').select(['id', 'uuid']).where('id', 'in', uniq).execute()) out.set(Number(r.id), r.uuid);
  return out;
}

function checkConnector(type: string, id: string): void {
  if (!CONNECTOR_TYPES.includes(type)) throw invalidParameter(`Expected one of ${CONNECTOR_TYPES.join(', ')} for type: ${type}`);
  if (type === 'mac') normalizeMac(id);
}

/** Volume changes need a powered-off node unless it is in maintenance (Ironic's conductor check). */
function checkVolumeChangeAllowed(node: NodeRecord, what: string): void {
  if (node.power_state === 'power on' && !node.maintenance) {
    throw new MetalError(409, 'InvalidStateRequested', `The requested action "${what}" can not be performed on node "${node.uuid}" while it is in state "power on".`);
  }
}

export const volumeRoutes: Routes = (app, deps) => {
  const needVolume = (x: ApiContext) => {
    if (x.minor < 32) throw notFound();
  };
  const volumeRoot = (x: ApiContext, nodeIdent?: string): Json => {
    const resource = nodeIdent ? 'nodes' : 'volume';
    const args = nodeIdent ? `${nodeIdent}/volume/` : '';
    return {
      links: [makeLink('self', x.base, resource, args), makeLink('bookmark', x.base, resource, args, true)],
      connectors: [makeLink('self', x.base, resource, `${args}connectors`), makeLink('bookmark', x.base, resource, `${args}connectors`, true)],
      targets: [makeLink('self', x.base, resource, `${args}targets`), makeLink('bookmark', x.base, resource, `${args}targets`, true)],
    };
  };
  app.get('/v1/volume', async (req) => {
    const x = ctx(req, deps);
    needVolume(x);
    return volumeRoot(x);
  });
  app.get('/v1/nodes/:ident/volume', async (req) => {
    const x = ctx(req, deps);
    needVolume(x);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return volumeRoot(x, node.uuid);
  });

  const scope = (x: ApiContext) => (qb: any) =>
    x.admin ? qb : qb.where('node_id', 'in', (eb: any) => eb.selectFrom('metal_nodes').select('id').where((e: any) => e.or([e('owner', '=', x.project), e('lessee', '=', x.project)])));

  const renderConnectors = async (x: ApiContext, rows: VolumeConnectorRecord[], fields?: readonly string[]) => {
    const uuids = await nodeUuidMap(deps, rows.map((r) => r.node_id));
    return rows.map((c) =>
      shape(
        {
          uuid: c.uuid,
          node_uuid: uuids.get(c.node_id) ?? null,
          type: c.type,
          connector_id: c.connector_id,
          extra: c.extra,
          created_at: isoTime(c.created_at),
          updated_at: isoTime(c.updated_at),
          links: selfLinks(x.base, 'volume/connectors', c.uuid),
        },
        CONNECTOR_FIELDS,
        x.minor,
        fields,
      ),
    );
  };
  const renderTargets = async (x: ApiContext, rows: VolumeTargetRecord[], fields?: readonly string[]) => {
    const uuids = await nodeUuidMap(deps, rows.map((r) => r.node_id));
    return rows.map((t) =>
      shape(
        {
          uuid: t.uuid,
          node_uuid: uuids.get(t.node_id) ?? null,
          volume_type: t.volume_type,
          properties: t.properties,
          boot_index: t.boot_index,
          volume_id: t.volume_id,
          extra: t.extra,
          created_at: isoTime(t.created_at),
          updated_at: isoTime(t.updated_at),
          links: selfLinks(x.base, 'volume/targets', t.uuid),
        },
        TARGET_FIELDS,
        x.minor,
        fields,
      ),
    );
  };

  const nodeOfBody = async (x: ApiContext, uuid: unknown): Promise<NodeRecord> => {
    if (typeof uuid !== 'string' || !UUID_STRICT.test(uuid)) throw invalidParameter(`Expected UUID for node_uuid: ${String(uuid)}`);
    const node = await nodesTable.byUuid(deps.db, uuid);
    if (!node || relationTo(x, node) === 'none') throw new MetalError(400, 'NodeNotFound', `Node ${uuid} could not be found.`);
    if (!x.admin && relationTo(x, node) !== 'owner') throw forbidden();
    return node;
  };

  const volumeList = <R extends VolumeConnectorRecord | VolumeTargetRecord>(kind: 'connectors' | 'targets') =>
    async (x: ApiContext, q: Query, nodeIdent?: string, detailRoute = false) => {
      needVolume(x);
      let nodeId: number | undefined;
      const ident = nodeIdent ?? q.node;
      if (ident !== undefined) {
        const n = await findNode(deps.db, ident);
        if (!n || relationTo(x, n) === 'none') throw nodeNotFound(ident);
        nodeId = n.id;
      }
      const isConnectors = kind === 'connectors';
      return listResponse<R>(deps, x, q, {
        resource: nodeIdent ? `nodes/${nodeIdent}/volume/${kind}` : `volume/${kind}${detailRoute ? '/detail' : ''}`,
        key: kind,
        set: isConnectors ? CONNECTOR_FIELDS : TARGET_FIELDS,
        table: (isConnectors ? volumeConnectors : volumeTargets) as never,
        detailRoute,
        markerNotFound: isConnectors ? volumeConnectorNotFound : volumeTargetNotFound,
        where: (qb) => {
          let w = scope(x)(qb);
          if (nodeId !== undefined) w = w.where('node_id', '=', nodeId);
          return w;
        },
        render: (rows, fields) => (isConnectors ? renderConnectors(x, rows as VolumeConnectorRecord[], fields) : renderTargets(x, rows as VolumeTargetRecord[], fields)),
      });
    };
  const listConnectors = volumeList<VolumeConnectorRecord>('connectors');
  const listTargets = volumeList<VolumeTargetRecord>('targets');

  app.get('/v1/volume/connectors', async (req) => listConnectors(ctx(req, deps), req.query as Query));
  app.get('/v1/volume/connectors/detail', async (req) => listConnectors(ctx(req, deps), req.query as Query, undefined, true));
  app.get('/v1/volume/targets', async (req) => listTargets(ctx(req, deps), req.query as Query));
  app.get('/v1/volume/targets/detail', async (req) => listTargets(ctx(req, deps), req.query as Query, undefined, true));
  app.get('/v1/nodes/:ident/volume/connectors', async (req) => {
    const x = ctx(req, deps);
    needVolume(x);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listConnectors(x, req.query as Query, node.uuid);
  });
  app.get('/v1/nodes/:ident/volume/targets', async (req) => {
    const x = ctx(req, deps);
    needVolume(x);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return listTargets(x, req.query as Query, node.uuid);
  });

  const loadVolume = async <R extends { node_id: number }>(x: ApiContext, table: typeof volumeConnectors | typeof volumeTargets, ident: string, missing: (s: string) => Error): Promise<R> => {
    needVolume(x);
    if (!UUID_STRICT.test(ident)) throw invalidParameter(`Expected UUID for ${ident}: ${ident}`);
    const row = (await table.byUuid(deps.db, ident)) as unknown as R | undefined;
    if (!row) throw missing(ident);
    if (!x.admin) {
      const node = await nodesTable.byId(deps.db, row.node_id);
      if (!node || relationTo(x, node) === 'none') throw missing(ident);
    }
    return row;
  };

  app.get('/v1/volume/connectors/:uuid', async (req) => {
    const x = ctx(req, deps);
    const fields = fieldList((req.query as Query).fields);
    checkFields(CONNECTOR_FIELDS, fields, x.minor);
    const c = await loadVolume<VolumeConnectorRecord>(x, volumeConnectors, (req.params as { uuid: string }).uuid, volumeConnectorNotFound);
    return (await renderConnectors(x, [c], fields))[0];
  });
  app.get('/v1/volume/targets/:uuid', async (req) => {
    const x = ctx(req, deps);
    const fields = fieldList((req.query as Query).fields);
    checkFields(TARGET_FIELDS, fields, x.minor);
    const t = await loadVolume<VolumeTargetRecord>(x, volumeTargets, (req.params as { uuid: string }).uuid, volumeTargetNotFound);
    return (await renderTargets(x, [t], fields))[0];
  });

  app.post('/v1/volume/connectors', async (req, reply) => {
    const x = ctx(req, deps);
    needVolume(x);
    const body = requireBody(req.body, 'volume_connector');
    checkSchema('volume_connector', CONNECTOR_SCHEMA, body);
    const node = await nodeOfBody(x, body.node_uuid);
    checkConnector(body.type as string, body.connector_id as string);
    if (body.uuid !== undefined && body.uuid !== null && !UUID_STRICT.test(String(body.uuid))) throw invalidParameter(`Expected UUID for uuid: ${String(body.uuid)}`);
    const uuid = ((body.uuid as string | null) ?? randomUUID()).toLowerCase();
    let c: VolumeConnectorRecord;
    try {
      c = await volumeConnectors.insert(deps.db, { uuid, node_id: node.id, type: body.type as string, connector_id: body.connector_id as string, extra: (body.extra as Json | null) ?? {}, created_at: Date.now(), updated_at: null });
    } catch (err) {
      if (isUniqueViolation(err)) {
        if (/uuid/.test(String((err as Error).message))) throw new MetalError(409, 'VolumeConnectorAlreadyExists', `A volume connector with UUID ${uuid} already exists.`);
        throw new MetalError(409, 'VolumeConnectorTypeAndIdAlreadyExists', `A volume connector with type ${String(body.type)} and connector ID ${String(body.connector_id)} already exists.`);
      }
      throw err;
    }
    void reply.status(201).header('Location', `${x.base}/v1/volume/connectors/${c.uuid}`);
    return (await renderConnectors(x, [c]))[0];
  });

  app.post('/v1/volume/targets', async (req, reply) => {
    const x = ctx(req, deps);
    needVolume(x);
    const body = requireBody(req.body, 'volume_target');
    checkSchema('volume_target', TARGET_SCHEMA, body);
    const node = await nodeOfBody(x, body.node_uuid);
    if (body.uuid !== undefined && body.uuid !== null && !UUID_STRICT.test(String(body.uuid))) throw invalidParameter(`Expected UUID for uuid: ${String(body.uuid)}`);
    const uuid = ((body.uuid as string | null) ?? randomUUID()).toLowerCase();
    let t: VolumeTargetRecord;
    try {
      t = await volumeTargets.insert(deps.db, {
        uuid,
        node_id: node.id,
        volume_type: body.volume_type as string,
        properties: (body.properties as Json | null) ?? {},
        boot_index: body.boot_index as number,
        volume_id: body.volume_id as string,
        extra: (body.extra as Json | null) ?? {},
        created_at: Date.now(),
        updated_at: null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        if (/uuid/.test(String((err as Error).message))) throw new MetalError(409, 'VolumeTargetAlreadyExists', `A volume target with UUID ${uuid} already exists.`);
        throw new MetalError(409, 'VolumeTargetBootIndexAlreadyExists', `A volume target with boot index '${String(body.boot_index)}' for the same node already exists.`);
      }
      throw err;
    }
    void reply.status(201).header('Location', `${x.base}/v1/volume/targets/${t.uuid}`);
    return (await renderTargets(x, [t]))[0];
  });

  app.patch('/v1/volume/connectors/:uuid', async (req) => {
    const x = ctx(req, deps);
    const ops = parsePatch(req.body);
    checkAllowedFields(ops, ['connector_id', 'extra', 'node_uuid', 'type']);
    const c = await loadVolume<VolumeConnectorRecord>(x, volumeConnectors, (req.params as { uuid: string }).uuid, volumeConnectorNotFound);
    const [view] = await renderConnectors(x, [c], CONNECTOR_FIELDS.all);
    const patched = applyPatch({ connector_id: view.connector_id, extra: view.extra, node_uuid: view.node_uuid, type: view.type }, ops);
    checkSchema('volume_connector', CONNECTOR_SCHEMA, patched);
    checkConnector(patched.type as string, patched.connector_id as string);
    const node = await nodeOfBody(x, patched.node_uuid);
    checkVolumeChangeAllowed(node, 'update volume connector');
    let updated;
    try {
      updated = await volumeConnectors.update(deps.db, c.id, { node_id: node.id, type: patched.type as string, connector_id: patched.connector_id as string, extra: (patched.extra as Json | null) ?? {}, updated_at: Date.now() });
    } catch (err) {
      if (isUniqueViolation(err)) throw new MetalError(409, 'VolumeConnectorTypeAndIdAlreadyExists', `A volume connector with type ${String(patched.type)} and connector ID ${String(patched.connector_id)} already exists.`);
      throw err;
    }
    return (await renderConnectors(x, [updated!]))[0];
  });

  app.patch('/v1/volume/targets/:uuid', async (req) => {
    const x = ctx(req, deps);
    const ops = parsePatch(req.body);
    checkAllowedFields(ops, ['boot_index', 'extra', 'node_uuid', 'properties', 'volume_id', 'volume_type']);
    const t = await loadVolume<VolumeTargetRecord>(x, volumeTargets, (req.params as { uuid: string }).uuid, volumeTargetNotFound);
    const [view] = await renderTargets(x, [t], TARGET_FIELDS.all);
    const doc: Json = {};
    for (const f of ['boot_index', 'extra', 'node_uuid', 'properties', 'volume_id', 'volume_type']) doc[f] = view[f];
    const patched = applyPatch(doc, ops);
    checkSchema('volume_target', TARGET_SCHEMA, patched);
    const node = await nodeOfBody(x, patched.node_uuid);
    checkVolumeChangeAllowed(node, 'update volume target');
    let updated;
    try {
      updated = await volumeTargets.update(deps.db, t.id, {
        node_id: node.id,
        boot_index: patched.boot_index as number,
        volume_id: patched.volume_id as string,
        volume_type: patched.volume_type as string,
        properties: (patched.properties as Json | null) ?? {},
        extra: (patched.extra as Json | null) ?? {},
        updated_at: Date.now(),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new MetalError(409, 'VolumeTargetBootIndexAlreadyExists', `A volume target with boot index '${String(patched.boot_index)}' for the same node already exists.`);
      throw err;
    }
    return (await renderTargets(x, [updated!]))[0];
  });

  const deleteVolume = (kind: 'connectors' | 'targets') => async (req: any, reply: any) => {
    const x = ctx(req, deps);
    const table = kind === 'connectors' ? volumeConnectors : volumeTargets;
    const row = await loadVolume<{ id: number; node_id: number }>(x, table, req.params.uuid, kind === 'connectors' ? volumeConnectorNotFound : volumeTargetNotFound);
    const node = await nodesTable.byId(deps.db, row.node_id);
    if (node) {
      if (!x.admin && relationTo(x, node) !== 'owner') throw forbidden();
      checkVolumeChangeAllowed(node, `delete volume ${kind === 'connectors' ? 'connector' : 'target'}`);
    }
    await table.delete(deps.db, row.id);
    void reply.status(204);
  };
  app.delete('/v1/volume/connectors/:uuid', deleteVolume('connectors'));
  app.delete('/v1/volume/targets/:uuid', deleteVolume('targets'));
};
