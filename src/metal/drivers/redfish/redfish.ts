/**
 * The `redfish` power, management, inspect and bios interfaces (Ironic's
 * drivers/modules/redfish/*), speaking Redfish through client.ts.
 */
import { DriverError, invalidParameter } from '../errors.js';
import { nodeLabel } from '../driver-info.js';
import { waitForPowerState, DEFAULT_POWER_TIMEOUT_MS } from '../power-wait.js';
import type {
  BiosInterface,
  BiosSetting,
  BootDevice,
  BootMode,
  DriverContext,
  InspectInterface,
  InspectionResult,
  ManagementInterface,
  PowerInterface,
  PowerState,
  PowerTarget,
} from '../types.js';
import { RedfishClientCache, type RedfishClient } from './client.js';
import { parseRedfishInfo, REDFISH_PROPERTIES, type RedfishInfo } from './driver-info.js';

export interface RedfishDriverOptions {
  /** Shared client cache (sessions are reused across calls); one per driver set by default. */
  clients?: RedfishClientCache;
  requestTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Ironic's [redfish]auth_type: the default when driver_info has no redfish_auth_type. */
  defaultAuthType?: 'basic' | 'session' | 'auto';
  softPowerOffTimeoutMs?: number;
}

type Json = Record<string, unknown>;
type Link = { '@odata.id'?: string };

const GET_POWER: Record<string, PowerState> = { On: 'power on', PoweringOn: 'power on', Off: 'power off', PoweringOff: 'power off' };
const BOOT_TARGETS: Record<string, BootDevice> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', BiosSetup: 'bios' };
const BOOT_TARGETS_REV: Partial<Record<BootDevice, string>> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };
const BOOT_MODES: Record<string, BootMode> = { UEFI: 'uefi', Legacy: 'bios' };
const CPU_ARCH: Record<string, string> = { x86: 'x86_64', 'IA-64': 'ia64', ARM: 'arm', MIPS: 'mips', OEM: 'oem' };
const GiB = 1024 ** 3;

const link = (v: unknown): string | undefined => (v && typeof v === 'object' ? (v as Link)['@odata.id'] : undefined);
const members = (col: Json): string[] => ((col.Members as Link[] | undefined) ?? []).map((m) => m['@odata.id']).filter((x): x is string => !!x);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** The smallest size of at least 4 GiB, or 0 (Ironic: smaller devices are not root disks). */
function smallestRootCandidate(sizes: number[]): number {
  return sizes.filter((s) => s >= 4 * GiB).sort((a, b) => a - b)[0] ?? 0;
}

/** Ironic's local_gb: the chosen disk's size in GiB, less one for partitioning. */
export function localGbFrom(simpleSizes: number[], volumeSizes: number[], driveSizes: number[]): number {
  const simple = smallestRootCandidate(simpleSizes);
  const storage = smallestRootCandidate(volumeSizes) || smallestRootCandidate(driveSizes);
  const chosen = simple && storage ? Math.min(simple, storage) : Math.max(simple, storage);
  return Math.max(0, Math.floor(chosen / GiB - 1));
}

