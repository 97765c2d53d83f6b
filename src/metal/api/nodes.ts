/**
 * /v1/nodes: list (default fields, `detail`, `fields`, filters, paging,
 * sorting), show, create, JSON Patch update and delete, with Ironic's
 * checks and messages (api/controllers/v1/node.py, conductor update_node
 * and destroy_node).
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { DriverError, INTERFACE_KINDS } from '../drivers/index.js';
import { DELETE_ALLOWED_STATES, FAULTS, initialProvisionState, INTERFACE_UPDATE_STATES, isProvisionState, UPDATE_ALLOWED_STATES } from '../states.js';
import { findNodeRow, listNodeRows, type NodeFilters } from '../db/nodes.js';
import { nodes, chassis as chassisTable } from '../db/tables.js';
import { INTERFACE_FIELDS, type Json, type NodeRecord } from '../db/records.js';
import { isUuid } from '../db/table.js';
import {
  conflict,
  duplicateName,
  instanceAssociated,
  invalid,
  invalidParameter,
  invalidState,
  MetalError,
  nodeAlreadyExists,
  nodeAssociated,
  nodeNotFound,
  nodeProtected,
  notAcceptable,
  chassisNotFound,
  forbidden,
} from '../conductor/errors.js';
import { checkNodeFields, DEFAULT_NODE_LIST_FIELDS, fieldVisible } from './node-view.js';
import { checkIdent, ctx, loadNode, nextLink, nodeColumns, viewNode, viewNodeRowsJson, type ApiDeps, type Routes } from './deps.js';
import { checkSchema, fieldList, isValidName, optBool, sortKeyChecked, toBool, UUID_STRICT, validateLimit, validateSortDir } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch, patchValues, rootOf, touches } from './patch.js';
import {
  CONDUCTOR_GROUP_RE,
  NODE_BOOL_FIELDS,
  NODE_DESCRIPTION_MAX,
  NODE_PATCH_SCHEMA,
  NODE_SCHEMA,
  NODE_UUID_FIELDS,
  PATCH_ALLOWED_FIELDS,
  RESERVED_NODE_NAMES,
} from './node-schema.js';
import { relationTo, type ApiContext } from './context.js';

/** Node fields that cannot be sort keys (Ironic's invalid_sort_key_list plus computed ones). */
const UNSORTABLE = ['properties', 'driver_info', 'extra', 'instance_info', 'driver_internal_info', 'clean_step', 'deploy_step', 'raid_config', 'target_raid_config', 'traits', 'network_data'];

type Query = Record<string, string | undefined>;

/** Version gates of the node list filters (Ironic's check_allow_filter_by_*). */
const FILTER_MIN: Record<string, number> = {
  provision_state: 9,
  driver: 16,
  resource_class: 21,
  fault: 42,
  conductor_group: 46,
  conductor: 49,
  owner: 50,
  description_contains: 51,
  lessee: 65,
  project: 65,
  retired: 61,
};

function minVersionError(min: number) {
  return notAcceptable(`Request not acceptable. The minimal required API version should be 1.${min}`);
}

export function nodeFiltersFrom(q: Query, x: ApiContext): NodeFilters & { conductor?: string } {
  for (const [k, min] of Object.entries(FILTER_MIN)) if (q[k] !== undefined && x.minor < min) throw minVersionError(min);
  const f: NodeFilters & { conductor?: string } = {};
  if (q.provision_state !== undefined) {
    if (!isProvisionState(q.provision_state)) throw invalidParameter(`Provision state "${q.provision_state}" is not valid`);
    f.provision_state = q.provision_state;
  }
  if (q.fault !== undefined) {
    if (!(FAULTS as readonly string[]).includes(q.fault)) throw invalid(`Unrecognized fault "${q.fault}" is specified, allowed faults are ${JSON.stringify(FAULTS)}`);
    f.fault = q.fault;
  }
  f.maintenance = optBool('maintenance', q.maintenance);
  f.associated = optBool('associated', q.associated);
  f.retired = optBool('retired', q.retired);
  for (const k of ['driver', 'resource_class', 'conductor_group', 'owner', 'lessee', 'project', 'description_contains', 'conductor'] as const) {
    if (q[k] !== undefined) (f as Record<string, unknown>)[k] = q[k];
  }
  if (q.instance_uuid !== undefined) {
    if (!UUID_STRICT.test(q.instance_uuid)) throw invalidParameter(`Expected UUID for instance_uuid: ${q.instance_uuid}`);
    f.instance_uuid = q.instance_uuid;
  }
  if (!x.admin) f.visibleTo = x.project;
  for (const k of Object.keys(f) as (keyof NodeFilters)[]) if (f[k] === undefined) delete f[k];
  return f;
}

