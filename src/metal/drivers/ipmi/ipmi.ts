/**
 * The `ipmitool` power, management and vendor interfaces (Ironic's
 * drivers/modules/ipmitool.py), over ipmitool.ts.
 */
import { DriverError, invalidParameter } from '../errors.js';
import { bootModeOf } from '../boot-mode.js';
import { nodeLabel } from '../driver-info.js';
import { waitForPowerState, DEFAULT_POWER_TIMEOUT_MS } from '../power-wait.js';
import type {
  BootDevice,
  BootDeviceInfo,
  BootMode,
  DriverContext,
  ManagementInterface,
  PowerInterface,
  PowerState,
  PowerTarget,
  VendorInterface,
} from '../types.js';
import { IPMI_PROPERTIES, parseIpmiInfo, type IpmiInfo } from './driver-info.js';
import { runIpmitool, type IpmitoolOptions } from './ipmitool.js';

export interface IpmiDriverOptions extends IpmitoolOptions {
  /** How often to poll power status while waiting for a change. */
  pollIntervalMs?: number;
  /** Soft power off waits this long (Ironic's [conductor]soft_power_off_timeout). */
  softPowerOffTimeoutMs?: number;
}

/** IPMI "Set System Boot Options" boot device selectors (IPMI 2.0 §28.13). */
const BOOT_DEVICE_HEX: Record<BootDevice, string> = { pxe: '0x04', disk: '0x08', cdrom: '0x14', bios: '0x18', safe: '0x0c' };

/** Parses `ipmitool power status`. Pure. */
export function parsePowerStatus(stdout: string): PowerState {
  if (/Chassis Power is on/.test(stdout)) return 'power on';
  if (/Chassis Power is off/.test(stdout)) return 'power off';
  return 'error';
}

/** Parses `ipmitool chassis bootparam get 5`. Pure. */
export function parseBootParam(stdout: string): BootDeviceInfo & { mode: BootMode | null } {
  const sel = /Boot Device Selector : (.+)/.exec(stdout)?.[1] ?? '';
  let boot_device: BootDevice | null = null;
  if (/PXE/.test(sel)) boot_device = 'pxe';
  else if (/Hard-Drive/.test(sel)) boot_device = /Safe-Mode/.test(sel) ? 'safe' : 'disk';
  else if (/BIOS/.test(sel)) boot_device = 'bios';
  else if (/CD\/DVD/.test(sel)) boot_device = 'cdrom';
  const persistent = /Options apply to all future boots/.test(stdout) ? true : /Options apply to only next boot/.test(stdout) ? false : null;
  const mode = /BIOS EFI boot/.test(stdout) ? 'uefi' : /BIOS PC Compatible \(legacy\) boot/.test(stdout) ? 'bios' : null;
  return { boot_device, persistent: boot_device === null ? null : persistent, mode };
}

