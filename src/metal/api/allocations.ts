/**
 * /v1/allocations (1.52) and /v1/nodes/{id}/allocation, after Ironic's
 * allocation.py and conductor/allocations.py. Strata allocates within the
 * request: candidates are filtered in SQL and reserved with a conditional
 * UPDATE (no allocation_id, no instance_uuid), so parallel allocations never
 * share a node; the answer is already `active` or `error`.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { allocations as allocTable, nodes as nodesTable } from '../db/tables.js';
import { findNode, traitsOf } from '../db/nodes.js';
import type { AllocationRecord, Json, NodeRecord } from '../db/records.js';
import { allocationNotFound, forbidden, invalid, invalidParameter, invalidState, MetalError, notAcceptable, notFound, nodeNotFound } from '../conductor/errors.js';
import { ctx, loadNode, type ApiDeps, type Routes } from './deps.js';
import { checkFields, listResponse, requireBody, shape, type FieldSet } from './collection.js';
import { checkSchema, fieldList, isoTime, isValidName, selfLinks, UUID_STRICT } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch } from './patch.js';
import type { ApiContext } from './context.js';
import { isUuid } from '../db/table.js';

export const ALLOCATION_FIELDS: FieldSet = {
  all: ['uuid', 'name', 'node_uuid', 'state', 'last_error', 'resource_class', 'traits', 'candidate_nodes', 'extra', 'owner', 'created_at', 'updated_at'],
  min: { owner: 60 },
  defaults: ['uuid', 'name', 'node_uuid', 'state', 'last_error', 'resource_class', 'traits', 'candidate_nodes', 'extra', 'owner', 'created_at', 'updated_at'],
  detailMin: 999,
};

const ALLOCATION_SCHEMA = {
  type: 'object',
  properties: {
    candidate_nodes: { type: ['array', 'null'], items: { type: 'string' } },
    extra: { type: ['object', 'null'] },
    name: { type: ['string', 'null'] },
    node: { type: ['string', 'null'] },
    owner: { type: ['string', 'null'] },
    resource_class: { type: ['string', 'null'], maxLength: 80 },
    traits: { type: ['array', 'null'], items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Z0-9_]+$' } },
    uuid: { type: ['string', 'null'] },
  },
  additionalProperties: false,
};

type Query = Record<string, string | undefined>;

async function render(deps: ApiDeps, x: ApiContext, rows: AllocationRecord[], fields?: readonly string[]): Promise<Json[]> {
  const ids = [...new Set(rows.map((a) => a.node_id).filter((v): v is number => v !== null))];
  const uuids = new Map<number, string>();
  if (ids.length) for (const r of await deps.db.selectFrom('metal_nodes').select(['id', 'uuid']).where('id', 'in', ids).execute()) uuids.set(Number(r.id), r.uuid);
  return rows.map((a) =>
    shape(
      {
        uuid: a.uuid,
        name: a.name,
        node_uuid: a.node_id !== null ? (uuids.get(a.node_id) ?? null) : null,
        state: a.state,
        last_error: a.last_error,
        resource_class: a.resource_class,
        traits: a.traits,
        candidate_nodes: a.candidate_nodes,
        extra: a.extra,
        owner: a.owner,
        created_at: isoTime(a.created_at),
        updated_at: isoTime(a.updated_at),
        links: selfLinks(x.base, 'allocations', a.uuid),
      },
      ALLOCATION_FIELDS,
      x.minor,
      fields,
    ),
  );
}

const failedMsg = (uuid: string, error: string) => `Failed to process allocation ${uuid}: ${error}.`;

/** Picks and reserves a node for the allocation (Ironic's _candidate_nodes + _allocate_node). */
async function allocate(deps: ApiDeps, a: AllocationRecord): Promise<AllocationRecord> {
  let q = deps.db
    .selectFrom('metal_nodes')
    .selectAll()
    .where('provision_state', '=', 'available')
    .where('instance_uuid', 'is', null)
    .where('allocation_id', 'is', null)
    .where('power_state', 'is not', null)
    .where('maintenance', '=', 0)
    .where('resource_class', '=', a.resource_class);
  if (a.candidate_nodes.length) q = q.where('uuid', 'in', a.candidate_nodes);
  if (a.owner) {
    const owner = a.owner;
    q = q.where((eb) => eb.or([eb('owner', '=', owner), eb('lessee', '=', owner)]));
  }
  let candidates = (await q.execute()).map((r) => nodesTable.decode(r));
  const fail = async (error: string) => (await allocTable.update(deps.db, a.id, { state: 'error', last_error: failedMsg(a.uuid, error), node_id: null, updated_at: Date.now() }))!;
  if (!candidates.length) {
    return fail(
      a.candidate_nodes.length
        ? `none of the requested nodes are available and match the resource class ${a.resource_class}`
        : `no available nodes match the resource class ${a.resource_class}`,
    );
  }
  if (a.traits.length) {
    const traits = await traitsOf(deps.db, candidates.map((n) => n.id));
    candidates = candidates.filter((n) => a.traits.every((t) => traits.get(n.id)?.includes(t)));
    if (!candidates.length) return fail(`no suitable nodes have the requested traits ${a.traits.join(', ')}`);
  }
  // Parallel allocations should not all race for the same first node.
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  for (const n of candidates) {
    const taken = await deps.db.transaction().execute(async (trx) => {
      const got = await nodesTable.update(
        trx,
        n.id,
        { allocation_id: a.id, instance_uuid: a.uuid, updated_at: Date.now() },
        { allocation_id: null, instance_uuid: null, reservation: null, provision_state: 'available', maintenance: false },
      );
      if (!got) return undefined;
      return allocTable.update(trx, a.id, { node_id: n.id, state: 'active', last_error: null, updated_at: Date.now() });
    });
    if (taken) return taken;
  }
  return fail(`could not reserve any of ${candidates.length} suitable nodes`);
}

