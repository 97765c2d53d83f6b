/**
 * The hardware-interface model, after Ironic's `ironic/drivers/base.py`: a
 * node's driver is a hardware type (`ipmi`, `redfish`, `fake-hardware`)
 * composed of one implementation per interface kind. Interfaces are small
 * async objects; the conductor calls them with a DriverContext and persists
 * whatever they return. They never write to the store themselves.
 */
import type { ProvisionState } from '../states/provision.js';

// ---------------------------------------------------------------------------
// Vocabulary (ironic/common/states.py, boot_devices.py, boot_modes.py)
// ---------------------------------------------------------------------------

/** Power states as Ironic spells them. `error` is what a BMC answer we cannot read maps to. */
export const POWER_STATES = ['power on', 'power off', 'rebooting', 'soft rebooting', 'soft power off', 'error'] as const;
export type PowerState = 'power on' | 'power off' | 'error';
/** What `PUT /v1/nodes/{id}/states/power {"target": ...}` may ask for. */
export type PowerTarget = 'power on' | 'power off' | 'rebooting' | 'soft rebooting' | 'soft power off';
export const POWER_TARGETS: readonly PowerTarget[] = ['power on', 'power off', 'rebooting', 'soft rebooting', 'soft power off'];

export const BOOT_DEVICES = ['pxe', 'disk', 'cdrom', 'bios', 'safe'] as const;
export type BootDevice = (typeof BOOT_DEVICES)[number];

export type BootMode = 'uefi' | 'bios';

export interface BootDeviceInfo {
  /** null when the BMC does not say. */
  boot_device: BootDevice | null;
  /** Whether the choice applies to every boot; null when unknown. */
  persistent: boolean | null;
}

// ---------------------------------------------------------------------------
// Interface kinds
// ---------------------------------------------------------------------------

/** Every interface kind a node has, in Ironic's order (core, then optional, then vendor). */
export const INTERFACE_KINDS = ['boot', 'deploy', 'management', 'network', 'power', 'bios', 'console', 'inspect', 'raid', 'rescue', 'storage', 'vendor'] as const;
export type InterfaceKind = (typeof INTERFACE_KINDS)[number];
/** Interfaces that must validate for a node to be deployable (Ironic's core_interfaces). */
export const CORE_INTERFACES: readonly InterfaceKind[] = ['boot', 'deploy', 'management', 'network', 'power'];

// ---------------------------------------------------------------------------
// What the conductor hands an interface
// ---------------------------------------------------------------------------

/** The node as drivers see it: the API's fields, with secrets in driver_info already decrypted. */
export interface DriverNode {
  uuid: string;
  name?: string | null;
  /** The hardware type. */
  driver: string;
  driver_info: Record<string, unknown>;
  driver_internal_info?: Record<string, unknown>;
  instance_info?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  power_state?: PowerState | null;
  provision_state?: ProvisionState;
  /** Interface choices; null or absent means the hardware type's default. */
  interfaces?: Partial<Record<InterfaceKind, string | null>>;
}

export interface DriverLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface DriverContext {
  node: DriverNode;
  /** Aborts BMC calls (conductor shutdown, lost lease). */
  signal?: AbortSignal;
  log?: DriverLogger;
}

/** One driver_info (or other) key an interface reads: what `GET /v1/drivers/{name}/properties` lists. */
export interface PropertySpec {
  description: string;
  required: boolean;
  /** Masked in API responses and logs (`******`). */
  secret?: boolean;
}

export interface BaseInterface {
  readonly kind: InterfaceKind;
  /** The implementation's name, as a node's `<kind>_interface` field spells it. */
  readonly name: string;
  /** The driver_info keys this implementation reads. */
  properties(): Record<string, PropertySpec>;
  /**
   * Checks the node can use this implementation, without touching hardware
   * unless that is the point (power validates credentials' shape, not reachability).
   * Throws a DriverError (`invalid-parameter`, `missing-parameter`, `unsupported`).
   */
  validate(ctx: DriverContext): void | Promise<void>;
}

// ---------------------------------------------------------------------------
// The interfaces
// ---------------------------------------------------------------------------

