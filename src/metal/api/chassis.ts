/** /v1/chassis (admin only, as in Ironic) and /v1/chassis/{uuid}/nodes. */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { chassis as chassisTable } from '../db/tables.js';
import type { ChassisRecord, Json } from '../db/records.js';
import { chassisNotFound, invalidParameter, MetalError, notAcceptable } from '../conductor/errors.js';
import { ctx, type Routes } from './deps.js';
import { checkFields, listResponse, requireBody, shape, type FieldSet } from './collection.js';
import { checkSchema, fieldList, isoTime, selfLinks, UUID_STRICT } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch } from './patch.js';
import { listNodesResponse } from './node-lists.js';
import type { ApiContext } from './context.js';

export const CHASSIS_FIELDS: FieldSet = {
  all: ['uuid', 'description', 'extra', 'created_at', 'updated_at'],
  min: {},
  defaults: ['uuid', 'description'],
};

const CHASSIS_SCHEMA = {
  type: 'object',
  properties: { description: { type: ['string', 'null'], maxLength: 255 }, extra: { type: ['object', 'null'] }, uuid: { type: ['string', 'null'] } },
  additionalProperties: false,
};

type Query = Record<string, string | undefined>;

function render(x: ApiContext, rows: ChassisRecord[], fields?: readonly string[]): Json[] {
  return rows.map((c) => {
    const full: Json = {
      uuid: c.uuid,
      description: c.description,
      extra: c.extra,
      created_at: isoTime(c.created_at),
      updated_at: isoTime(c.updated_at),
      links: selfLinks(x.base, 'chassis', c.uuid),
    };
    if (fields === undefined) full.nodes = selfLinks(x.base, 'chassis', `${c.uuid}/nodes`);
    return shape(full, CHASSIS_FIELDS, x.minor, fields);
  });
}

export const chassisRoutes: Routes = (app, deps) => {
  const admin = { config: { role: 'admin' as const } };
  const load = async (ident: string) => {
    if (!UUID_STRICT.test(ident)) throw invalidParameter(`Expected UUID for chassis_uuid: ${ident}`);
    const c = await chassisTable.byUuid(deps.db, ident);
    if (!c) throw chassisNotFound(ident);
    return c;
  };
  const list = (x: ApiContext, q: Query, detailRoute: boolean) =>
    listResponse<ChassisRecord>(deps, x, q, {
      resource: detailRoute ? 'chassis/detail' : 'chassis',
      key: 'chassis',
      set: CHASSIS_FIELDS,
      table: chassisTable,
      detailRoute,
      markerNotFound: chassisNotFound,
      where: (qb) => qb,
      render: async (rows, fields) => render(x, rows, fields),
    });

  app.get('/v1/chassis', admin, async (req) => list(ctx(req, deps), req.query as Query, false));
  app.get('/v1/chassis/detail', admin, async (req) => list(ctx(req, deps), req.query as Query, true));
  app.get('/v1/chassis/:uuid', admin, async (req) => {
    const x = ctx(req, deps);
    const fields = fieldList((req.query as Query).fields);
    checkFields(CHASSIS_FIELDS, fields, x.minor);
    return render(x, [await load((req.params as { uuid: string }).uuid)], fields)[0];
  });
  const chassisNodes = async (x: ApiContext, uuid: string, q: Query, detailRoute: boolean) => {
    const c = await load(uuid);
    return listNodesResponse(deps, x, q, { resource: `chassis/${c.uuid}/nodes${detailRoute ? '/detail' : ''}`, detailRoute, extraFilters: { chassis_id: c.id } });
  };
  app.get('/v1/chassis/:uuid/nodes', admin, async (req, reply) =>
    reply.type('application/json').send(await chassisNodes(ctx(req, deps), (req.params as { uuid: string }).uuid, req.query as Query, false)),
  );
  app.get('/v1/chassis/:uuid/nodes/detail', admin, async (req, reply) =>
    reply.type('application/json').send(await chassisNodes(ctx(req, deps), (req.params as { uuid: string }).uuid, req.query as Query, true)),
  );

  app.post('/v1/chassis', admin, async (req, reply) => {
    const x = ctx(req, deps);
    const body = requireBody(req.body, 'chassis');
    checkSchema('chassis', CHASSIS_SCHEMA, body);
    if (body.uuid !== undefined && body.uuid !== null && !UUID_STRICT.test(String(body.uuid))) throw invalidParameter(`Expected UUID for uuid: ${String(body.uuid)}`);
    const uuid = ((body.uuid as string | null) ?? randomUUID()).toLowerCase();
    let c: ChassisRecord;
    try {
      c = await chassisTable.insert(deps.db, { uuid, description: (body.description as string | null) ?? null, extra: (body.extra as Json | null) ?? {}, created_at: Date.now(), updated_at: null });
    } catch (err) {
      if (isUniqueViolation(err)) throw new MetalError(409, 'ChassisAlreadyExists', `A chassis with UUID ${uuid} already exists.`);
      throw err;
    }
    void reply.status(201).header('Location', `${x.base}/v1/chassis/${c.uuid}`);
    return render(x, [c])[0];
  });

  app.patch('/v1/chassis/:uuid', admin, async (req) => {
    const x = ctx(req, deps);
    const ops = parsePatch(req.body);
    checkAllowedFields(ops, ['description', 'extra']);
    const c = await load((req.params as { uuid: string }).uuid);
    const doc: Json = { description: c.description, extra: c.extra };
    const patched = applyPatch(doc, ops);
    checkSchema('chassis', CHASSIS_SCHEMA, patched);
    const updated = await chassisTable.update(deps.db, c.id, { description: (patched.description as string | null) ?? null, extra: (patched.extra as Json | null) ?? {}, updated_at: Date.now() });
    if (!updated) throw chassisNotFound(c.uuid);
    return render(x, [updated])[0];
  });

  app.delete('/v1/chassis/:uuid', admin, async (req, reply) => {
    const c = await load((req.params as { uuid: string }).uuid);
    const member = await deps.db.selectFrom('metal_nodes').select('id').where('chassis_id', '=', c.id).limit(1).executeTakeFirst();
    if (member) throw new MetalError(400, 'ChassisNotEmpty', `Cannot complete the requested action because chassis ${c.uuid} contains nodes.`);
    await chassisTable.delete(deps.db, c.id);
    void reply.status(204);
  });
  void notAcceptable;
};
