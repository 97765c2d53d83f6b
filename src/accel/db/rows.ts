/** Rows of the accel tables to the module's model (JSON columns parsed; names camel-cased). */
import { parseJson } from '../../core/index.js';
import type { AcceleratorRequest, AttachHandle, Deployable, Device, DeviceProfile } from '../model.js';

export const toDevice = (r: any): Device => ({
  uuid: r.uuid,
  type: r.type,
  vendor: r.vendor,
  model: r.model,
  hostname: r.hostname,
  address: r.address,
  stdBoardInfo: parseJson(r.std_board_info, {}),
  vendorBoardInfo: parseJson(r.vendor_board_info, {}),
  driverName: r.driver_name,
  status: r.status,
  missing: Number(r.missing) === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** A deployable with the operator's attributes laid over the driver's. */
export const toDeployable = (r: any, extra: Record<string, string> = {}): Deployable => ({
  uuid: r.uuid,
  deviceUuid: r.device_uuid,
  hostname: r.hostname,
  name: r.name,
  parentUuid: r.parent_uuid,
  rootUuid: r.root_uuid,
  numAccelerators: Number(r.num_accelerators),
  driverName: r.driver_name,
  rpUuid: r.rp_uuid,
  resourceClass: r.resource_class,
  traits: parseJson(r.traits, []),
  attributes: { ...parseJson<Record<string, string>>(r.attributes, {}), ...extra },
  bitstreamId: r.bitstream_id,
  maxClients: Number(r.max_clients),
  used: Number(r.used),
  attach: parseJson<AttachHandle>(r.attach, { type: 'PCI', deviceNodes: [], env: {} }),
  fault: r.fault,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toProfile = (r: any): DeviceProfile => ({
  uuid: r.uuid,
  name: r.name,
  description: r.description,
  groups: parseJson(r.groups, []),
  project: r.project,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toArq = (r: any): AcceleratorRequest => ({
  uuid: r.uuid,
  state: r.state,
  deviceProfileName: r.device_profile_name,
  deviceProfileGroupId: Number(r.device_profile_group_id),
  project: r.project,
  hostname: r.hostname,
  deviceRpUuid: r.device_rp_uuid,
  instanceUuid: r.instance_uuid,
  instanceKind: r.instance_kind,
  deployableUuid: r.deployable_uuid,
  attachHandleType: r.attach_handle_type,
  attachHandleInfo: r.attach_handle_info ? parseJson(r.attach_handle_info, {}) : null,
  reason: r.reason,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
