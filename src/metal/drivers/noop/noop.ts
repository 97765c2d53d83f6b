/**
 * The `no-*` and `noop` implementations (Ironic's drivers/modules/noop.py,
 * noop_mgmt.py, network/noop.py, storage/noop.py). `no-*` ones are the
 * defaults of optional interfaces: they fail validation and every action with
 * "does not support"; `noop` ones succeed and do nothing.
 */
import { unsupported } from '../errors.js';
import type {
  BiosInterface,
  BootDevice,
  ConsoleInterface,
  DriverContext,
  InspectInterface,
  ManagementInterface,
  NetworkInterface,
  RaidInterface,
  RescueInterface,
  StorageInterface,
  VendorInterface,
} from '../types.js';

const fail = (kind: string) => (ctx: DriverContext) => {
  throw unsupported(ctx.node.driver, kind);
};
const failAsync = (kind: string) => async (ctx: DriverContext): Promise<never> => {
  throw unsupported(ctx.node.driver, kind);
};

export const noBios: BiosInterface = {
  kind: 'bios',
  name: 'no-bios',
  properties: () => ({}),
  validate: fail('bios'),
  // Ironic's NoBIOS caches nothing rather than failing: there is simply no BIOS data.
  cacheBiosSettings: async () => [],
  applyConfiguration: failAsync('bios'),
  factoryReset: failAsync('bios'),
};

export const noConsole: ConsoleInterface = {
  kind: 'console',
  name: 'no-console',
  properties: () => ({}),
  validate: fail('console'),
  startConsole: failAsync('console'),
  stopConsole: failAsync('console'),
  getConsole: failAsync('console'),
};

export const noInspect: InspectInterface = {
  kind: 'inspect',
  name: 'no-inspect',
  properties: () => ({}),
  validate: fail('inspect'),
  inspectHardware: failAsync('inspect'),
};

export const noRaid: RaidInterface = {
  kind: 'raid',
  name: 'no-raid',
  properties: () => ({}),
  validate: fail('raid'),
  validateRaidConfig: fail('raid'),
  createConfiguration: failAsync('raid'),
  deleteConfiguration: failAsync('raid'),
};

export const noRescue: RescueInterface = {
  kind: 'rescue',
  name: 'no-rescue',
  properties: () => ({}),
  validate: fail('rescue'),
  rescue: failAsync('rescue'),
  unrescue: failAsync('rescue'),
};

export const noVendor: VendorInterface = {
  kind: 'vendor',
  name: 'no-vendor',
  properties: () => ({}),
  validate: fail('vendor'),
  methods: () => ({}),
  call: failAsync('vendor passthru'),
};

/** Management for hardware whose boot device an operator sets by hand. */
export const noopManagement: ManagementInterface = {
  kind: 'management',
  name: 'noop',
  properties: () => ({}),
  validate: () => {},
  supportedBootDevices: (): BootDevice[] => ['pxe', 'disk'],
  setBootDevice: async () => {},
  getBootDevice: async () => ({ boot_device: null, persistent: null }),
};

export const noopNetwork: NetworkInterface = {
  kind: 'network',
  name: 'noop',
  properties: () => ({}),
  validate: () => {},
  addProvisioningNetwork: async () => {},
  removeProvisioningNetwork: async () => {},
  configureTenantNetworks: async () => {},
  unconfigureTenantNetworks: async () => {},
};

export const noopStorage: StorageInterface = {
  kind: 'storage',
  name: 'noop',
  properties: () => ({}),
  validate: () => {},
  attachVolumes: async () => {},
  detachVolumes: async () => {},
};

export const NOOP_INTERFACES = [noBios, noConsole, noInspect, noRaid, noRescue, noVendor, noopManagement, noopNetwork, noopStorage] as const;