/** Backfilling (1.58): an allocation for a node already deployed by other means. */
async function backfill(deps: ApiDeps, a: AllocationRecord, node: NodeRecord): Promise<AllocationRecord> {
  const errors: string[] = [];
  if (node.provision_state !== 'active') errors.push(`Node must be in the "active" state, but the current state is "${node.provision_state}"`);
  if (a.resource_class && node.resource_class !== a.resource_class) errors.push(`Resource class ${node.resource_class} does not match the requested resource class ${a.resource_class}`);
  const traits = (await traitsOf(deps.db, [node.id])).get(node.id) ?? [];
  if (a.traits.length && !a.traits.every((t) => traits.includes(t))) errors.push(`List of traits ${JSON.stringify(traits)} does not match the requested traits ${JSON.stringify(a.traits)}`);
  if (a.candidate_nodes.length && !a.candidate_nodes.includes(node.uuid)) errors.push(`Candidate nodes must be empty or contain the target node, but got ${JSON.stringify(a.candidate_nodes)}`);
  if (node.allocation_id !== null) errors.push('the node already has an allocation');
  if (node.instance_uuid && node.instance_uuid !== a.uuid) errors.push(`the node is associated with instance ${node.instance_uuid}`);
  if (errors.length) {
    return (await allocTable.update(deps.db, a.id, { state: 'error', last_error: failedMsg(a.uuid, `Cannot backfill an allocation for node ${node.uuid}: ${errors.join('; ')}`), updated_at: Date.now() }))!;
  }
  return deps.conductor.withLock(node, async () => {
    await nodesTable.update(deps.db, node.id, { allocation_id: a.id, instance_uuid: a.uuid, updated_at: Date.now() });
    return { result: (await allocTable.update(deps.db, a.id, { node_id: node.id, state: 'active', updated_at: Date.now() }))! };
  });
}

/** Deleting an allocation frees its node, unless the node is deployed and not in maintenance. */
async function destroyAllocation(deps: ApiDeps, a: AllocationRecord): Promise<void> {
  const node = a.node_id !== null ? await nodesTable.byId(deps.db, a.node_id) : undefined;
  if (node && node.allocation_id === a.id) {
    if (node.provision_state === 'active' && !node.maintenance) {
      throw invalidState(`Cannot remove allocation ${a.uuid} for node ${node.uuid}, because the node is active (and maintenance mode is off)`);
    }
    await deps.conductor.updateNode(node, { allocation_id: null, instance_uuid: node.instance_uuid === a.uuid ? null : node.instance_uuid });
  }
  await allocTable.delete(deps.db, a.id);
}

