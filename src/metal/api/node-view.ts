/**
 * A node as the API shows it at a given microversion: the fields Ironic
 * adds per version (api_utils.VERSIONED_FIELDS), the renames of old states,
 * `fields=` selection, links, and secrets masked. Pure: the caller supplies
 * the lookups (traits, chassis and allocation UUIDs, the serving conductor).
 */
import { provisionStateForMinor } from '../states/index.js';
import { NODE_CODEC, type Json, type NodeRecord } from '../db/records.js';
import { decode } from '../db/codec.js';
import { maskSecrets } from '../conductor/secrets.js';
import { MASK } from '../../core/index.js';
import { isoTime, selfLinks } from './util.js';
import { invalid, notAcceptable } from '../conductor/errors.js';

/** The lowest minor version that shows each node field (fields absent here exist since 1.1). */
export const NODE_FIELD_MIN: Readonly<Record<string, number>> = {
  driver_internal_info: 3,
  name: 5,
  inspection_finished_at: 6,
  inspection_started_at: 6,
  clean_step: 7,
  raid_config: 12,
  target_raid_config: 12,
  network_interface: 20,
  resource_class: 21,
  storage_interface: 33,
  traits: 37,
  rescue_interface: 38,
  bios_interface: 40,
  fault: 42,
  deploy_step: 44,
  conductor_group: 46,
  automated_clean: 47,
  protected: 48,
  protected_reason: 48,
  conductor: 49,
  owner: 50,
  description: 51,
  allocation_uuid: 52,
  retired: 61,
  retired_reason: 61,
  lessee: 65,
  network_data: 66,
  boot_mode: 75,
  secure_boot: 75,
  boot_interface: 31,
  console_interface: 31,
  deploy_interface: 31,
  inspect_interface: 31,
  management_interface: 31,
  power_interface: 31,
  raid_interface: 31,
  vendor_interface: 31,
};

/** Every node field the API knows (Ironic's _get_fields_for_node_query plus the API-computed ones). */
export const NODE_FIELDS: readonly string[] = [
  'allocation_uuid',
  'automated_clean',
  'bios_interface',
  'boot_interface',
  'boot_mode',
  'chassis_uuid',
  'clean_step',
  'conductor',
  'conductor_group',
  'console_enabled',
  'console_interface',
  'created_at',
  'deploy_interface',
  'deploy_step',
  'description',
  'driver',
  'driver_info',
  'driver_internal_info',
  'extra',
  'fault',
  'inspect_interface',
  'inspection_finished_at',
  'inspection_started_at',
  'instance_info',
  'instance_uuid',
  'last_error',
  'lessee',
  'maintenance',
  'maintenance_reason',
  'management_interface',
  'name',
  'network_data',
  'network_interface',
  'owner',
  'power_interface',
  'power_state',
  'properties',
  'protected',
  'protected_reason',
  'provision_state',
  'provision_updated_at',
  'raid_config',
  'raid_interface',
  'rescue_interface',
  'reservation',
  'resource_class',
  'retired',
  'retired_reason',
  'secure_boot',
  'storage_interface',
  'target_power_state',
  'target_provision_state',
  'target_raid_config',
  'traits',
  'updated_at',
  'uuid',
  'vendor_interface',
];

/** `GET /v1/nodes` without `detail` or `fields`. */
export const DEFAULT_NODE_LIST_FIELDS = ['instance_uuid', 'maintenance', 'power_state', 'provision_state', 'uuid', 'name'];

export const fieldVisible = (field: string, minor: number) => minor >= (NODE_FIELD_MIN[field] ?? 1);

/**
 * Checks `fields=` against the version and the known fields (Ironic:
 * check_allowed_fields answers 406 for a field too new, 400 for an unknown one).
 */
export function checkNodeFields(fields: string[] | undefined, minor: number): void {
  if (fields === undefined) return;
  if (minor < 8) throw notAcceptable();
  for (const f of fields) if (!fieldVisible(f, minor)) throw notAcceptable();
  for (const f of fields) if (!NODE_FIELDS.includes(f)) throw invalid(`Field ${f} is not a valid field.`);
}

export interface NodeViewContext {
  minor: number;
  /** Public base URL of the API (…/baremetal). */
  base: string;
  /** The fields asked for; undefined for all. */
  fields?: readonly string[];
  traits?: string[];
  chassisUuid?: string | null;
  allocationUuid?: string | null;
  conductor?: string | null;
  secretKeys?: ReadonlySet<string>;
  /** Ironic redacts some fields for project-scoped callers who do not own the node. */
  redact?: boolean;
}

const dict = (v: Json | null | undefined): Json => v ?? {};