export interface PowerInterface extends BaseInterface {
  readonly kind: 'power';
  getPowerState(ctx: DriverContext): Promise<PowerState>;
  /**
   * Asks for a power state and resolves once the BMC reports it (polling up to
   * `timeoutMs`), with the state reached. Rejects with a DriverError
   * (`timeout` when the BMC accepted but did not get there).
   */
  setPowerState(ctx: DriverContext, target: PowerTarget, opts?: { timeoutMs?: number }): Promise<PowerState>;
  /** A hard reboot (power on when off); resolves once the node reports `power on`. */
  reboot(ctx: DriverContext, opts?: { timeoutMs?: number }): Promise<PowerState>;
  supportedPowerStates(ctx: DriverContext): PowerTarget[];
}

export interface ManagementInterface extends BaseInterface {
  readonly kind: 'management';
  supportedBootDevices(ctx: DriverContext): BootDevice[];
  setBootDevice(ctx: DriverContext, device: BootDevice, persistent?: boolean): Promise<void>;
  getBootDevice(ctx: DriverContext): Promise<BootDeviceInfo>;
  getBootMode?(ctx: DriverContext): Promise<BootMode | null>;
  setBootMode?(ctx: DriverContext, mode: BootMode): Promise<void>;
  injectNmi?(ctx: DriverContext): Promise<void>;
}

/** What a step returns: `done` to continue at once, `wait` to wait for the agent (wait call-back, clean wait, …). */
export type StepOutcome = 'done' | 'wait';

/** Prepares what the node boots: PXE/iPXE configuration, virtual media. Conductor-side implementations live in metal/boot. */
export interface BootInterface extends BaseInterface {
  readonly kind: 'boot';
  /** Make the node boot the deploy/cleaning/rescue ramdisk, with these kernel parameters. */
  prepareRamdisk(ctx: DriverContext, params: Record<string, string>): Promise<void>;
  cleanUpRamdisk(ctx: DriverContext): Promise<void>;
  /** Make the node boot the deployed instance. */
  prepareInstance(ctx: DriverContext): Promise<void>;
  cleanUpInstance(ctx: DriverContext): Promise<void>;
}

export interface CleanStep {
  interface: InterfaceKind;
  step: string;
  priority: number;
  args?: Record<string, unknown>;
  abortable?: boolean;
}

export interface AgentHeartbeat {
  callbackUrl: string;
  agentVersion?: string;
  agentStatus?: string;
  agentStatusMessage?: string;
}

/** Writes an image to the node. The `direct`/`ramdisk` implementations belong to the conductor. */
export interface DeployInterface extends BaseInterface {
  readonly kind: 'deploy';
  prepare(ctx: DriverContext): Promise<void>;
  /** Starts deploying: `wait` → the node goes to `wait call-back` until the agent heartbeats. */
  deploy(ctx: DriverContext): Promise<StepOutcome>;
  /** Tears the instance down (the node is powered off on return). */
  tearDown(ctx: DriverContext): Promise<void>;
  cleanUp(ctx: DriverContext): Promise<void>;
  /** A new conductor adopts an active node (re-create boot configuration). */
  takeOver(ctx: DriverContext): Promise<void>;
  /** An agent heartbeat while in a waiting state; returns the event to fire, if any. */
  heartbeat?(ctx: DriverContext, hb: AgentHeartbeat): Promise<'resume' | 'done' | null>;
  prepareCleaning(ctx: DriverContext): Promise<StepOutcome>;
  tearDownCleaning(ctx: DriverContext): Promise<void>;
  getCleanSteps(ctx: DriverContext): Promise<CleanStep[]>;
  executeCleanStep(ctx: DriverContext, step: CleanStep): Promise<StepOutcome>;
}

/** Hardware facts found by inspection; the conductor merges `properties` into the node and creates ports. */
export interface InspectionResult {
  /** Ironic's essential properties: cpus, memory_mb, local_gb, cpu_arch (and capabilities such as boot_mode). */
  properties: { cpus: number; memory_mb: number; local_gb: number; cpu_arch: string; capabilities?: string };
  /** MAC addresses of enabled NICs, lower case: the conductor creates a port for each. */
  macs: string[];
  /** The MACs that may PXE boot (a subset of macs), when the BMC says. */
  pxeMacs?: string[];
  /** Everything read, for the node's inventory (`GET /v1/nodes/{id}/inventory`). */
  inventory: Inventory;
}