/** The node list as JSON text, shared by /v1/nodes, /v1/nodes/detail and /v1/chassis/{id}/nodes. */
export async function listNodesResponse(
  deps: ApiDeps,
  x: ApiContext,
  q: Query,
  opts: { resource: string; detailRoute: boolean; extraFilters?: NodeFilters },
): Promise<string> {
  let fields = fieldList(q.fields);
  const detailParam = optBool('detail', q.detail);
  if (!opts.detailRoute) {
    if (detailParam !== undefined && x.minor < 43) throw invalidParameter(`Invalid query parameter ?detail=${q.detail} received.`);
    if (fields !== undefined && detailParam) throw invalidParameter('Can not specify ?detail=True and fields in the same request.');
    checkNodeFields(fields, x.minor);
    if (fields === undefined && !detailParam) fields = [...DEFAULT_NODE_LIST_FIELDS];
  } else {
    fields = undefined;
  }
  const sortKey = q.sort_key ?? 'id';
  if (sortKey !== 'id' && !fieldVisible(sortKey, x.minor)) throw notAcceptable();
  if (UNSORTABLE.includes(sortKey)) throw invalidParameter(`The sort_key value ${sortKey} is an invalid field for sorting`);
  sortKeyChecked(sortKey, nodes.sortable);
  const sortDir = validateSortDir(q.sort_dir);
  const limit = validateLimit(q.limit, deps.maxLimit);
  if (q.marker !== undefined && !UUID_STRICT.test(q.marker)) throw invalidParameter(`Expected UUID for marker: ${q.marker}`);
  if (q.chassis_uuid !== undefined && !UUID_STRICT.test(q.chassis_uuid)) throw invalidParameter(`Expected UUID for chassis_uuid: ${q.chassis_uuid}`);
  const { conductor, ...filters } = nodeFiltersFrom(q, x);
  Object.assign(filters, opts.extraFilters ?? {});
  if (q.chassis_uuid !== undefined) {
    const c = await chassisTable.byUuid(deps.db, q.chassis_uuid);
    if (!c) throw chassisNotFound(q.chassis_uuid);
    filters.chassis_id = c.id;
  }
  if (q.marker !== undefined && !(await nodes.byUuid(deps.db, q.marker))) throw nodeNotFound(q.marker);
  const wantTraits = x.minor >= 37 && (fields === undefined || fields.includes('traits'));
  let list = await listNodeRows(deps.db, filters, { limit, marker: q.marker, sort: { key: sortKey, dir: sortDir } }, nodeColumns(fields && [...fields, sortKey]), wantTraits ? deps.dialect : undefined);
  // Like Ironic, the conductor filter applies to the page after the query.
  const full = list.length;
  if (conductor !== undefined) list = list.filter((n) => deps.conductor.conductorOf(n as { uuid: string; conductor_group: string }) === conductor);
  let json = `{"nodes":[${await viewNodeRowsJson(deps, x, list, fields)}]`;
  // A lookup by instance_uuid is unique: no next page (Ironic sets limit 0).
  if (full === limit && full > 0 && q.instance_uuid === undefined) {
    const params: Record<string, unknown> = { ...q };
    params.sort_key = sortKey;
    params.sort_dir = sortDir;
    json += `,"next":${JSON.stringify(nextLink(x.base, opts.resource, params, limit, list.length ? String(list[list.length - 1].uuid) : q.marker!))}`;
  }
  return json + '}';
}

/** Applies Ironic's boolean reading and UUID checks to a create or patched body. */
function normalizeNodeBody(body: Json): void {
  for (const f of NODE_BOOL_FIELDS) {
    if (body[f] !== undefined && body[f] !== null) body[f] = toBool(f, body[f]);
  }
  for (const f of NODE_UUID_FIELDS) {
    const v = body[f];
    if (v !== undefined && v !== null && !(typeof v === 'string' && UUID_STRICT.test(v))) throw invalidParameter(`Expected UUID for ${f}: ${String(v)}`);
  }
}