function instanceInfoView(ii: Json, keys?: ReadonlySet<string>): Json {
  const out = maskSecrets(ii, keys);
  if (out.configdrive) out.configdrive = MASK;
  if (out.image_url) out.image_url = MASK;
  return out;
}

/** The value of one field of the node as the API shows it. */
function fieldValue(node: NodeRecord, field: string, x: NodeViewContext): unknown {
  switch (field) {
    case 'driver_info':
      return x.redact ? { content: '** Redacted - requires baremetal:node:get:driver_info permission. **' } : maskSecrets(dict(node.driver_info), x.secretKeys);
    case 'instance_info':
      return instanceInfoView(dict(node.instance_info), x.secretKeys);
    case 'driver_internal_info': {
      if (x.redact) return { content: '** Redacted - Requires baremetal:node:get:driver_internal_info permission. **' };
      const dii = { ...dict(node.driver_internal_info) };
      if (dii.agent_secret_token) dii.agent_secret_token = MASK;
      return dii;
    }
    case 'last_error':
      return x.redact && node.last_error ? '** Value Redacted - Requires baremetal:node:get:last_error permission. **' : node.last_error;
    case 'reservation':
      return x.redact && node.reservation ? '** Redacted - requires baremetal:node:get:reservation permission. **' : node.reservation;
    case 'provision_state':
      return provisionStateForMinor(node.provision_state, x.minor);
    case 'properties':
    case 'extra':
    case 'clean_step':
    case 'deploy_step':
    case 'raid_config':
    case 'target_raid_config':
    case 'network_data':
      return dict(node[field]);
    case 'created_at':
    case 'updated_at':
    case 'provision_updated_at':
    case 'inspection_started_at':
    case 'inspection_finished_at':
      return isoTime(node[field]);
    case 'traits':
      return x.traits ?? [];
    case 'chassis_uuid':
      return x.chassisUuid ?? null;
    case 'allocation_uuid':
      return x.allocationUuid ?? null;
    case 'conductor':
      return x.conductor ?? null;
    default:
      return (node as unknown as Record<string, unknown>)[field] ?? null;
  }
}

export function renderNode(node: NodeRecord, x: NodeViewContext): Json {
  const out: Json = {};
  const wanted = x.fields ?? NODE_FIELDS;
  for (const f of wanted) {
    if (!fieldVisible(f, x.minor)) continue;
    out[f] = fieldValue(node, f, x);
  }
  // uuid always leads the full view, as Ironic's object_to_dict puts it first.
  out.links = selfLinks(x.base, 'nodes', node.uuid);
  if (x.fields === undefined) {
    out.ports = selfLinks(x.base, 'nodes', `${node.uuid}/ports`);
    if (x.minor >= 14) out.states = selfLinks(x.base, 'nodes', `${node.uuid}/states`);
    if (x.minor >= 24) out.portgroups = selfLinks(x.base, 'nodes', `${node.uuid}/portgroups`);
    if (x.minor >= 32) out.volume = selfLinks(x.base, 'nodes', `${node.uuid}/volume`);
  }
  return out;
}

/** `GET /v1/nodes/{id}/states` (node_states_convert). */
export function renderNodeStates(node: NodeRecord, minor: number): Json {
  const out: Json = {
    console_enabled: node.console_enabled,
    last_error: node.last_error,
    power_state: node.power_state,
    provision_state: provisionStateForMinor(node.provision_state, minor),
    target_power_state: node.target_power_state,
    target_provision_state: node.target_provision_state,
    provision_updated_at: isoTime(node.provision_updated_at),
  };
  if (minor >= 12) {
    out.raid_config = dict(node.raid_config);
    out.target_raid_config = dict(node.target_raid_config);
  }
  if (minor >= 75) {
    out.boot_mode = node.boot_mode;
    out.secure_boot = node.secure_boot;
  }
  return out;
}


// ---------------------------------------------------------------------------
// The same view as JSON text, straight from a store row (the list and GET hot path)
// ---------------------------------------------------------------------------

/** JSON columns shown as stored (an object; `{}` when empty). */
const RAW_DICTS = new Set(['properties', 'extra', 'clean_step', 'deploy_step', 'raid_config', 'target_raid_config', 'network_data']);
const BOOLS = new Set(NODE_CODEC.bool);
const TIMES = new Set(['created_at', 'updated_at', 'provision_updated_at', 'inspection_started_at', 'inspection_finished_at']);
/** Text that may hold something to mask: a sealed value or a secret-looking key. */
const MAYBE_SECRET = /enc:v1:|pass|secret|token|private_key|encrypted_key|fernetkey|sslkey|configdrive|image_url/i;

