/**
 * Node queries beyond plain CRUD: lookup by UUID or name, the list filters of
 * `GET /v1/nodes`, traits, and the reservation (Ironic's exclusive node lock)
 * taken and released with conditional UPDATEs so it holds across processes.
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Dialect } from '../../core/index.js';
import { isUuid, type Db, type PageRequest } from './table.js';
import { nodes } from './tables.js';
import type { NodeRecord } from './records.js';
import { writeNode, type NodeWrite } from './node-states.js';

export async function findNode(db: Db, ident: string): Promise<NodeRecord | undefined> {
  if (isUuid(ident)) {
    const n = await nodes.byUuid(db, ident);
    if (n) return n;
  }
  return nodes.byColumn(db, 'name', ident);
}

export interface NodeFilters {
  maintenance?: boolean;
  /** true: nodes with an instance_uuid; false: without. */
  associated?: boolean;
  provision_state?: string;
  driver?: string;
  resource_class?: string;
  fault?: string;
  conductor_group?: string;
  owner?: string;
  lessee?: string;
  /** owner or lessee */
  project?: string;
  description_contains?: string;
  retired?: boolean;
  instance_uuid?: string;
  chassis_id?: number;
  /** Non-admin scoping: only nodes this project owns or leases. */
  visibleTo?: string;
  /** Only these node ids (a conductor's partition, a candidate list). */
  ids?: number[];
}