function checkNodeName(name: unknown, message: string): void {
  if (name === null || name === undefined) return;
  if (typeof name !== 'string' || !isValidName(name) || isUuid(name)) throw invalid(message.replace('%(name)s', String(name)));
  if (RESERVED_NODE_NAMES.includes(name)) {
    throw invalid(`The word "${name}" is reserved and can not be used as a node name. Reserved words are: ${RESERVED_NODE_NAMES.join(', ')}.`);
  }
}

/** The interface fields for a node of `driver`: each chosen one checked, the others defaulted. */
function resolveInterfaces(deps: ApiDeps, driver: string, chosen: Partial<Record<(typeof INTERFACE_FIELDS)[number], string | null>>): Partial<NodeRecord> {
  const interfaces = Object.fromEntries(INTERFACE_KINDS.map((k) => [k, chosen[`${k}_interface`] ?? null]));
  try {
    deps.drivers.checkInterfaces({ driver, interfaces });
  } catch (err) {
    if (err instanceof DriverError) throw invalidParameter(err.message);
    throw err;
  }
  const out: Partial<NodeRecord> = {};
  for (const k of INTERFACE_KINDS) {
    const field = `${k}_interface` as (typeof INTERFACE_FIELDS)[number];
    const value = chosen[field] ?? deps.drivers.defaultInterface(driver, k);
    (out as Record<string, unknown>)[field] = value;
  }
  return out;
}

function checkDriver(deps: ApiDeps, driver: string, group: string): void {
  if (!deps.drivers.hardwareTypes().some((h) => h.name === driver) || !deps.conductor.servesGroup(group)) {
    throw new MetalError(400, 'NoValidHost', `No valid host was found. Reason: No conductor service registered which supports driver ${driver} for conductor group "${group}".`);
  }
}

function uniqueViolation(err: unknown, values: Partial<NodeRecord>): never {
  const msg = String((err as Error).message);
  if (/name/.test(msg) && values.name) throw duplicateName(values.name);
  if (/instance_uuid/.test(msg) && values.instance_uuid) throw instanceAssociated(values.instance_uuid, values.uuid ?? '');
  if (values.uuid) throw nodeAlreadyExists(values.uuid);
  throw conflict(msg);
}

async function chassisIdOf(deps: ApiDeps, uuid: unknown): Promise<number | null> {
  if (uuid === null || uuid === undefined) return null;
  const c = await chassisTable.byUuid(deps.db, String(uuid));
  if (!c) throw new MetalError(400, 'ChassisNotFound', `Chassis ${String(uuid)} could not be found.`);
  return c.id;
}

