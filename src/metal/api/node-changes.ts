/**
 * What a node's create and PATCH may change, checked as Ironic's API and
 * conductor update_node check it: names, drivers and interfaces, chassis,
 * protected and retired, and the states that allow each change.
 */
import { DriverError, INTERFACE_KINDS } from '../drivers/index.js';
import { INTERFACE_UPDATE_STATES } from '../states/index.js';
import { chassis as chassisTable } from '../db/tables.js';
import { INTERFACE_FIELDS, type Json, type NodeRecord } from '../db/records.js';
import { isUuid } from '../db/table.js';
import { conflict, duplicateName, instanceAssociated, invalid, invalidParameter, invalidState, MetalError, nodeAlreadyExists, nodeAssociated, notAcceptable } from '../conductor/errors.js';
import { type ApiDeps } from './deps.js';
import { isValidName, toBool, UUID_STRICT } from './util.js';
import { CONDUCTOR_GROUP_RE, NODE_BOOL_FIELDS, NODE_DESCRIPTION_MAX, NODE_UUID_FIELDS, PATCH_ALLOWED_FIELDS, RESERVED_NODE_NAMES } from './node-schema.js';


export function normalizeNodeBody(body: Json): void {
  for (const f of NODE_BOOL_FIELDS) {
    if (body[f] !== undefined && body[f] !== null) body[f] = toBool(f, body[f]);
  }
  for (const f of NODE_UUID_FIELDS) {
    const v = body[f];
    if (v !== undefined && v !== null && !(typeof v === 'string' && UUID_STRICT.test(v))) throw invalidParameter(`Expected UUID for ${f}: ${String(v)}`);
  }
}

export function checkNodeName(name: unknown, message: string): void {
  if (name === null || name === undefined) return;
  if (typeof name !== 'string' || !isValidName(name) || isUuid(name)) throw invalid(message.replace('%(name)s', String(name)));
  if (RESERVED_NODE_NAMES.includes(name)) {
    throw invalid(`The word "${name}" is reserved and can not be used as a node name. Reserved words are: ${RESERVED_NODE_NAMES.join(', ')}.`);
  }
}

/** The interface fields for a node of `driver`: each chosen one checked, the others defaulted. */
export function resolveInterfaces(deps: ApiDeps, driver: string, chosen: Partial<Record<(typeof INTERFACE_FIELDS)[number], string | null>>): Partial<NodeRecord> {
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

export function checkDriver(deps: ApiDeps, driver: string, group: string): void {
  if (!deps.drivers.hardwareTypes().some((h) => h.name === driver) || !deps.conductor.servesGroup(group)) {
    throw new MetalError(400, 'NoValidHost', `No valid host was found. Reason: No conductor service registered which supports driver ${driver} for conductor group "${group}".`);
  }
}

export function uniqueViolation(err: unknown, values: Partial<NodeRecord>): never {
  const msg = String((err as Error).message);
  if (/name/.test(msg) && values.name) throw duplicateName(values.name);
  if (/instance_uuid/.test(msg) && values.instance_uuid) throw instanceAssociated(values.instance_uuid, values.uuid ?? '');
  if (values.uuid) throw nodeAlreadyExists(values.uuid);
  throw conflict(msg);
}

export async function chassisIdOf(deps: ApiDeps, uuid: unknown): Promise<number | null> {
  if (uuid === null || uuid === undefined) return null;
  const c = await chassisTable.byUuid(deps.db, String(uuid));
  if (!c) throw new MetalError(400, 'ChassisNotFound', `Chassis ${String(uuid)} could not be found.`);
  return c.id;
}

export function patchableDoc(node: NodeRecord): Json {
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
export async function nodeChanges(deps: ApiDeps, node: NodeRecord, before: Json, after: Json, resetInterfaces: boolean, minor: number): Promise<Partial<NodeRecord>> {
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
