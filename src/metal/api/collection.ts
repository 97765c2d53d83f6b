/**
 * Collections other than nodes (ports, portgroups, chassis, allocations,
 * deploy templates, volume connectors and targets) share Ironic's list
 * conventions: default fields, `detail` (1.43), `fields` (1.8), keyset paging
 * with a `next` link, and per-version field hiding.
 */
import type { SelectQueryBuilder } from 'kysely';
import type { Table } from '../db/table.js';
import type { Json } from '../db/records.js';
import { invalid, invalidParameter, notAcceptable } from '../conductor/errors.js';
import { fieldList, optBool, sortKeyChecked, UUID_STRICT, validateLimit, validateSortDir } from './util.js';
import { nextLink, type ApiDeps } from './deps.js';
import type { ApiContext } from './context.js';

export interface FieldSet {
  /** Every field of the resource, in display order. */
  all: readonly string[];
  /** Fields that appeared after 1.1, with their minor version. */
  min: Readonly<Record<string, number>>;
  /** Fields of the list without `detail`. */
  defaults: readonly string[];
  /** Minor version `fields=` needs for this resource (1.8 for most). */
  fieldsMin?: number;
  /** Minor version `?detail=` needs (1.43 for most). */
  detailMin?: number;
}

export const visibleIn = (set: FieldSet, f: string, minor: number) => minor >= (set.min[f] ?? 1);

/** Keeps the fields visible at `minor` (and asked for), plus links. */
export function shape(full: Json, set: FieldSet, minor: number, fields?: readonly string[]): Json {
  const out: Json = {};
  for (const f of fields ?? set.all) if (f in full && visibleIn(set, f, minor)) out[f] = full[f];
  for (const k of Object.keys(full)) if (!set.all.includes(k) && (fields === undefined || k === 'links')) out[k] = full[k];
  return out;
}

/** Checks `fields=`: too new → 406; unknown → 400. */
export function checkFields(set: FieldSet, fields: string[] | undefined, minor: number): void {
  if (fields === undefined) return;
  if (minor < (set.fieldsMin ?? 8)) throw notAcceptable();
  for (const f of fields) if (set.all.includes(f) && !visibleIn(set, f, minor)) throw notAcceptable();
  const unknown = fields.filter((f) => !set.all.includes(f));
  if (unknown.length) throw invalidParameter(`Field(s) "${unknown.join(', ')}" are not valid`);
}

export interface ListOptions<R> {
  resource: string;
  key: string;
  set: FieldSet;
  table: Table<R & { id: number; uuid?: string }>;
  where: (q: SelectQueryBuilder<any, any, any>) => SelectQueryBuilder<any, any, any>;
  render: (rows: R[], fields: readonly string[] | undefined) => Promise<Json[]>;
  detailRoute?: boolean;
  markerNotFound: (m: string) => Error;
}

/** One page of a collection, Ironic style, with the `next` link when the page is full. */
export async function listResponse<R>(deps: ApiDeps, x: ApiContext, q: Record<string, string | undefined>, o: ListOptions<R>): Promise<Json> {
  let fields = fieldList(q.fields);
  const detail = optBool('detail', q.detail);
  if (o.detailRoute) fields = undefined;
  else {
    if (detail !== undefined && x.minor < (o.set.detailMin ?? 43)) throw invalidParameter(`Invalid query parameter ?detail=${q.detail} received.`);
    if (fields !== undefined && detail) throw invalidParameter('Can not specify ?detail=True and fields in the same request.');
    checkFields(o.set, fields, x.minor);
    if (fields === undefined && !detail) fields = [...o.set.defaults];
  }
  const sortKey = sortKeyChecked(q.sort_key, o.table.sortable);
  if (!visibleIn(o.set, sortKey, x.minor)) throw notAcceptable();
  const sortDir = validateSortDir(q.sort_dir);
  const limit = validateLimit(q.limit, deps.maxLimit);
  let marker;
  if (q.marker !== undefined) {
    if (!UUID_STRICT.test(q.marker)) throw invalidParameter(`Expected UUID for marker: ${q.marker}`);
    marker = await o.table.byUuid(deps.db, q.marker);
    if (!marker) throw o.markerNotFound(q.marker);
  }
  const rows = await o.table.page(deps.db, o.where, { limit, sort: { key: sortKey, dir: sortDir } }, marker);
  const body: Json = { [o.key]: await o.render(rows as R[], fields) };
  if (rows.length === limit && rows.length > 0) {
    body.next = nextLink(x.base, o.resource, { ...q, sort_key: sortKey, sort_dir: sortDir }, limit, rows[rows.length - 1].uuid!);
  }
  return body;
}

/** `detail` sub-paths exist only on collections: `/v1/ports/detail` but not `/v1/ports/{id}/detail`. */
export function requireBody(body: unknown, what: string): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid(`Invalid ${what}: the request body must be a JSON object`);
  return body as Json;
}