export function nodeWhere(f: NodeFilters) {
  return (q: SelectQueryBuilder<any, any, any>) => {
    if (f.maintenance !== undefined) q = q.where('maintenance', '=', f.maintenance ? 1 : 0);
    if (f.associated !== undefined) q = q.where('instance_uuid', f.associated ? 'is not' : 'is', null);
    if (f.provision_state !== undefined) q = q.where('provision_state', '=', f.provision_state);
    if (f.driver !== undefined) q = q.where('driver', '=', f.driver);
    if (f.resource_class !== undefined) q = q.where('resource_class', '=', f.resource_class);
    if (f.fault !== undefined) q = q.where('fault', '=', f.fault);
    if (f.conductor_group !== undefined) q = q.where('conductor_group', '=', f.conductor_group.toLowerCase());
    if (f.owner !== undefined) q = q.where('owner', '=', f.owner);
    if (f.lessee !== undefined) q = q.where('lessee', '=', f.lessee);
    if (f.project !== undefined) {
      const p = f.project;
      q = q.where((eb) => eb.or([eb('owner', '=', p), eb('lessee', '=', p)]));
    }
    if (f.visibleTo !== undefined) {
      const p = f.visibleTo;
      q = q.where((eb) => eb.or([eb('owner', '=', p), eb('lessee', '=', p)]));
    }
    if (f.description_contains !== undefined) {
      const pattern = `%${f.description_contains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`${sql.ref('description')} like ${pattern} escape '\\'`);
    }
    if (f.retired !== undefined) q = q.where('retired', '=', f.retired ? 1 : 0);
    if (f.instance_uuid !== undefined) q = q.where('instance_uuid', '=', f.instance_uuid.toLowerCase());
    if (f.chassis_id !== undefined) q = q.where('chassis_id', '=', f.chassis_id);
    if (f.ids !== undefined) q = f.ids.length ? q.where('id', 'in', f.ids) : q.where('id', '=', -1);
    return q;
  };
}

export async function listNodes(db: Db, filters: NodeFilters, page: PageRequest, columns?: readonly string[]): Promise<NodeRecord[]> {
  const marker = page.marker ? await nodes.byUuid(db, page.marker) : undefined;
  return nodes.page(db, nodeWhere(filters), page, marker, columns);
}

/**
 * A node's traits as one computed column, `traits_csv` (traits are
 * upper-case words and underscores, so a comma separates them safely):
 * a view needs no second query.
 */
export function withTraitsColumn(dialect: Dialect) {
  const agg = dialect === 'postgres' ? sql`string_agg(t.trait, ',')` : sql`group_concat(t.trait, ',')`;
  return (q: SelectQueryBuilder<any, any, any>) => q.select(sql<string | null>`(select ${agg} from metal_node_traits t where t.node_id = metal_nodes.id)`.as('traits_csv'));
}

/** The traits of a row fetched with withTraitsColumn, sorted. */
export function traitsOfRow(row: Record<string, unknown>): string[] {
  const csv = row.traits_csv as string | null | undefined;
  return csv ? csv.split(',').sort() : [];
}

/** `listNodes` without decoding: rows as stored, for the API's text renderer (with `traits_csv` when asked). */
export async function listNodeRows(db: Db, filters: NodeFilters, page: PageRequest, columns?: readonly string[], traits?: Dialect): Promise<Record<string, unknown>[]> {
  const marker = page.marker ? await nodes.byUuid(db, page.marker) : undefined;
  return nodes.pageRows(db, nodeWhere(filters), page, marker, columns, traits ? withTraitsColumn(traits) : undefined);
}

/** A node's stored row (with `traits_csv` when asked) by UUID or name. */
export async function findNodeRow(db: Db, ident: string, traits?: Dialect): Promise<Record<string, unknown> | undefined> {
  const by = async (column: string, value: string) => {
    let q = db.selectFrom('metal_nodes').selectAll('metal_nodes').where(`metal_nodes.${column}`, '=', value);
    if (traits) q = withTraitsColumn(traits)(q);
    return q.executeTakeFirst();
  };
  if (isUuid(ident)) {
    const n = await by('uuid', ident.toLowerCase());
    if (n) return n;
  }
  return by('name', ident);
}

// ---------------------------------------------------------------------------
// Traits
// ---------------------------------------------------------------------------

export async function traitsOf(db: Db, ids: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (ids.length === 0) return out;
  for (const id of ids) out.set(id, []);
  // Chunked so a 1,000-node page stays under SQLite's bound-parameter limit on old builds.
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('metal_node_traits')
      .select(['node_id', 'trait'])
      .where('node_id', 'in', ids.slice(i, i + 500))
      .orderBy('trait')
      .execute();
    for (const r of rows) out.get(Number(r.node_id))!.push(r.trait as string);
  }
  return out;
}

export async function replaceTraits(db: Db, nodeId: number, traits: readonly string[]): Promise<void> {
  await db.deleteFrom('metal_node_traits').where('node_id', '=', nodeId).execute();
  const now = Date.now();
  const unique = [...new Set(traits)];
  if (unique.length) await db.insertInto('metal_node_traits').values(unique.map((trait) => ({ node_id: nodeId, trait, created_at: now }))).execute();
}

export async function addTrait(db: Db, nodeId: number, trait: string): Promise<void> {
  const exists = await db.selectFrom('metal_node_traits').select('trait').where('node_id', '=', nodeId).where('trait', '=', trait).executeTakeFirst();
  if (!exists) await db.insertInto('metal_node_traits').values({ node_id: nodeId, trait, created_at: Date.now() }).execute();
}

export async function removeTrait(db: Db, nodeId: number, trait: string): Promise<boolean> {
  const res = await db.deleteFrom('metal_node_traits').where('node_id', '=', nodeId).where('trait', '=', trait).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

// ---------------------------------------------------------------------------
// Reservations
// ---------------------------------------------------------------------------

type Node = Pick<NodeRecord, 'id' | 'provision_state'>;

/**
 * Takes the node's exclusive lock for `holder` if nobody holds it. Returns
 * the node as locked, or undefined when it is held (or gone). The write's
 * changes and moves go with it (a state move made under the lock).
 */
export async function reserve(db: Db, node: Node, holder: string, w: NodeWrite = {}): Promise<NodeRecord | undefined> {
  return writeNode(db, node, { ...w, changes: { ...w.changes, reservation: holder, updated_at: Date.now() }, guard: { ...w.guard, reservation: null } });
}

/** Releases the lock if `holder` still holds it; the write's changes and moves go with it. */
export async function release(db: Db, node: Node, holder: string, w: NodeWrite = {}): Promise<NodeRecord | undefined> {
  return writeNode(db, node, { ...w, changes: { ...w.changes, reservation: null, updated_at: Date.now() }, guard: { ...w.guard, reservation: holder } });
}

/** Clears every reservation a (dead or restarting) conductor holds. Returns the nodes it held. */
export async function clearReservationsOf(db: Db, holder: string): Promise<{ id: number; uuid: string }[]> {
  const rows = await db.updateTable('metal_nodes').set({ reservation: null, updated_at: Date.now() }).where('reservation', '=', holder).returning(['id', 'uuid']).execute();
  return rows.map((r) => ({ id: Number(r.id), uuid: r.uuid as string }));
}
