/**
 * The metal records as the conductor and the API handle them: one interface
 * per table, JSON already parsed, booleans as booleans. Field names are
 * Ironic's, so the API renders them without renaming.
 */
import type { ProvisionState, StableState } from '../states/index.js';
import type { Codec } from './codec.js';

export type Json = Record<string, unknown>;

export const INTERFACE_FIELDS = [
  'bios_interface',
  'boot_interface',
  'console_interface',
  'deploy_interface',
  'inspect_interface',
  'management_interface',
  'network_interface',
  'power_interface',
  'raid_interface',
  'rescue_interface',
  'storage_interface',
  'vendor_interface',
] as const;
export type InterfaceField = (typeof INTERFACE_FIELDS)[number];

export interface NodeRecord {
  id: number;
  uuid: string;
  name: string | null;
  driver: string;
  /** Secret values are sealed (`enc:v1:…`); the conductor opens them for drivers only. */
  driver_info: Json;
  driver_internal_info: Json;
  instance_info: Json;
  instance_uuid: string | null;
  properties: Json;
  extra: Json;
  chassis_id: number | null;
  power_state: string | null;
  target_power_state: string | null;
  provision_state: ProvisionState;
  target_provision_state: StableState | null;
  provision_updated_at: number | null;
  last_error: string | null;
  maintenance: boolean;
  maintenance_reason: string | null;
  fault: string | null;
  reservation: string | null;
  task_id: string | null;
  conductor_group: string;
  console_enabled: boolean;
  inspection_started_at: number | null;
  inspection_finished_at: number | null;
  clean_step: Json | null;
  deploy_step: Json | null;
  raid_config: Json | null;
  target_raid_config: Json | null;
  resource_class: string | null;
  automated_clean: boolean | null;
  protected: boolean;
  protected_reason: string | null;
  owner: string | null;
  lessee: string | null;
  description: string | null;
  allocation_id: number | null;
  retired: boolean;
  retired_reason: string | null;
  network_data: Json | null;
  boot_mode: string | null;
  secure_boot: boolean | null;
  bios_interface: string | null;
  boot_interface: string | null;
  console_interface: string | null;
  deploy_interface: string | null;
  inspect_interface: string | null;
  management_interface: string | null;
  network_interface: string | null;
  power_interface: string | null;
  raid_interface: string | null;
  rescue_interface: string | null;
  storage_interface: string | null;
  vendor_interface: string | null;
  created_at: number;
  updated_at: number | null;
}

export const NODE_CODEC: Codec = {
  json: ['driver_info', 'driver_internal_info', 'instance_info', 'properties', 'extra', 'clean_step', 'deploy_step', 'raid_config', 'target_raid_config', 'network_data'],
  bool: ['maintenance', 'console_enabled', 'automated_clean', 'protected', 'retired', 'secure_boot'],
  num: ['id', 'chassis_id', 'provision_updated_at', 'inspection_started_at', 'inspection_finished_at', 'allocation_id', 'created_at', 'updated_at'],
};

export interface PortRecord {
  id: number;
  uuid: string;
  address: string;
  node_id: number;
  portgroup_id: number | null;
  extra: Json;
  local_link_connection: Json;
  pxe_enabled: boolean;
  internal_info: Json;
  physical_network: string | null;
  is_smartnic: boolean;
  created_at: number;
  updated_at: number | null;
}

export const PORT_CODEC: Codec = {
  json: ['extra', 'local_link_connection', 'internal_info'],
  bool: ['pxe_enabled', 'is_smartnic'],
  num: ['id', 'node_id', 'portgroup_id', 'created_at', 'updated_at'],
};

export interface PortgroupRecord {
  id: number;
  uuid: string;
  name: string | null;
  address: string | null;
  node_id: number;
  extra: Json;
  internal_info: Json;
  standalone_ports_supported: boolean;
  mode: string | null;
  properties: Json;
  created_at: number;
  updated_at: number | null;
}

export const PORTGROUP_CODEC: Codec = {
  json: ['extra', 'internal_info', 'properties'],
  bool: ['standalone_ports_supported'],
  num: ['id', 'node_id', 'created_at', 'updated_at'],
};

export interface ChassisRecord {
  id: number;
  uuid: string;
  description: string | null;
  extra: Json;
  created_at: number;
  updated_at: number | null;
}

export const CHASSIS_CODEC: Codec = { json: ['extra'], bool: [], num: ['id', 'created_at', 'updated_at'] };

export interface ConductorRecord {
  id: number;
  hostname: string;
  conductor_group: string;
  drivers: string[];
  online: boolean;
  host: string | null;
  pid: number | null;
  created_at: number;
  updated_at: number;
}

export const CONDUCTOR_CODEC: Codec = { json: ['drivers'], bool: ['online'], num: ['id', 'pid', 'created_at', 'updated_at'] };

export type AllocationState = 'allocating' | 'active' | 'error';

export interface AllocationRecord {
  id: number;
  uuid: string;
  name: string | null;
  node_id: number | null;
  state: AllocationState;
  last_error: string | null;
  resource_class: string | null;
  traits: string[];
  candidate_nodes: string[];
  extra: Json;
  owner: string | null;
  created_at: number;
  updated_at: number | null;
}

export const ALLOCATION_CODEC: Codec = { json: ['traits', 'candidate_nodes', 'extra'], bool: [], num: ['id', 'node_id', 'created_at', 'updated_at'] };

export interface DeployTemplateRecord {
  id: number;
  uuid: string;
  name: string;
  steps: Json[];
  extra: Json;
  created_at: number;
  updated_at: number | null;
}

export const DEPLOY_TEMPLATE_CODEC: Codec = { json: ['steps', 'extra'], bool: [], num: ['id', 'created_at', 'updated_at'] };

export interface VolumeConnectorRecord {
  id: number;
  uuid: string;
  node_id: number;
  type: string;
  connector_id: string;
  extra: Json;
  created_at: number;
  updated_at: number | null;
}

export const VOLUME_CONNECTOR_CODEC: Codec = { json: ['extra'], bool: [], num: ['id', 'node_id', 'created_at', 'updated_at'] };

export interface VolumeTargetRecord {
  id: number;
  uuid: string;
  node_id: number;
  volume_type: string;
  properties: Json;
  boot_index: number;
  volume_id: string;
  extra: Json;
  created_at: number;
  updated_at: number | null;
}

export const VOLUME_TARGET_CODEC: Codec = { json: ['properties', 'extra'], bool: [], num: ['id', 'node_id', 'boot_index', 'created_at', 'updated_at'] };

export type HistorySeverity = 'ERROR' | 'INFO' | 'WARNING';

export interface HistoryRecord {
  id: number;
  uuid: string;
  node_id: number;
  conductor: string | null;
  event_type: string;
  severity: HistorySeverity;
  event: string;
  user: string | null;
  created_at: number;
}

export const HISTORY_CODEC: Codec = { json: [], bool: [], num: ['id', 'node_id', 'created_at'] };

export interface BiosSettingRecord {
  node_id: number;
  name: string;
  value: string | null;
  registry: Json;
  created_at: number;
  updated_at: number | null;
}

export const BIOS_CODEC: Codec = { json: ['registry'], bool: [], num: ['node_id', 'created_at', 'updated_at'] };
