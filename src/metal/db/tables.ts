import { Table } from './table.js';
import {
  ALLOCATION_CODEC,
  BIOS_CODEC,
  CHASSIS_CODEC,
  CONDUCTOR_CODEC,
  DEPLOY_TEMPLATE_CODEC,
  HISTORY_CODEC,
  INTERFACE_FIELDS,
  NODE_CODEC,
  PORT_CODEC,
  PORTGROUP_CODEC,
  VOLUME_CONNECTOR_CODEC,
  VOLUME_TARGET_CODEC,
  type AllocationRecord,
  type ChassisRecord,
  type ConductorRecord,
  type DeployTemplateRecord,
  type HistoryRecord,
  type NodeRecord,
  type PortgroupRecord,
  type PortRecord,
  type VolumeConnectorRecord,
  type VolumeTargetRecord,
} from './records.js';

// Sortable columns and what their NULLs sort as (so both dialects agree).
const text = '';
const time = 0;

export const nodes = new Table<NodeRecord>('metal_nodes', NODE_CODEC, {
  id: null,
  uuid: null,
  name: text,
  driver: null,
  instance_uuid: text,
  power_state: text,
  target_power_state: text,
  provision_state: null,
  target_provision_state: text,
  provision_updated_at: time,
  last_error: text,
  maintenance: null,
  maintenance_reason: text,
  fault: text,
  reservation: text,
  conductor_group: null,
  console_enabled: null,
  inspection_started_at: time,
  inspection_finished_at: time,
  resource_class: text,
  automated_clean: -1,
  protected: null,
  protected_reason: text,
  owner: text,
  lessee: text,
  description: text,
  retired: null,
  retired_reason: text,
  boot_mode: text,
  secure_boot: -1,
  created_at: null,
  updated_at: time,
  ...Object.fromEntries(INTERFACE_FIELDS.map((f) => [f, text])),
});

export const ports = new Table<PortRecord>('metal_ports', PORT_CODEC, {
  id: null,
  uuid: null,
  address: null,
  pxe_enabled: null,
  physical_network: text,
  is_smartnic: null,
  created_at: null,
  updated_at: time,
});

export const portgroups = new Table<PortgroupRecord>('metal_portgroups', PORTGROUP_CODEC, {
  id: null,
  uuid: null,
  name: text,
  address: text,
  mode: text,
  standalone_ports_supported: null,
  created_at: null,
  updated_at: time,
});

export const chassis = new Table<ChassisRecord>('metal_chassis', CHASSIS_CODEC, {
  id: null,
  uuid: null,
  description: text,
  created_at: null,
  updated_at: time,
});

export const conductors = new Table<ConductorRecord & { uuid?: string }>('metal_conductors', CONDUCTOR_CODEC, {
  id: null,
  hostname: null,
  conductor_group: null,
  created_at: null,
  updated_at: null,
});

export const allocations = new Table<AllocationRecord>('metal_allocations', ALLOCATION_CODEC, {
  id: null,
  uuid: null,
  name: text,
  state: null,
  resource_class: text,
  owner: text,
  created_at: null,
  updated_at: time,
});

export const deployTemplates = new Table<DeployTemplateRecord>('metal_deploy_templates', DEPLOY_TEMPLATE_CODEC, {
  id: null,
  uuid: null,
  name: null,
  created_at: null,
  updated_at: time,
});

export const volumeConnectors = new Table<VolumeConnectorRecord>('metal_volume_connectors', VOLUME_CONNECTOR_CODEC, {
  id: null,
  uuid: null,
  type: null,
  connector_id: null,
  created_at: null,
  updated_at: time,
});

export const volumeTargets = new Table<VolumeTargetRecord>('metal_volume_targets', VOLUME_TARGET_CODEC, {
  id: null,
  uuid: null,
  volume_type: null,
  boot_index: null,
  volume_id: null,
  created_at: null,
  updated_at: time,
});

export const history = new Table<HistoryRecord>('metal_node_history', HISTORY_CODEC, { id: null, created_at: null });

export { BIOS_CODEC };