export function createIpmiInterfaces(opts: IpmiDriverOptions = {}): { power: PowerInterface; management: ManagementInterface; vendor: VendorInterface } {
  const run = (ctx: DriverContext, info: IpmiInfo, command: string[]) => runIpmitool(info, command, { ...opts, signal: ctx.signal });
  const interval = opts.pollIntervalMs ?? 1000;

  const status = async (ctx: DriverContext, info: IpmiInfo): Promise<PowerState> => parsePowerStatus((await run(ctx, info, ['power', 'status'])).stdout);

  const act = async (ctx: DriverContext, info: IpmiInfo, verb: 'on' | 'off' | 'soft', target: PowerState, timeoutMs?: number) => {
    await run(ctx, info, ['power', verb]);
    return waitForPowerState(() => status(ctx, info), target, { timeoutMs: timeoutMs ?? DEFAULT_POWER_TIMEOUT_MS, intervalMs: interval, signal: ctx.signal, what: `node ${nodeLabel(ctx.node)}` });
  };

  // ipmi_force_boot_device: re-send the persistent boot device (kept by the conductor in
  // driver_internal_info.persistent_boot_device) before each power on, for BMCs that forget it.
  const powerOn = async (ctx: DriverContext, info: IpmiInfo, timeoutMs?: number) => {
    const dev = ctx.node.driver_internal_info?.persistent_boot_device;
    if (info.forceBootDevice && typeof dev === 'string' && dev in BOOT_DEVICE_HEX) {
      await setBoot(ctx, info, dev as BootDevice, false);
    }
    return act(ctx, info, 'on', 'power on', timeoutMs);
  };

  const setBoot = async (ctx: DriverContext, info: IpmiInfo, device: BootDevice, persistent: boolean) => {
    if (info.disableBootTimeout) await run(ctx, info, ['raw', '0x00', '0x08', '0x03', '0x08']);
    if (bootModeOf(ctx.node) === 'uefi') {
      // ipmitool's "chassis bootdev ... options=efiboot" is unreliable across versions; Ironic sends the raw request.
      await run(ctx, info, ['raw', '0x00', '0x08', '0x05', persistent ? '0xe0' : '0xa0', BOOT_DEVICE_HEX[device], '0x00', '0x00', '0x00']);
      return;
    }
    await run(ctx, info, ['chassis', 'bootdev', device, ...(persistent ? ['options=persistent'] : [])]);
  };

  const power: PowerInterface = {
    kind: 'power',
    name: 'ipmitool',
    properties: () => IPMI_PROPERTIES,
    validate: (ctx) => {
      parseIpmiInfo(ctx.node);
    },
    getPowerState: (ctx) => status(ctx, parseIpmiInfo(ctx.node)),
    async setPowerState(ctx, target, o = {}) {
      const info = parseIpmiInfo(ctx.node);
      switch (target) {
        case 'power on':
          return powerOn(ctx, info, o.timeoutMs);
        case 'power off':
          return act(ctx, info, 'off', 'power off', o.timeoutMs);
        case 'soft power off':
          return act(ctx, info, 'soft', 'power off', o.timeoutMs ?? opts.softPowerOffTimeoutMs ?? 600_000);
        case 'rebooting':
          return power.reboot(ctx, o);
        case 'soft rebooting': {
          await act(ctx, info, 'soft', 'power off', o.timeoutMs ?? opts.softPowerOffTimeoutMs ?? 600_000);
          return powerOn(ctx, info, o.timeoutMs);
        }
        default:
          throw invalidParameter(nodeLabel(ctx.node), 'power_state', `unsupported target "${String(target)}"`);
      }
    },
    async reboot(ctx, o = {}) {
      // Off then on, as Ironic does: "power cycle" fails on a node that is off.
      const info = parseIpmiInfo(ctx.node);
      await act(ctx, info, 'off', 'power off', o.timeoutMs);
      return powerOn(ctx, info, o.timeoutMs);
    },
    supportedPowerStates: (): PowerTarget[] => ['power on', 'power off', 'rebooting', 'soft power off', 'soft rebooting'],
  };

  const management: ManagementInterface = {
    kind: 'management',
    name: 'ipmitool',
    properties: () => IPMI_PROPERTIES,
    validate: (ctx) => {
      parseIpmiInfo(ctx.node);
    },
    supportedBootDevices: (): BootDevice[] => Object.keys(BOOT_DEVICE_HEX) as BootDevice[],
    async setBootDevice(ctx, device, persistent = false) {
      if (!(device in BOOT_DEVICE_HEX)) throw invalidParameter(nodeLabel(ctx.node), 'boot_device', `invalid boot device "${device}"`);
      await setBoot(ctx, parseIpmiInfo(ctx.node), device, persistent);
    },
    async getBootDevice(ctx) {
      const { boot_device, persistent } = parseBootParam((await run(ctx, parseIpmiInfo(ctx.node), ['chassis', 'bootparam', 'get', '5'])).stdout);
      return { boot_device, persistent };
    },
    async getBootMode(ctx) {
      return parseBootParam((await run(ctx, parseIpmiInfo(ctx.node), ['chassis', 'bootparam', 'get', '5'])).stdout).mode;
    },
    async injectNmi(ctx) {
      await run(ctx, parseIpmiInfo(ctx.node), ['power', 'diag']);
    },
  };

  const vendor: VendorInterface = {
    kind: 'vendor',
    name: 'ipmitool',
    properties: () => IPMI_PROPERTIES,
    validate: (ctx) => {
      parseIpmiInfo(ctx.node);
    },
    methods: () => ({
      send_raw: { http_methods: ['POST'], async: true, attach: false, description: 'Send a raw IPMI request. Body: {"raw_bytes": "0x00 0x01 ..."} (netfn, command, data bytes).' },
      bmc_reset: { http_methods: ['POST'], async: true, attach: false, description: 'Reset the BMC. Body: {"warm": true|false}, warm by default.' },
    }),
    async call(ctx, method, _http, body) {
      const info = parseIpmiInfo(ctx.node);
      const b = (body ?? {}) as Record<string, unknown>;
      if (method === 'send_raw') {
        const raw = typeof b.raw_bytes === 'string' ? b.raw_bytes.trim().split(/\s+/) : [];
        if (raw.length < 2 || !raw.every((x) => /^(0x)?[0-9a-fA-F]{1,2}$/.test(x))) {
          throw new DriverError('invalid-parameter', 'send_raw needs "raw_bytes": at least a network function and a command, as hexadecimal bytes');
        }
        const { stdout } = await run(ctx, info, ['raw', ...raw]);
        return { output: stdout.trim() };
      }
      if (method === 'bmc_reset') {
        const warm = b.warm === undefined ? true : b.warm === true || b.warm === 'true';
        await run(ctx, info, ['bmc', 'reset', warm ? 'warm' : 'cold']);
        return null;
      }
      throw new DriverError('invalid-parameter', `Unsupported method (${method}) passed to ipmitool vendor interface.`);
    },
  };

  return { power, management, vendor };
}