export const allocationRoutes: Routes = (app, deps) => {
  const need = (x: ApiContext) => {
    if (x.minor < 52) throw notFound();
  };
  const load = async (x: ApiContext, ident: string): Promise<AllocationRecord> => {
    const a = isUuid(ident) ? await allocTable.byUuid(deps.db, ident) : await allocTable.byColumn(deps.db, 'name', ident);
    if (!a) throw allocationNotFound(ident);
    if (!x.admin && a.owner !== x.project) throw allocationNotFound(ident);
    return a;
  };

  app.get('/v1/allocations', async (req) => {
    const x = ctx(req, deps);
    need(x);
    const q = req.query as Query;
    if (q.owner !== undefined && x.minor < 60) throw notAcceptable();
    let nodeId: number | undefined;
    if (q.node !== undefined) {
      const n = await findNode(deps.db, q.node);
      if (!n) throw nodeNotFound(q.node);
      nodeId = n.id;
    }
    if (q.state !== undefined && !['allocating', 'active', 'error'].includes(q.state)) throw invalidParameter(`Invalid allocation state ${q.state}`);
    return listResponse<AllocationRecord>(deps, x, q, {
      resource: 'allocations',
      key: 'allocations',
      set: ALLOCATION_FIELDS,
      table: allocTable,
      markerNotFound: allocationNotFound,
      where: (qb) => {
        let w = qb;
        if (nodeId !== undefined) w = w.where('node_id', '=', nodeId);
        if (q.resource_class !== undefined) w = w.where('resource_class', '=', q.resource_class);
        if (q.state !== undefined) w = w.where('state', '=', q.state);
        if (q.owner !== undefined) w = w.where('owner', '=', q.owner);
        if (!x.admin) w = w.where('owner', '=', x.project);
        return w;
      },
      render: (rows, fields) => render(deps, x, rows, fields),
    });
  });

  app.get('/v1/allocations/:ident', async (req) => {
    const x = ctx(req, deps);
    need(x);
    const fields = fieldList((req.query as Query).fields);
    checkFields(ALLOCATION_FIELDS, fields, x.minor);
    return (await render(deps, x, [await load(x, (req.params as { ident: string }).ident)], fields))[0];
  });

  app.post('/v1/allocations', async (req, reply) => {
    const x = ctx(req, deps);
    need(x);
    const body = requireBody(req.body, 'allocation');
    checkSchema('allocation', ALLOCATION_SCHEMA, body);
    if (body.owner !== undefined && body.owner !== null && x.minor < 60) throw notAcceptable();
    if (body.uuid !== undefined && body.uuid !== null && !UUID_STRICT.test(String(body.uuid))) throw invalidParameter(`Expected UUID for uuid: ${String(body.uuid)}`);
    if (body.name && !isValidName(String(body.name))) throw invalid(`Cannot create allocation with invalid name '${String(body.name)}'`);
    let owner = (body.owner as string | null) ?? null;
    if (!x.admin) {
      if (owner && owner !== x.project) {
        throw forbidden(`Cannot create allocation with an owner Project ID value ${owner} not matching the requestor Project ID ${x.project}. Policy baremetal:allocation:create_restricted is required for this capability.`);
      }
      owner = x.project;
    }
    let node: NodeRecord | undefined;
    if (body.node) {
      if (x.minor < 58) throw invalid('Cannot set node when creating an allocation in this API version');
      node = await findNode(deps.db, String(body.node));
      if (!node || (!x.admin && node.owner !== x.project && node.lessee !== x.project)) throw new MetalError(400, 'NodeNotFound', `Node ${String(body.node)} could not be found.`);
    }
    let resourceClass = (body.resource_class as string | null) ?? null;
    if (!resourceClass) {
      if (node) resourceClass = node.resource_class;
      else throw invalid('The resource_class field is mandatory when not backfilling');
    }
    const candidates: string[] = [];
    for (const ident of (body.candidate_nodes as string[] | null) ?? []) {
      const n = await findNode(deps.db, ident);
      if (!n || (!x.admin && n.owner !== x.project && n.lessee !== x.project)) throw new MetalError(400, 'NodeNotFound', `Node ${ident} could not be found.`);
      candidates.push(n.uuid);
    }
    const uuid = ((body.uuid as string | null) ?? (node?.instance_uuid || randomUUID())).toLowerCase();
    let a: AllocationRecord;
    try {
      a = await allocTable.insert(deps.db, {
        uuid,
        name: (body.name as string | null) ?? null,
        node_id: null,
        state: 'allocating',
        last_error: null,
        resource_class: resourceClass,
        traits: (body.traits as string[] | null) ?? [],
        candidate_nodes: candidates,
        extra: (body.extra as Json | null) ?? {},
        owner,
        created_at: Date.now(),
        updated_at: null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        if (/name/.test(String((err as Error).message))) throw new MetalError(409, 'AllocationDuplicateName', `An allocation with name ${String(body.name)} already exists.`);
        throw new MetalError(409, 'AllocationAlreadyExists', `An allocation with UUID ${uuid} already exists.`);
      }
      throw err;
    }
    a = node ? await backfill(deps, a, node) : await allocate(deps, a);
    void reply.status(201).header('Location', `${x.base}/v1/allocations/${a.uuid}`);
    return (await render(deps, x, [a]))[0];
  });

  app.patch('/v1/allocations/:ident', async (req) => {
    const x = ctx(req, deps);
    need(x);
    if (x.minor < 57) throw new MetalError(405, 'MethodNotAllowed', 'The API version does not allow updating allocations');
    const ops = parsePatch(req.body);
    checkAllowedFields(ops, ['name', 'extra']);
    const a = await load(x, (req.params as { ident: string }).ident);
    const patched = applyPatch({ name: a.name, extra: a.extra }, ops);
    checkSchema('allocation', ALLOCATION_SCHEMA, patched);
    if (patched.name && !isValidName(String(patched.name))) throw invalid(`Cannot update allocation with invalid name '${String(patched.name)}'`);
    let updated;
    try {
      updated = await allocTable.update(deps.db, a.id, { name: (patched.name as string | null) ?? null, extra: (patched.extra as Json | null) ?? {}, updated_at: Date.now() });
    } catch (err) {
      if (isUniqueViolation(err)) throw new MetalError(409, 'AllocationDuplicateName', `An allocation with name ${String(patched.name)} already exists.`);
      throw err;
    }
    if (!updated) throw allocationNotFound(a.uuid);
    return (await render(deps, x, [updated]))[0];
  });

  app.delete('/v1/allocations/:ident', async (req, reply) => {
    const x = ctx(req, deps);
    need(x);
    await destroyAllocation(deps, await load(x, (req.params as { ident: string }).ident));
    void reply.status(204);
  });

  app.get('/v1/nodes/:ident/allocation', async (req) => {
    const x = ctx(req, deps);
    need(x);
    const { ident } = req.params as { ident: string };
    const node = await loadNode(deps, x, ident);
    const fields = fieldList((req.query as Query).fields);
    checkFields(ALLOCATION_FIELDS, fields, x.minor);
    const a = node.allocation_id !== null ? await allocTable.byId(deps.db, node.allocation_id) : undefined;
    if (!a) throw new MetalError(404, 'AllocationNotFound', `Allocation for node ${ident} could not be found.`);
    return (await render(deps, x, [a], fields))[0];
  });

  app.delete('/v1/nodes/:ident/allocation', async (req, reply) => {
    const x = ctx(req, deps);
    need(x);
    const { ident } = req.params as { ident: string };
    const node = await loadNode(deps, x, ident, 'update');
    const a = node.allocation_id !== null ? await allocTable.byId(deps.db, node.allocation_id) : undefined;
    if (!a) throw new MetalError(404, 'AllocationNotFound', `Allocation for node ${ident} could not be found.`);
    await destroyAllocation(deps, a);
    void reply.status(204);
  });
};