export const nodeRoutes: Routes = (app, deps) => {
  app.get('/v1/nodes', async (req, reply) => reply.type('application/json').send(await listNodesResponse(deps, ctx(req, deps), req.query as Query, { resource: 'nodes', detailRoute: false })));
  app.get('/v1/nodes/detail', async (req, reply) =>
    reply.type('application/json').send(await listNodesResponse(deps, ctx(req, deps), req.query as Query, { resource: 'nodes/detail', detailRoute: true })),
  );

  app.get('/v1/nodes/:ident', async (req, reply) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const fields = fieldList((req.query as Query).fields);
    checkNodeFields(fields, x.minor);
    checkIdent(x, ident);
    // The hot path: the stored row goes to the text renderer without a parse/serialize round trip.
    const row = await findNodeRow(deps.db, ident, x.minor >= 37 && (fields === undefined || fields.includes('traits')) ? deps.dialect : undefined);
    if (!row || relationTo(x, row as { owner: string | null; lessee: string | null }) === 'none') throw nodeNotFound(ident);
    return reply.type('application/json').send(`${await viewNodeRowsJson(deps, x, [row], fields)}`);
  });

  app.post('/v1/nodes', { config: { role: 'admin' } }, async (req, reply) => {
    const x = ctx(req, deps);
    const body = req.body as Json;
    checkSchema('node', NODE_SCHEMA, body);
    // Fields newer than the client's version are refused (reject_fields_in_newer_versions).
    for (const [k, v] of Object.entries(body)) {
      const empty = k === 'conductor_group' ? '' : null;
      if (!fieldVisible(k, x.minor) && v !== empty && !(k === 'name' && v === null)) throw notAcceptable();
    }
    normalizeNodeBody(body);
    const driver = body.driver as string;
    const group = ((body.conductor_group as string | null) ?? '').toLowerCase();
    if (!CONDUCTOR_GROUP_RE.test(group)) throw invalid(`Expected a conductor group but received ${group}.`);
    checkDriver(deps, driver, group);
    checkNodeName(body.name, "Cannot create node with invalid name '%(name)s'");
    const uuid = ((body.uuid as string | undefined) ?? randomUUID()).toLowerCase();
    const chassis_id = await chassisIdOf(deps, body.chassis_uuid);
    const now = Date.now();
    const c = deps.conductor;
    const record: Omit<NodeRecord, 'id'> = {
      uuid,
      name: (body.name as string | null) ?? null,
      driver,
      driver_info: c.seal((body.driver_info as Json | null) ?? {}),
      driver_internal_info: {},
      instance_info: c.seal((body.instance_info as Json | null) ?? {}),
      instance_uuid: ((body.instance_uuid as string | null) ?? null)?.toLowerCase() ?? null,
      properties: (body.properties as Json | null) ?? {},
      extra: (body.extra as Json | null) ?? {},
      chassis_id,
      power_state: null,
      target_power_state: null,
      provision_state: initialProvisionState(x.minor),
      target_provision_state: null,
      provision_updated_at: now,
      last_error: null,
      maintenance: (body.maintenance as boolean | null) ?? false,
      maintenance_reason: null,
      fault: null,
      reservation: null,
      task_id: null,
      conductor_group: group,
      console_enabled: (body.console_enabled as boolean | null) ?? false,
      inspection_started_at: null,
      inspection_finished_at: null,
      clean_step: null,
      deploy_step: null,
      raid_config: null,
      target_raid_config: null,
      resource_class: (body.resource_class as string | null) ?? null,
      automated_clean: (body.automated_clean as boolean | null) ?? null,
      protected: false,
      protected_reason: null,
      owner: (body.owner as string | null) ?? null,
      lessee: (body.lessee as string | null) ?? null,
      description: (body.description as string | null) ?? null,
      allocation_id: null,
      retired: (body.retired as boolean | null) ?? false,
      retired_reason: (body.retired_reason as string | null) ?? null,
      network_data: (body.network_data as Json | null) ?? null,
      boot_mode: (body.boot_mode as string | null) ?? null,
      secure_boot: (body.secure_boot as boolean | null) ?? null,
      ...(resolveInterfaces(deps, driver, body as Partial<Record<(typeof INTERFACE_FIELDS)[number], string | null>>) as Record<(typeof INTERFACE_FIELDS)[number], string | null>),
      created_at: now,
      updated_at: null,
    };
    if (record.retired_reason && !record.retired) throw invalidParameter('The retired_reason field can only be set when retired is True');
    let node: NodeRecord;
    try {
      node = await nodes.insert(deps.db, record);
    } catch (err) {
      if (isUniqueViolation(err)) uniqueViolation(err, record);
      throw err;
    }
    void reply.status(201).header('Location', `${x.base}/v1/nodes/${node.uuid}`);
    return viewNode(deps, x, node);
  });

  app.patch('/v1/nodes/:ident', async (req) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const q = req.query as Query;
    const ops = parsePatch(req.body);
    const resetInterfaces = optBool('reset_interfaces', q.reset_interfaces);
    if (resetInterfaces !== undefined && x.minor < 45) throw notAcceptable();
    checkAllowedFields(ops, PATCH_ALLOWED_FIELDS);
    for (const op of ops) if (!fieldVisible(rootOf(op), x.minor) && op.op !== 'remove') throw notAcceptable();
    if (resetInterfaces && patchValues(ops, '/driver').length === 0) throw invalid("The reset_interfaces parameter can only be used when changing the node's driver.");
    const description = patchValues(ops, '/description');
    if (description.some((d) => typeof d === 'string' && d.length > NODE_DESCRIPTION_MAX)) {
      throw invalid(`Cannot update node with description exceeding ${NODE_DESCRIPTION_MAX} characters`);
    }

    // Who may change what: owners most fields, lessees only extra and instance_info.
    const lesseeOnly = ops.every((o) => ['extra', 'instance_info'].includes(rootOf(o)));
    let node = await loadNode(deps, x, ident, lesseeOnly ? 'lessee-update' : 'update');
    if (!x.admin && touches(ops, 'owner')) throw forbidden('Access was denied to the following resource: baremetal:node:update:owner');

    const removingInstance = ops.length === 1 && ops[0].op === 'remove' && ops[0].path === '/instance_uuid';
    if (!(node.maintenance && removingInstance)) {
      if (node.target_provision_state && !UPDATE_ALLOWED_STATES.includes(node.provision_state)) {
        throw conflict(`Node ${ident} can not be updated while a state transition is in progress.`);
      }
      if (node.provision_state === 'inspecting' && x.minor >= 39) throw conflict(`Cannot update node "${node.uuid}" while it is in state "inspecting".`);
    }
    for (const name of patchValues(ops, '/name')) checkNodeName(name, `Node ${ident}: Cannot change name to invalid name '%(name)s'`);

    const chassisRow = node.chassis_id !== null ? await chassisTable.byId(deps.db, node.chassis_id) : undefined;
    const doc: Json = { ...patchableDoc(node), chassis_uuid: chassisRow?.uuid ?? null };
    const patched = applyPatch(doc, ops);
    for (const k of Object.keys(patched)) if (!(k in NODE_PATCH_SCHEMA.properties)) delete patched[k];
    checkSchema('patch', NODE_PATCH_SCHEMA, patched);
    normalizeNodeBody(patched);

    const changes = await nodeChanges(deps, node, doc, patched, Boolean(resetInterfaces), x.minor);
    if (Object.keys(changes).length === 0) return viewNode(deps, x, node);
    try {
      node = await deps.conductor.updateNode(node, changes);
    } catch (err) {
      if (isUniqueViolation(err)) uniqueViolation(err, { ...changes, uuid: node.uuid });
      throw err;
    }
    if ('instance_uuid' in changes && changes.instance_uuid === null && node.allocation_id !== null) {
      await deps.db.deleteFrom('metal_allocations').where('id', '=', node.allocation_id).execute();
      node = await deps.conductor.updateNode(node, { allocation_id: null });
    }
    return viewNode(deps, x, node);
  });

  app.delete('/v1/nodes/:ident', { config: { role: 'admin' } }, async (req, reply) => {
    const x = ctx(req, deps);
    const { ident } = req.params as { ident: string };
    const node = await loadNode(deps, x, ident, 'delete');
    const c = deps.conductor;
    await c.patiently(node, async (n) => {
      if (!n.maintenance && n.instance_uuid !== null) throw nodeAssociated(n.uuid, n.instance_uuid);
      if (n.protected) throw nodeProtected(n.uuid);
      const allowed = [...DELETE_ALLOWED_STATES, ...(c.opts.allowDeletingAvailableNodes ? (['available'] as const) : [])];
      if (!n.maintenance && !allowed.includes(n.provision_state)) {
        throw invalidState(
          `Can not delete node "${n.uuid}" while it is in provision state "${n.provision_state}". Valid provision states to perform deletion are: "${allowed.join(', ')}", or set the node into maintenance mode`,
        );
      }
      return deps.db.transaction().execute(async (trx) => {
        const res = await trx.deleteFrom('metal_nodes').where('id', '=', n.id).where('reservation', 'is', null).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) return undefined;
        await trx.deleteFrom('metal_allocations').where('node_id', '=', n.id).execute();
        return true;
      });
    });
    await deps.onNodeDeleted?.(node.uuid, node.name ?? null).catch((err) => req.log.warn({ err, node: node.uuid }, 'telling others a node was deleted'));
    void reply.status(204);
  });
};

