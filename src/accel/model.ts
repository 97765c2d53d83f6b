/**
 * The accelerator vocabulary, as Cyborg names it: a device (a board on a
 * host), its deployables (the allocatable units: a whole GPU, a MIG slice,
 * an FPGA region), their attributes, device profiles and accelerator
 * requests. Plain data; the store and the API map to and from it.
 */
import type { ArqState } from './states.js';

/** Cyborg's device types. */
export type DeviceType = 'FPGA' | 'GPU' | 'AICHIP' | 'QAT' | 'NIC' | 'SSD';

/** How a workload reaches a deployable (Cyborg's attach handle). */
export interface AttachHandle {
  /** PCI (passthrough / device nodes of a PCI function) or MDEV (a mediated or MIG slice) */
  type: 'PCI' | 'MDEV';
  /** PCI address (domain:bus:dev.fn) of the function; for MIG, the parent GPU's */
  pciAddress?: string;
  /** device nodes a container-style sandbox needs, host paths */
  deviceNodes: string[];
  /** environment a workload sees (NVIDIA_VISIBLE_DEVICES, …) */
  env: Record<string, string>;
}

/** One allocatable unit as a driver reports it. */
export interface DiscoveredDeployable {
  /** stable name within the host, e.g. "0000:0c:00.0" or "GPU-…/MIG-…" */
  name: string;
  /** the parent deployable's name (a MIG slice's GPU), if any */
  parent?: string;
  numAccelerators: number;
  /** placement resource class: FPGA, PGPU, VGPU, CUSTOM_* */
  resourceClass: string;
  traits: string[];
  attributes: Record<string, string>;
  bitstreamId?: string;
  attach: AttachHandle;
}

/** One board as a driver reports it (level-triggered: the whole truth each time). */
export interface DiscoveredDevice {
  type: DeviceType;
  /** vendor id, Cyborg's form: "0xabcd", "0x10de" */
  vendor: string;
  model: string;
  /** "0000:0c:00.0": identifies the device on its host across discoveries */
  address: string;
  stdBoardInfo: Record<string, string>;
  vendorBoardInfo: Record<string, string>;
  driverName: string;
  deployables: DiscoveredDeployable[];
}

export interface Device {
  uuid: string;
  type: DeviceType;
  vendor: string;
  model: string;
  hostname: string;
  address: string;
  stdBoardInfo: Record<string, string>;
  vendorBoardInfo: Record<string, string>;
  driverName: string;
  /** disabled devices are not allocated (Cyborg 2.3) */
  status: 'enabled' | 'disabled';
  /** present on its host at the last discovery; a missing device that is held stays until released */
  missing: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Deployable {
  uuid: string;
  deviceUuid: string;
  hostname: string;
  name: string;
  parentUuid: string | null;
  rootUuid: string | null;
  numAccelerators: number;
  driverName: string;
  /** the placement resource provider this deployable is (an id a bind may name) */
  rpUuid: string;
  resourceClass: string;
  traits: string[];
  attributes: Record<string, string>;
  bitstreamId: string | null;
  /** time-sliced sharing: how many ARQs one accelerator may serve (1: exclusive) */
  maxClients: number;
  /** accelerators × clients held now */
  used: number;
  attach: AttachHandle;
  /** why the last programming failed, until the next success */
  fault: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ProfileGroup {
  [key: string]: string;
}

export interface DeviceProfile {
  uuid: string;
  name: string;
  description: string | null;
  groups: ProfileGroup[];
  project: string;
  createdAt: number;
  updatedAt: number;
}

export type InstanceKind = 'sandbox' | 'node';

export interface AcceleratorRequest {
  uuid: string;
  state: ArqState;
  deviceProfileName: string;
  deviceProfileGroupId: number;
  project: string;
  hostname: string | null;
  deviceRpUuid: string | null;
  instanceUuid: string | null;
  instanceKind: InstanceKind | null;
  deployableUuid: string | null;
  attachHandleType: string | null;
  attachHandleInfo: Record<string, string> | null;
  /** why the last bind failed */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}