export function createRedfishInterfaces(opts: RedfishDriverOptions = {}): {
  power: PowerInterface;
  management: ManagementInterface;
  inspect: InspectInterface;
  bios: BiosInterface;
} {
  const clients = opts.clients ?? new RedfishClientCache({ timeoutMs: opts.requestTimeoutMs });
  const interval = opts.pollIntervalMs ?? 1000;

  const open = (ctx: DriverContext): { info: RedfishInfo; client: RedfishClient } => {
    const info = parseRedfishInfo(ctx.node, { authType: opts.defaultAuthType });
    return { info, client: clients.get(info) };
  };

  /** The system's path: driver_info's, or the only member of Systems. */
  const systemPath = async (ctx: DriverContext, info: RedfishInfo, client: RedfishClient): Promise<string> => {
    if (info.systemId) return info.systemId;
    const root = await client.get(info.rootPrefix, ctx.signal);
    const systems = link(root.Systems);
    if (!systems) throw new DriverError('bmc-error', `Redfish BMC ${info.address}: the service root has no Systems collection`);
    const ids = members(await client.get(systems, ctx.signal));
    if (ids.length !== 1) {
      throw invalidParameter(nodeLabel(ctx.node), 'redfish_system_id', `the BMC manages ${ids.length} systems (${ids.join(', ') || 'none'}); say which one`);
    }
    return ids[0];
  };

  const getSystem = async (ctx: DriverContext) => {
    const { info, client } = open(ctx);
    const path = await systemPath(ctx, info, client);
    return { info, client, path, system: await client.get(path, ctx.signal) };
  };

  const readPower = async (ctx: DriverContext): Promise<PowerState> => {
    const { system } = await getSystem(ctx);
    return GET_POWER[String(system.PowerState)] ?? 'error';
  };

  const reset = async (ctx: DriverContext, resetType: string) => {
    const { client, path, system } = await getSystem(ctx);
    const action = ((system.Actions as Json | undefined)?.['#ComputerSystem.Reset'] ?? {}) as Json;
    const target = typeof action.target === 'string' ? action.target : `${path}/Actions/ComputerSystem.Reset`;
    const allowed = action['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(allowed) && !allowed.includes(resetType)) {
      throw new DriverError('unsupported', `Redfish system ${path} does not allow ResetType ${resetType} (allowed: ${allowed.join(', ')})`);
    }
    await client.post(target, { ResetType: resetType }, ctx.signal);
    return String(system.PowerState);
  };

  const wait = (ctx: DriverContext, target: PowerState, timeoutMs?: number) =>
    waitForPowerState(() => readPower(ctx), target, { timeoutMs: timeoutMs ?? DEFAULT_POWER_TIMEOUT_MS, intervalMs: interval, signal: ctx.signal, what: `node ${nodeLabel(ctx.node)}` });

  const validate = (ctx: DriverContext) => {
    parseRedfishInfo(ctx.node, { authType: opts.defaultAuthType });
  };

  const power: PowerInterface = {
    kind: 'power',
    name: 'redfish',
    properties: () => REDFISH_PROPERTIES,
    validate,
    getPowerState: readPower,
    async setPowerState(ctx, target, o = {}) {
      switch (target) {
        case 'power on':
          await reset(ctx, 'On');
          return wait(ctx, 'power on', o.timeoutMs);
        case 'power off':
          await reset(ctx, 'ForceOff');
          return wait(ctx, 'power off', o.timeoutMs);
        case 'soft power off':
          await reset(ctx, 'GracefulShutdown');
          return wait(ctx, 'power off', o.timeoutMs ?? opts.softPowerOffTimeoutMs ?? 600_000);
        case 'rebooting':
          return power.reboot(ctx, o);
        case 'soft rebooting':
          await reset(ctx, 'GracefulRestart');
          return wait(ctx, 'power on', o.timeoutMs);
        default:
          throw invalidParameter(nodeLabel(ctx.node), 'power_state', `unsupported target "${String(target)}"`);
      }
    },
    async reboot(ctx, o = {}) {
      // ForceRestart of a node that is off does nothing on many BMCs: power it on instead (as Ironic does).
      const current = await readPower(ctx);
      await reset(ctx, current === 'power off' ? 'On' : 'ForceRestart');
      return wait(ctx, 'power on', o.timeoutMs);
    },
    supportedPowerStates: (): PowerTarget[] => ['power on', 'power off', 'rebooting', 'soft power off', 'soft rebooting'],
  };

  const management: ManagementInterface = {
    kind: 'management',
    name: 'redfish',
    properties: () => REDFISH_PROPERTIES,
    validate,
    supportedBootDevices: (): BootDevice[] => ['pxe', 'disk', 'cdrom', 'bios'],
    async setBootDevice(ctx, device, persistent = false) {
      const target = BOOT_TARGETS_REV[device];
      if (!target) throw invalidParameter(nodeLabel(ctx.node), 'boot_device', `boot device "${device}" is not supported by Redfish (supported: pxe, disk, cdrom, bios)`);
      const { client, path, system } = await getSystem(ctx);
      const allowed = (system.Boot as Json | undefined)?.['BootSourceOverrideTarget@Redfish.AllowableValues'];
      if (Array.isArray(allowed) && !allowed.includes(target)) {
        throw new DriverError('unsupported', `Redfish system ${path} does not allow BootSourceOverrideTarget ${target} (allowed: ${allowed.join(', ')})`);
      }
      await client.patch(path, { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: persistent ? 'Continuous' : 'Once' } }, ctx.signal);
    },
    async getBootDevice(ctx) {
      const boot = ((await getSystem(ctx)).system.Boot ?? {}) as Json;
      const enabled = String(boot.BootSourceOverrideEnabled ?? '');
      return {
        boot_device: BOOT_TARGETS[String(boot.BootSourceOverrideTarget)] ?? null,
        persistent: enabled === 'Continuous' ? true : enabled === 'Once' ? false : null,
      };
    },
    async getBootMode(ctx) {
      const boot = ((await getSystem(ctx)).system.Boot ?? {}) as Json;
      return BOOT_MODES[String(boot.BootSourceOverrideMode)] ?? null;
    },
    async setBootMode(ctx, mode) {
      const { client, path } = await getSystem(ctx);
      await client.patch(path, { Boot: { BootSourceOverrideMode: mode === 'uefi' ? 'UEFI' : 'Legacy' } }, ctx.signal);
    },
    async injectNmi(ctx) {
      await reset(ctx, 'Nmi');
    },
  };

  const collection = async (ctx: DriverContext, client: RedfishClient, path: string | undefined): Promise<Json[]> => {
    if (!path) return [];
    const col = await client.get(path, ctx.signal);
    return Promise.all(members(col).map((m) => client.get(m, ctx.signal)));
  };

  const inspect: InspectInterface = {
    kind: 'inspect',
    name: 'redfish',
    properties: () => REDFISH_PROPERTIES,
    validate,
    async inspectHardware(ctx) {
      const { client, system, path } = await getSystem(ctx);
      const where = `Redfish system ${path}`;

      const processors = await collection(ctx, client, link(system.Processors));
      let cpus = processors.reduce((n, p) => n + (num(p.TotalThreads) ?? 0), 0);
      if (!cpus) cpus = num((system.ProcessorSummary as Json | undefined)?.Count) ?? 0;
      const archRaw = processors.map((p) => p.ProcessorArchitecture).find((a) => typeof a === 'string') as string | undefined;
      const cpu_arch = archRaw ? CPU_ARCH[archRaw] : undefined;

      const gib = num((system.MemorySummary as Json | undefined)?.TotalSystemMemoryGiB);
      let memory_mb = gib !== undefined ? Math.round(gib * 1024) : 0;
      if (!memory_mb) {
        const dimms = await collection(ctx, client, link(system.Memory));
        memory_mb = dimms.reduce((n, d) => n + (num(d.CapacityMiB) ?? 0), 0);
      }

      const simple = await collection(ctx, client, link(system.SimpleStorage));
      const simpleDevices = simple.flatMap((s) => ((s.Devices as Json[] | undefined) ?? []).map((d) => ({ name: String(d.Name ?? ''), size: num(d.CapacityBytes) ?? 0 })));
      const storages = await collection(ctx, client, link(system.Storage));
      const volumes = (await Promise.all(storages.map((s) => collection(ctx, client, link(s.Volumes))))).flat();
      const drives = (await Promise.all(storages.flatMap((s) => ((s.Drives as Link[] | undefined) ?? []).map((d) => (d['@odata.id'] ? client.get(d['@odata.id'], ctx.signal) : undefined)).filter((p): p is Promise<Json> => !!p)))).flat();
      const local_gb = localGbFrom(
        simpleDevices.map((d) => d.size),
        volumes.map((v) => num(v.CapacityBytes) ?? 0),
        drives.map((d) => num(d.CapacityBytes) ?? 0),
      );

      const nics = await collection(ctx, client, link(system.EthernetInterfaces));
      const interfaces = nics
        .map((n) => ({
          name: String(n.Id ?? n.Name ?? ''),
          mac_address: String(n.MACAddress ?? n.PermanentMACAddress ?? '').toLowerCase(),
          enabled: ((n.Status as Json | undefined)?.State ?? 'Enabled') === 'Enabled',
        }))
        .filter((n) => n.mac_address);

      const missing = [!cpus && 'cpus', !memory_mb && 'memory_mb', !cpu_arch && 'cpu_arch'].filter(Boolean);
      if (missing.length) {
        throw new DriverError('bmc-error', `Failed to discover the following properties: ${missing.join(', ')} on node ${nodeLabel(ctx.node)} (${where})`);
      }
      const mode = BOOT_MODES[String((system.Boot as Json | undefined)?.BootSourceOverrideMode)];
      const properties: InspectionResult['properties'] = { cpus, memory_mb, local_gb, cpu_arch: cpu_arch! };
      if (mode) properties.capabilities = `boot_mode:${mode}`;
      const disks = [...simpleDevices, ...drives.map((d) => ({ name: String(d.Name ?? d.Id ?? ''), size: num(d.CapacityBytes) ?? 0 }))];
      return {
        event: 'done',
        properties,
        macs: interfaces.filter((i) => i.enabled).map((i) => i.mac_address),
        inventory: {
          cpu: { count: cpus, architecture: cpu_arch!, model: processors.map((p) => p.Model).find((m) => typeof m === 'string') as string | undefined },
          memory: { physical_mb: memory_mb },
          disks,
          interfaces,
          system_vendor: {
            manufacturer: typeof system.Manufacturer === 'string' ? system.Manufacturer : undefined,
            product_name: typeof system.Model === 'string' ? system.Model : undefined,
            serial_number: typeof system.SerialNumber === 'string' ? system.SerialNumber : undefined,
          },
          ...(mode ? { boot: { current_boot_mode: mode } } : {}),
        },
      };
    },
  };

  const biosPath = async (ctx: DriverContext) => {
    const { client, system, path } = await getSystem(ctx);
    const bios = link(system.Bios);
    if (!bios) throw new DriverError('unsupported', `Redfish system ${path} has no Bios resource`);
    return { client, bios };
  };

  const bios: BiosInterface = {
    kind: 'bios',
    name: 'redfish',
    properties: () => REDFISH_PROPERTIES,
    validate,
    async cacheBiosSettings(ctx) {
      const { client, bios: path } = await biosPath(ctx);
      const attrs = ((await client.get(path, ctx.signal)).Attributes ?? {}) as Json;
      return Object.entries(attrs).map(([name, value]): BiosSetting => ({ name, value: value === null ? null : String(value) }));
    },
    async applyConfiguration(ctx, settings) {
      const { client, bios: path } = await biosPath(ctx);
      const bios = await client.get(path, ctx.signal);
      const settingsPath = link(((bios['@Redfish.Settings'] ?? {}) as Json).SettingsObject) ?? `${path}/Settings`;
      const current = (bios.Attributes ?? {}) as Json;
      const attrs: Json = {};
      for (const s of settings) {
        if (!(s.name in current)) throw invalidParameter(nodeLabel(ctx.node), 'bios settings', `the BIOS has no attribute ${s.name}`);
        const cur = current[s.name];
        attrs[s.name] = typeof cur === 'number' && s.value !== null && Number.isFinite(Number(s.value)) ? Number(s.value) : typeof cur === 'boolean' ? s.value === 'true' : s.value;
      }
      await client.patch(settingsPath, { Attributes: attrs }, ctx.signal);
      // The BMC applies pending settings at the next boot; the conductor reboots and re-reads.
      return 'done';
    },
    async factoryReset(ctx) {
      const { client, bios: path } = await biosPath(ctx);
      const bios = await client.get(path, ctx.signal);
      const target = ((bios.Actions as Json | undefined)?.['#Bios.ResetBios'] as Json | undefined)?.target;
      await client.post(typeof target === 'string' ? target : `${path}/Actions/Bios.ResetBios`, {}, ctx.signal);
      return 'done';
    },
  };

  return { power, management, inspect, bios };
}