type FieldKind = 'dict' | 'secret-dict' | 'bool' | 'time' | 'provision_state' | 'traits' | 'chassis_uuid' | 'allocation_uuid' | 'conductor' | 'plain';

function kindOf(f: string): FieldKind {
  if (RAW_DICTS.has(f)) return 'dict';
  if (f === 'driver_info' || f === 'instance_info' || f === 'driver_internal_info') return 'secret-dict';
  if (BOOLS.has(f)) return 'bool';
  if (TIMES.has(f)) return 'time';
  if (f === 'provision_state' || f === 'traits' || f === 'chassis_uuid' || f === 'allocation_uuid' || f === 'conductor') return f;
  return 'plain';
}

/**
 * A renderer of stored rows to JSON text for one request: the visible
 * fields, their kinds and the escaped link base are worked out once, not per
 * node. JSON columns that need no masking are copied as they are, so a page
 * of 1,000 nodes is neither parsed nor re-serialized. Anything that may need
 * masking (and every redacted view) goes through renderNode, so the two
 * cannot disagree on what is hidden.
 */
export function nodeJsonRenderer(minor: number, fields: readonly string[] | undefined, base: string): (row: Record<string, unknown>, x: NodeViewContext) => string {
  const plan = (fields ?? NODE_FIELDS).filter((f) => fieldVisible(f, minor)).map((f) => ({ f, kind: kindOf(f), key: JSON.stringify(f) }));
  const secretCols = plan.filter((p) => p.kind === 'secret-dict').map((p) => p.f);
  const b = JSON.stringify(base).slice(1, -1);
  const links = (args: string) => `[{"href":"${b}/v1/nodes/${args}","rel":"self"},{"href":"${b}/nodes/${args}","rel":"bookmark"}]`;
  let keysOf: ReadonlySet<string> | undefined;
  let keys: string[] = [];
  return (row, x) => {
    const text = (k: string) => row[k] as string | null | undefined;
    if (x.secretKeys !== keysOf) {
      keysOf = x.secretKeys;
      keys = x.secretKeys ? [...x.secretKeys] : [];
    }
    const needsObject =
      x.redact ||
      secretCols.some((c) => {
        const t = text(c);
        if (t === null || t === undefined || t.length <= 2) return false;
        return MAYBE_SECRET.test(t) || keys.some((k) => t.includes(k));
      });
    if (needsObject) return JSON.stringify(renderNode(decode<NodeRecord>(row, NODE_CODEC), x));
    let out = '{';
    for (let i = 0; i < plan.length; i++) {
      const { f, kind, key } = plan[i];
      let v: string;
      switch (kind) {
        case 'dict':
        case 'secret-dict': {
          const t = text(f);
          v = t === null || t === undefined || t === '' || t === 'null' ? '{}' : t;
          break;
        }
        case 'bool': {
          const r = row[f];
          v = r === null || r === undefined ? 'null' : Number(r) === 1 ? 'true' : 'false';
          break;
        }
        case 'time': {
          const r = row[f];
          v = r === null || r === undefined ? 'null' : `"${isoTime(Number(r))}"`;
          break;
        }
        case 'provision_state':
          v = JSON.stringify(provisionStateForMinor(row.provision_state as NodeRecord['provision_state'], minor));
          break;
        case 'traits':
          v = JSON.stringify(x.traits ?? []);
          break;
        case 'chassis_uuid':
          v = JSON.stringify(x.chassisUuid ?? null);
          break;
        case 'allocation_uuid':
          v = JSON.stringify(x.allocationUuid ?? null);
          break;
        case 'conductor':
          v = JSON.stringify(x.conductor ?? null);
          break;
        default:
          v = JSON.stringify(row[f] ?? null);
      }
      out += (i === 0 ? '' : ',') + key + ':' + v;
    }
    const uuid = row.uuid as string;
    out += (plan.length ? ',' : '') + `"links":${links(uuid)}`;
    if (fields === undefined) {
      out += `,"ports":${links(`${uuid}/ports`)}`;
      if (minor >= 14) out += `,"states":${links(`${uuid}/states`)}`;
      if (minor >= 24) out += `,"portgroups":${links(`${uuid}/portgroups`)}`;
      if (minor >= 32) out += `,"volume":${links(`${uuid}/volume`)}`;
    }
    return out + '}';
  };
}

/** `renderNode` as JSON text, from a stored row (see nodeJsonRenderer). */
export function renderNodeJson(row: Record<string, unknown>, x: NodeViewContext): string {
  return nodeJsonRenderer(x.minor, x.fields, x.base)(row, x);
}