export interface Inventory {
  cpu: { count: number; architecture: string; model?: string };
  memory: { physical_mb: number };
  disks: { name: string; size: number }[];
  interfaces: { name: string; mac_address: string; enabled: boolean }[];
  system_vendor?: { manufacturer?: string; product_name?: string; serial_number?: string };
  boot?: { current_boot_mode?: BootMode };
}

export type InspectOutcome = ({ event: 'done' } & InspectionResult) | { event: 'wait' };

export interface InspectInterface extends BaseInterface {
  readonly kind: 'inspect';
  /** `done` with the facts (node → manageable), or `wait` (node → inspect wait) for asynchronous inspection. */
  inspectHardware(ctx: DriverContext): Promise<InspectOutcome>;
  abort?(ctx: DriverContext): Promise<void>;
}

export interface RaidLogicalDisk {
  size_gb: number | 'MAX';
  raid_level: string;
  is_root_volume?: boolean;
  [key: string]: unknown;
}

export interface RaidInterface extends BaseInterface {
  readonly kind: 'raid';
  validateRaidConfig(ctx: DriverContext, config: { logical_disks: RaidLogicalDisk[] }): void;
  createConfiguration(ctx: DriverContext, opts: { target: { logical_disks: RaidLogicalDisk[] }; createRootVolume?: boolean; createNonrootVolumes?: boolean }): Promise<StepOutcome>;
  deleteConfiguration(ctx: DriverContext): Promise<StepOutcome>;
}

export interface BiosSetting {
  name: string;
  value: string | null;
}

export interface BiosInterface extends BaseInterface {
  readonly kind: 'bios';
  /** Reads the current settings, for the node's `bios` sub-resource. */
  cacheBiosSettings(ctx: DriverContext): Promise<BiosSetting[]>;
  applyConfiguration(ctx: DriverContext, settings: BiosSetting[]): Promise<StepOutcome>;
  factoryReset(ctx: DriverContext): Promise<StepOutcome>;
}

export interface ConsoleInterface extends BaseInterface {
  readonly kind: 'console';
  startConsole(ctx: DriverContext): Promise<void>;
  stopConsole(ctx: DriverContext): Promise<void>;
  getConsole(ctx: DriverContext): Promise<{ type: string; url: string }>;
}

export interface RescueInterface extends BaseInterface {
  readonly kind: 'rescue';
  rescue(ctx: DriverContext): Promise<StepOutcome>;
  unrescue(ctx: DriverContext): Promise<void>;
}

export interface NetworkInterface extends BaseInterface {
  readonly kind: 'network';
  addProvisioningNetwork(ctx: DriverContext): Promise<void>;
  removeProvisioningNetwork(ctx: DriverContext): Promise<void>;
  configureTenantNetworks(ctx: DriverContext): Promise<void>;
  unconfigureTenantNetworks(ctx: DriverContext): Promise<void>;
}

export interface StorageInterface extends BaseInterface {
  readonly kind: 'storage';
  attachVolumes(ctx: DriverContext): Promise<void>;
  detachVolumes(ctx: DriverContext): Promise<void>;
}

export interface VendorMethod {
  http_methods: ('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE')[];
  async: boolean;
  description: string;
  attach: boolean;
}

export interface VendorInterface extends BaseInterface {
  readonly kind: 'vendor';
  /** The methods `GET /v1/nodes/{id}/vendor_passthru/methods` lists. */
  methods(): Record<string, VendorMethod>;
  call(ctx: DriverContext, method: string, httpMethod: string, body: unknown): Promise<unknown>;
}

export interface InterfaceByKind {
  power: PowerInterface;
  management: ManagementInterface;
  boot: BootInterface;
  deploy: DeployInterface;
  inspect: InspectInterface;
  raid: RaidInterface;
  bios: BiosInterface;
  console: ConsoleInterface;
  rescue: RescueInterface;
  network: NetworkInterface;
  storage: StorageInterface;
  vendor: VendorInterface;
}

export type AnyInterface = InterfaceByKind[InterfaceKind];

/** A node's driver, composed: one implementation per kind. */
export type ComposedDriver = { readonly hardwareType: string } & { readonly [K in InterfaceKind]: InterfaceByKind[K] };
