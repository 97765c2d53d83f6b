/**
 * /v1/nodes: list (default fields, `detail`, `fields`, filters, paging,
 * sorting), show, create, JSON Patch update and delete, with Ironic's
 * checks and messages (api/controllers/v1/node.py, conductor update_node
 * and destroy_node).
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { DELETE_ALLOWED_STATES, initialProvisionState, UPDATE_ALLOWED_STATES } from '../states/index.js';
import { findNodeRow } from '../db/nodes.js';
import { nodes, chassis as chassisTable } from '../db/tables.js';
import { INTERFACE_FIELDS, type Json, type NodeRecord } from '../db/records.js';
import { conflict, invalid, invalidParameter, invalidState, nodeAssociated, nodeNotFound, nodeProtected, notAcceptable, forbidden } from '../conductor/errors.js';
import { checkNodeFields, fieldVisible } from './node-view.js';
import { checkIdent, ctx, loadNode, viewNode, viewNodeRowsJson, type Routes } from './deps.js';
import { checkSchema, fieldList, optBool } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch, patchValues, rootOf, touches } from './patch.js';
import { CONDUCTOR_GROUP_RE, NODE_DESCRIPTION_MAX, NODE_PATCH_SCHEMA, NODE_SCHEMA, PATCH_ALLOWED_FIELDS } from './node-schema.js';
import { relationTo } from './context.js';
import { listNodesResponse, type Query } from './node-lists.js';
import { checkDriver, checkNodeName, chassisIdOf, nodeChanges, normalizeNodeBody, patchableDoc, resolveInterfaces, uniqueViolation } from './node-changes.js';

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
