/**
 * The API's views of the model, in Cyborg's field names: what
 * `openstack accelerator ...` prints. Strata adds fields Cyborg lacks
 * (inventory, attributes, fault) after Cyborg's own; clients ignore them.
 */
import type { AcceleratorRequest, Deployable, Device, DeviceProfile } from '../model.js';

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
const links = (base: string, coll: string, id: string) => [
  { href: `${base}/v2/${coll}/${id}`, rel: 'self' },
  { href: `${base}/${coll}/${id}`, rel: 'bookmark' },
];

export function deviceView(d: Device, base: string, minor: number) {
  return {
    uuid: d.uuid,
    type: d.type,
    vendor: d.vendor,
    model: d.model,
    std_board_info: JSON.stringify(d.stdBoardInfo),
    vendor_board_info: JSON.stringify(d.vendorBoardInfo),
    hostname: d.hostname,
    ...(minor >= 3 ? { status: d.status } : {}),
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    links: links(base, 'devices', d.uuid),
    driver_name: d.driverName,
    address: d.address,
    missing: d.missing,
  };
}

export function deployableView(d: Deployable, base: string) {
  return {
    uuid: d.uuid,
    parent_id: d.parentUuid,
    root_id: d.rootUuid,
    name: d.name,
    num_accelerators: d.numAccelerators,
    device_id: d.deviceUuid,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    links: links(base, 'deployables', d.uuid),
    driver_name: d.driverName,
    rp_uuid: d.rpUuid,
    bitstream_id: d.bitstreamId,
    hostname: d.hostname,
    resource_class: d.resourceClass,
    traits: d.traits,
    attributes: d.attributes,
    max_clients: d.maxClients,
    used: d.used,
    capacity: d.numAccelerators * d.maxClients,
    fault: d.fault,
  };
}

export function profileView(p: DeviceProfile, base: string, minor: number) {
  return {
    uuid: p.uuid,
    name: p.name,
    ...(minor >= 2 ? { description: p.description } : {}),
    groups: p.groups,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    links: links(base, 'device_profiles', p.uuid),
  };
}

export function arqView(a: AcceleratorRequest, base: string, minor: number) {
  return {
    uuid: a.uuid,
    state: a.state,
    device_profile_name: a.deviceProfileName,
    device_profile_group_id: a.deviceProfileGroupId,
    hostname: a.hostname,
    device_rp_uuid: a.deviceRpUuid,
    instance_uuid: a.instanceUuid,
    ...(minor >= 1 ? { project_id: a.project } : {}),
    attach_handle_type: a.attachHandleType,
    attach_handle_info: a.attachHandleInfo,
    links: links(base, 'accelerator_requests', a.uuid),
    reason: a.reason,
  };
}

export function attributeView(r: any, base: string) {
  return {
    uuid: r.uuid,
    deployable_id: r.deployable_uuid,
    key: r.key,
    value: r.value,
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
    links: links(base, 'attributes', r.uuid),
  };
}