/** The node as PATCH sees it: every patchable field with its stored value (secrets stay sealed). */
function patchableDoc(node: NodeRecord): Json {
  const doc: Json = {};
  for (const f of PATCH_ALLOWED_FIELDS) {
    if (f === 'chassis_uuid') continue;
    const v = (node as unknown as Record<string, unknown>)[f];
    doc[f] = v === undefined ? null : structuredClone(v);
  }
  for (const f of ['driver_info', 'extra', 'instance_info', 'properties']) doc[f] ??= {};
  return doc;
}

/** The record changes a patched node document asks for, with Ironic's update_node checks. */
async function nodeChanges(deps: ApiDeps, node: NodeRecord, before: Json, after: Json, resetInterfaces: boolean, minor: number): Promise<Partial<NodeRecord>> {
  const changed = (f: string) => JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null);
  const changes: Record<string, unknown> = {};
  for (const f of PATCH_ALLOWED_FIELDS) if (changed(f)) changes[f] = after[f] ?? null;
  const ch = changes as Partial<NodeRecord> & Record<string, unknown>;

  if ('chassis_uuid' in ch) {
    // Removing a node from its chassis needs 1.25.
    if (node.chassis_id !== null && (ch.chassis_uuid === null || ch.chassis_uuid === undefined) && minor < 25) throw notAcceptable();
    const id = await chassisIdOf(deps, ch.chassis_uuid);
    delete ch.chassis_uuid;
    ch.chassis_id = id;
  }
  for (const f of ['driver_info', 'extra', 'instance_info', 'properties'] as const) if (f in ch && ch[f] === null) ch[f] = {};
  if ('driver_info' in ch) ch.driver_info = deps.conductor.seal(ch.driver_info as Json, node.driver_info);
  if ('instance_info' in ch) ch.instance_info = deps.conductor.seal(ch.instance_info as Json, node.instance_info);
  if ('conductor_group' in ch) {
    const g = String(ch.conductor_group ?? '').toLowerCase();
    if (!CONDUCTOR_GROUP_RE.test(g)) throw invalid(`Expected a conductor group but received ${g}.`);
    ch.conductor_group = g;
    checkDriver(deps, (ch.driver as string | undefined) ?? node.driver, g);
  }
  if ('instance_uuid' in ch && ch.instance_uuid) {
    ch.instance_uuid = String(ch.instance_uuid).toLowerCase();
    if (node.instance_uuid) throw nodeAssociated(node.uuid, node.instance_uuid);
  }
  if ('maintenance' in ch) {
    ch.maintenance = Boolean(ch.maintenance);
    if (!ch.maintenance) {
      ch.maintenance_reason = null;
      ch.fault = null;
    }
  }
  const state = node.provision_state;
  const protectedAfter = 'protected' in ch ? Boolean(ch.protected) : node.protected;
  if ('protected' in ch) {
    ch.protected = protectedAfter;
    if (!protectedAfter) ch.protected_reason = null;
    else if (state !== 'active' && state !== 'rescue') {
      throw invalidState(`Node ${node.uuid} can only be made protected in provision states 'active' or 'rescue', the current state is '${state}'`);
    }
  }
  if (ch.protected_reason && !protectedAfter) throw invalidParameter('The protected_reason field can only be set when protected is True');
  const retiredAfter = 'retired' in ch ? Boolean(ch.retired) : node.retired;
  if ('retired' in ch) {
    ch.retired = retiredAfter;
    if (!retiredAfter) ch.retired_reason = null;
    else if (state === 'available') throw invalidState(`Node ${node.uuid} can not have 'retired' set in provision state 'available', the current state is '${state}'`);
  }
  if (ch.retired_reason && !retiredAfter) throw invalidParameter('The retired_reason field can only be set when retired is True');

  // Driver and interfaces (Ironic's check_and_update_node_interfaces).
  const driver = (ch.driver as string | undefined) ?? node.driver;
  const ifaceChanged = INTERFACE_FIELDS.some((f) => f in ch);
  if ('driver' in ch || ifaceChanged) {
    const updatable = INTERFACE_UPDATE_STATES;
    if (ifaceChanged && !(updatable.includes(state) || node.maintenance)) {
      const f = INTERFACE_FIELDS.find((i) => i in ch)!;
      throw invalidState(`Node ${node.uuid} can not have ${f} updated unless it is in one of allowed (${updatable.join(', ')}) states or in maintenance mode.`);
    }
    checkDriver(deps, driver, (ch.conductor_group as string | undefined) ?? node.conductor_group);
    const chosen: Record<string, string | null> = {};
    for (const f of INTERFACE_FIELDS) {
      if (f in ch) chosen[f] = (ch[f] as string | null) ?? null;
      else if (!(resetInterfaces && 'driver' in ch)) chosen[f] = node[f];
    }
    Object.assign(ch, resolveInterfaces(deps, driver, chosen));
    for (const f of INTERFACE_FIELDS) if (ch[f] === node[f]) delete ch[f];
  }
  if ('resource_class' in ch && node.resource_class && !INTERFACE_UPDATE_STATES.includes(state)) {
    throw invalidState(`Node ${node.uuid} can not have resource_class updated unless it is in one of allowed (${INTERFACE_UPDATE_STATES.join(', ')}) states.`);
  }
  if ('description' in ch && typeof ch.description === 'string' && ch.description.length > NODE_DESCRIPTION_MAX) {
    throw invalid(`Cannot update node with description exceeding ${NODE_DESCRIPTION_MAX} characters`);
  }
  return ch as Partial<NodeRecord>;
}
