/**
 * fake-hardware: every interface, no hardware (Ironic's drivers/modules/fake.py).
 * Calls succeed after an optional delay (Ironic's [fake]*_delay), so scale
 * tests can model slow BMCs. Unlike Ironic's, power and boot device are
 * remembered per node in this process, so a conductor's test sees a set
 * followed by a get agree; a node not yet touched reports its stored
 * power_state.
 *
 * Strata additions for conductor tests: driver_info `fake_power_error`
 * (`unreachable`, `timeout`, `busy`, `auth`, `bmc-error`) makes every power
 * and management call fail with that DriverError kind.
 */
import { DriverError, type DriverErrorKind } from '../errors.js';
import { invalidParameter } from '../errors.js';
import { nodeLabel } from '../driver-info.js';
import type {
  AnyInterface,
  BiosInterface,
  BiosSetting,
  BootDevice,
  BootDeviceInfo,
  BootInterface,
  BootMode,
  ConsoleInterface,
  DeployInterface,
  DriverContext,
  InspectInterface,
  InterfaceKind,
  ManagementInterface,
  PowerInterface,
  PowerState,
  PowerTarget,
  PropertySpec,
  RaidInterface,
  RescueInterface,
  StorageInterface,
  VendorInterface,
} from '../types.js';

/** A delay in milliseconds: fixed, or a [min, max] range drawn with a triangular distribution weighted to min. */
export type Delay = number | readonly [number, number];

export interface FakeOptions {
  delays?: Partial<Record<InterfaceKind, Delay>>;
  /** Random source for delays (tests pass a seeded one). */
  random?: () => number;
}

const FAULT_KINDS: readonly DriverErrorKind[] = ['unreachable', 'timeout', 'busy', 'auth', 'bmc-error'];

const FAKE_PROPERTIES: Record<string, PropertySpec> = {
  fake_power_error: {
    description: `Make every power and management call fail with this error kind: one of ${FAULT_KINDS.join(', ')}. Optional; for tests.`,
    required: false,
  },
};

interface NodeState {
  power?: PowerState;
  boot?: BootDeviceInfo;
  bootMode?: BootMode;
  bios?: Map<string, string | null>;
}

