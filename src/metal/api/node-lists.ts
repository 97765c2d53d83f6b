/**
 * GET /v1/nodes: Ironic's list filters per version, sort keys, paging and
 * the list's JSON (api/controllers/v1/node.py _get_nodes_collection).
 */
import { FAULTS, isProvisionState } from '../states/index.js';
import { listNodeRows, type NodeFilters } from '../db/nodes.js';
import { nodes, chassis as chassisTable } from '../db/tables.js';
import { invalid, invalidParameter, nodeNotFound, notAcceptable, chassisNotFound } from '../conductor/errors.js';
import { checkNodeFields, DEFAULT_NODE_LIST_FIELDS, fieldVisible } from './node-view.js';
import { nextLink, nodeColumns, viewNodeRowsJson, type ApiDeps } from './deps.js';
import { fieldList, optBool, sortKeyChecked, UUID_STRICT, validateLimit, validateSortDir } from './util.js';
import { type ApiContext } from './context.js';


/** Node fields that cannot be sort keys (Ironic's invalid_sort_key_list plus computed ones). */
const UNSORTABLE = ['properties', 'driver_info', 'extra', 'instance_info', 'driver_internal_info', 'clean_step', 'deploy_step', 'raid_config', 'target_raid_config', 'traits', 'network_data'];

export type Query = Record<string, string | undefined>;

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
