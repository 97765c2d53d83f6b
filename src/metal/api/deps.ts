import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Dialect } from '../../core/index.js';
import type { DriverRegistry } from '../drivers/index.js';
import type { Conductor } from '../conductor/index.js';
import { nodes as nodesTable, chassis as chassisTable, allocations as allocationsTable } from '../db/tables.js';
import { findNode, traitsOf, traitsOfRow } from '../db/nodes.js';
import type { Json, NodeRecord } from '../db/records.js';
import { nodeNotFound, invalid, notAcceptable } from '../conductor/errors.js';
import { apiContext, authorizeNode, relationTo, type ApiContext, type NodeAction } from './context.js';
import { nodeJsonRenderer, renderNode, type NodeViewContext } from './node-view.js';
import { isUuid } from '../db/table.js';
import { isValidName } from './util.js';

/** What the API routes need. */
export interface ApiDeps {
  conductor: Conductor;
  drivers: DriverRegistry;
  db: Kysely<any>;
  /** Ironic's [api]max_limit: the largest page, and the page size when none is asked. */
  maxLimit: number;
  /** Where the API is mounted, e.g. /baremetal. */
  prefix: string;
  /** The store's dialect, for the few queries that differ (trait aggregation). */
  dialect: Dialect;
  /** told after a node is deleted (the accel module retires its devices) */
  onNodeDeleted?(uuid: string, name: string | null): Promise<void>;
}

/** A route registrar: each resource file exports one. */
export type Routes = (app: FastifyInstance, deps: ApiDeps) => void;

export const ctx = (req: FastifyRequest, deps: ApiDeps): ApiContext => apiContext(req, deps.prefix);

/**
 * Finds a node by UUID or (from 1.5) name and checks the caller may do
 * `action` on it. Ironic: an identifier that is neither a UUID nor a valid
 * name is a 400; a name before 1.5 is a 406.
 */
export function checkIdent(x: ApiContext, ident: string): void {
  if (!isUuid(ident)) {
    if (x.minor < 5) throw notAcceptable();
    if (!isValidName(ident)) throw invalid(`Expected a logical name or UUID but received ${ident}.`);
  }
}

export async function loadNode(deps: ApiDeps, x: ApiContext, ident: string, action: NodeAction = 'get'): Promise<NodeRecord> {
  checkIdent(x, ident);
  const node = await findNode(deps.db, ident);
  if (!node) throw nodeNotFound(ident);
  authorizeNode(x, node, action, ident);
  return node;
}

type NodeLike = Pick<NodeRecord, 'id' | 'uuid' | 'chassis_id' | 'allocation_id' | 'owner' | 'lessee' | 'conductor_group'>;

/**
 * Fetches what rendering these nodes needs besides their rows (traits,
 * chassis and allocation UUIDs: one query each) and returns the view
 * context of each node.
 */
async function viewContexts(deps: ApiDeps, x: ApiContext, list: NodeLike[], fields?: readonly string[]): Promise<(n: NodeLike) => NodeViewContext> {
  const want = (f: string) => fields === undefined || fields.includes(f);
  const ids = list.map((n) => Number(n.id));
  // Rows fetched with their traits_csv column need no traits query.
  const haveCsv = list.length > 0 && 'traits_csv' in list[0];
  const traits = want('traits') && x.minor >= 37 && !haveCsv ? await traitsOf(deps.db, ids) : undefined;
  const chassisIds = want('chassis_uuid') ? [...new Set(list.map((n) => n.chassis_id).filter((v): v is number => v !== null && v !== undefined))] : [];
  const allocIds = want('allocation_uuid') ? [...new Set(list.map((n) => n.allocation_id).filter((v): v is number => v !== null && v !== undefined))] : [];
  const chassisUuids = new Map<number, string>();
  const allocUuids = new Map<number, string>();
  if (chassisIds.length) {
    for (const r of await deps.db.selectFrom(chassisTable.name).select(['id', 'uuid']).where('id', 'in', chassisIds).execute()) chassisUuids.set(Number(r.id), r.uuid);
  }
  if (allocIds.length) {
    for (const r of await deps.db.selectFrom(allocationsTable.name).select(['id', 'uuid']).where('id', 'in', allocIds).execute()) allocUuids.set(Number(r.id), r.uuid);
  }
  const secretKeys = deps.conductor.secretKeys;
  const withConductor = want('conductor');
  return (n) => ({
    minor: x.minor,
    base: x.base,
    fields,
    traits: haveCsv ? traitsOfRow(n as unknown as Record<string, unknown>) : (traits?.get(Number(n.id)) ?? []),
    chassisUuid: n.chassis_id ? (chassisUuids.get(Number(n.chassis_id)) ?? null) : null,
    allocationUuid: n.allocation_id ? (allocUuids.get(Number(n.allocation_id)) ?? null) : null,
    conductor: withConductor ? deps.conductor.conductorOf(n) : null,
    secretKeys,
    redact: relationTo(x, n) === 'lessee',
  });
}

/** Renders nodes with their traits, chassis and allocation UUIDs. */
export async function viewNodes(deps: ApiDeps, x: ApiContext, list: NodeRecord[], fields?: readonly string[]): Promise<Json[]> {
  const contextOf = await viewContexts(deps, x, list, fields);
  return list.map((n) => renderNode(n, contextOf(n)));
}

/**
 * Stored rows rendered as the elements of a JSON array, one node at a time,
 * copying stored JSON through where nothing needs masking: a 1,000-node page
 * is neither parsed nor held as objects.
 */
export async function viewNodeRowsJson(deps: ApiDeps, x: ApiContext, rows: Record<string, unknown>[], fields?: readonly string[]): Promise<string> {
  const contextOf = await viewContexts(deps, x, rows as unknown as NodeLike[], fields);
  const render = nodeJsonRenderer(x.minor, fields, x.base);
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = render(rows[i], contextOf(rows[i] as unknown as NodeLike));
  return parts.join(',');
}

/** The columns a node view needs from the store for these API fields (all of them when undefined). */
export function nodeColumns(fields: readonly string[] | undefined): string[] | undefined {
  if (fields === undefined) return undefined;
  const cols = new Set(['id', 'uuid', 'owner', 'lessee', 'conductor_group']);
  for (const f of fields) {
    if (f === 'traits' || f === 'links') continue;
    if (f === 'chassis_uuid') cols.add('chassis_id');
    else if (f === 'allocation_uuid') cols.add('allocation_id');
    else if (f !== 'conductor') cols.add(f);
  }
  return [...cols];
}

export async function viewNode(deps: ApiDeps, x: ApiContext, node: NodeRecord, fields?: readonly string[]): Promise<Json> {
  return (await viewNodes(deps, x, [node], fields))[0];
}

export async function reloadNode(deps: ApiDeps, node: NodeRecord): Promise<NodeRecord> {
  return (await nodesTable.byId(deps.db, node.id)) ?? node;
}

/** Builds Ironic's `next` link: the query that asks for the page after `marker`. */
export function nextLink(base: string, resource: string, params: Record<string, unknown>, limit: number, marker: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && k !== 'limit' && k !== 'marker') q.set(k, String(v));
  q.set('limit', String(limit));
  q.set('marker', marker);
  return `${base}/v1/${resource}?${q.toString()}`;
}