/** Builds the fake implementation of every interface kind, sharing one in-memory state. */
export function createFakeInterfaces(opts: FakeOptions = {}): AnyInterface[] {
  const random = opts.random ?? Math.random;
  const nodes = new Map<string, NodeState>();
  const stateOf = (ctx: DriverContext): NodeState => {
    let s = nodes.get(ctx.node.uuid);
    if (!s) nodes.set(ctx.node.uuid, (s = {}));
    return s;
  };
  const pause = async (kind: InterfaceKind, signal?: AbortSignal) => {
    const d = opts.delays?.[kind];
    if (d === undefined) return;
    const ms = typeof d === 'number' ? d : triangular(d[0], d[1], random());
    if (ms <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
    });
  };
  const injectedFault = (ctx: DriverContext) => {
    const v = ctx.node.driver_info.fake_power_error;
    if (v === undefined || v === null || v === '') return;
    if (typeof v !== 'string' || !(FAULT_KINDS as readonly string[]).includes(v)) {
      throw invalidParameter(nodeLabel(ctx.node), 'fake_power_error', `expected one of ${FAULT_KINDS.join(', ')}`);
    }
    throw new DriverError(v as DriverErrorKind, `fake BMC of node ${nodeLabel(ctx.node)}: injected ${v} failure`);
  };
  const validateFault = (ctx: DriverContext) => {
    try {
      injectedFault(ctx);
    } catch (err) {
      if (err instanceof DriverError && err.kind === 'invalid-parameter') throw err;
    }
  };

  const power: PowerInterface = {
    kind: 'power',
    name: 'fake',
    properties: () => FAKE_PROPERTIES,
    validate: validateFault,
    async getPowerState(ctx) {
      await pause('power', ctx.signal);
      injectedFault(ctx);
      return stateOf(ctx).power ?? ctx.node.power_state ?? 'power off';
    },
    async setPowerState(ctx, target) {
      await pause('power', ctx.signal);
      injectedFault(ctx);
      if (!power.supportedPowerStates(ctx).includes(target)) {
        throw invalidParameter(nodeLabel(ctx.node), 'power_state', `unsupported target "${target}"`);
      }
      const reached: PowerState = target === 'power off' || target === 'soft power off' ? 'power off' : 'power on';
      stateOf(ctx).power = reached;
      return reached;
    },
    async reboot(ctx) {
      await pause('power', ctx.signal);
      injectedFault(ctx);
      stateOf(ctx).power = 'power on';
      return 'power on';
    },
    supportedPowerStates: (): PowerTarget[] => ['power on', 'power off', 'rebooting', 'soft power off', 'soft rebooting'],
  };

  const management: ManagementInterface = {
    kind: 'management',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    supportedBootDevices: (): BootDevice[] => ['pxe', 'disk', 'cdrom', 'bios', 'safe'],
    async setBootDevice(ctx, device, persistent = false) {
      await pause('management', ctx.signal);
      injectedFault(ctx);
      if (!management.supportedBootDevices(ctx).includes(device)) {
        throw invalidParameter(nodeLabel(ctx.node), 'boot_device', `invalid boot device "${device}"`);
      }
      stateOf(ctx).boot = { boot_device: device, persistent };
    },
    async getBootDevice(ctx) {
      await pause('management', ctx.signal);
      injectedFault(ctx);
      return stateOf(ctx).boot ?? { boot_device: 'pxe', persistent: false };
    },
    async getBootMode(ctx) {
      return stateOf(ctx).bootMode ?? 'bios';
    },
    async setBootMode(ctx, mode) {
      await pause('management', ctx.signal);
      stateOf(ctx).bootMode = mode;
    },
    async injectNmi(ctx) {
      await pause('management', ctx.signal);
      injectedFault(ctx);
    },
  };

  const boot: BootInterface = {
    kind: 'boot',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    prepareRamdisk: (ctx) => pause('boot', ctx.signal),
    cleanUpRamdisk: (ctx) => pause('boot', ctx.signal),
    prepareInstance: (ctx) => pause('boot', ctx.signal),
    cleanUpInstance: (ctx) => pause('boot', ctx.signal),
  };

  const deploy: DeployInterface = {
    kind: 'deploy',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    prepare: (ctx) => pause('deploy', ctx.signal),
    async deploy(ctx) {
      await pause('deploy', ctx.signal);
      return 'done';
    },
    tearDown: (ctx) => pause('deploy', ctx.signal),
    cleanUp: (ctx) => pause('deploy', ctx.signal),
    takeOver: (ctx) => pause('deploy', ctx.signal),
    async prepareCleaning(ctx) {
      await pause('deploy', ctx.signal);
      return 'done';
    },
    tearDownCleaning: (ctx) => pause('deploy', ctx.signal),
    // Fake hardware has nothing to erase: automated cleaning has no steps.
    getCleanSteps: async () => [],
    async executeCleanStep(ctx) {
      await pause('deploy', ctx.signal);
      return 'done';
    },
  };

  const inspect: InspectInterface = {
    kind: 'inspect',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    async inspectHardware(ctx) {
      await pause('inspect', ctx.signal);
      // Reports what the node already claims: fake hardware has nothing else to show.
      const p = ctx.node.properties ?? {};
      const num = (v: unknown, d: number) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : d);
      const cpus = num(p.cpus, 1);
      const memory_mb = num(p.memory_mb, 1024);
      const local_gb = num(p.local_gb, 10);
      const cpu_arch = typeof p.cpu_arch === 'string' ? p.cpu_arch : 'x86_64';
      return {
        event: 'done',
        properties: { cpus, memory_mb, local_gb, cpu_arch },
        macs: [],
        inventory: {
          cpu: { count: cpus, architecture: cpu_arch },
          memory: { physical_mb: memory_mb },
          disks: [{ name: '/dev/fake0', size: local_gb * 1024 ** 3 }],
          interfaces: [],
        },
      };
    },
    abort: (ctx) => pause('inspect', ctx.signal),
  };

  const raid: RaidInterface = {
    kind: 'raid',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    validateRaidConfig: () => {},
    async createConfiguration(ctx) {
      await pause('raid', ctx.signal);
      return 'done';
    },
    async deleteConfiguration(ctx) {
      await pause('raid', ctx.signal);
      return 'done';
    },
  };

  const bios: BiosInterface = {
    kind: 'bios',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    async cacheBiosSettings(ctx) {
      await pause('bios', ctx.signal);
      const s = stateOf(ctx).bios;
      return s ? [...s].map(([name, value]): BiosSetting => ({ name, value })) : [];
    },
    async applyConfiguration(ctx, settings) {
      await pause('bios', ctx.signal);
      const st = stateOf(ctx);
      st.bios ??= new Map();
      for (const s of settings) st.bios.set(s.name, s.value);
      return 'done';
    },
    async factoryReset(ctx) {
      await pause('bios', ctx.signal);
      stateOf(ctx).bios = new Map();
      return 'done';
    },
  };

  const console: ConsoleInterface = {
    kind: 'console',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    startConsole: (ctx) => pause('console', ctx.signal),
    stopConsole: (ctx) => pause('console', ctx.signal),
    getConsole: async () => ({ type: 'fake', url: '' }),
  };

  const rescue: RescueInterface = {
    kind: 'rescue',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    async rescue(ctx) {
      await pause('rescue', ctx.signal);
      return 'done';
    },
    unrescue: (ctx) => pause('rescue', ctx.signal),
  };

  const storage: StorageInterface = {
    kind: 'storage',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    attachVolumes: (ctx) => pause('storage', ctx.signal),
    detachVolumes: (ctx) => pause('storage', ctx.signal),
  };

  const vendor: VendorInterface = {
    kind: 'vendor',
    name: 'fake',
    properties: () => ({}),
    validate: () => {},
    methods: () => ({ echo: { http_methods: ['POST'], async: false, description: 'Returns the request body.', attach: false } }),
    async call(ctx, method, _http, body) {
      await pause('vendor', ctx.signal);
      if (method !== 'echo') throw new DriverError('invalid-parameter', `Unsupported method (${method}) passed to fake vendor interface.`);
      return body;
    },
  };

  return [power, management, boot, deploy, inspect, raid, bios, console, rescue, storage, vendor];
}

function triangular(low: number, high: number, u: number): number {
  // mode = low, as Ironic's fake sleep weights towards the earliest.
  if (high <= low) return low;
  return high - (high - low) * Math.sqrt(1 - u);
}
