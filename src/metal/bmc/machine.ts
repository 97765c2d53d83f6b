/**
 * An emulated machine as a virtual BMC sees it, and the pure rules that move
 * it: ComputerSystem.Reset types, boot source override (Once is consumed at
 * the next boot), pending BIOS settings applied at boot. The imperative shell
 * (machines.ts) carries out the effects these functions return.
 */
import { createHash } from 'node:crypto';

export const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton', 'PowerCycle'] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export const BOOT_TARGETS = ['None', 'Pxe', 'Hdd', 'Cd', 'BiosSetup'] as const;
export type BootTarget = (typeof BOOT_TARGETS)[number];
export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export type BootEnabled = (typeof BOOT_ENABLED)[number];
export type BootModeName = 'UEFI' | 'Legacy';

export type PowerStateName = 'On' | 'Off';
export type BiosValue = string | number | boolean;

export interface DiskSpec {
  id: string;
  name: string;
  sizeBytes: number;
  /** The image file, for QEMU-backed machines (relative to the machine's directory). */
  file?: string;
}

export interface NicSpec {
  id: string;
  mac: string;
}

export interface Hardware {
  cpus: number;
  memoryMiB: number;
  arch: 'x86_64';
  disks: DiskSpec[];
  nics: NicSpec[];
}

/** How a QEMU-backed machine is launched; kept in the record so any process (the IPMI hook too) can start it. */
export interface QemuConfig {
  binary: string;
  accel: 'kvm' | 'tcg';
  /** -netdev backend options without the id, e.g. "user,restrict=on" or "tap,ifname=tap0,script=no,downscript=no". */
  netdev: string;
  /** Run QEMU inside this network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** UEFI firmware (OVMF code) image; UEFI boot is offered only when set. */
  firmware?: string;
  /** Extra translation-cache size for TCG, MiB. */
  tbSizeMiB?: number;
}

export interface QemuRuntime {
  pid: number;
  startedAt: string;
  /** The -boot order it was started with. */
  bootOrder: string;
}

export interface MachineRecord {
  /** Redfish Id: also the name the IPMI hook and CLI take. */
  id: string;
  uuid: string;
  name: string;
  power: PowerStateName;
  boot: { target: BootTarget; enabled: BootEnabled; mode: BootModeName };
  /** The target the machine last booted from (what a PXE test asserts). */
  lastBootTarget?: BootTarget;
  hardware: Hardware;
  bios: { current: Record<string, BiosValue>; pending: Record<string, BiosValue> | null };
  indicatorLed: 'Off' | 'Lit' | 'Blinking';
  qemu?: QemuConfig;
  runtime?: QemuRuntime | null;
  /** After an ACPI restart request: boot again if the guest stops before this time (ISO). */
  restartBy?: string | null;
  /** Bumped on every change; part of the ETag. */
  version: number;
  /** Last NMI or graceful request, for observability in tests and logs. */
  lastAction?: { type: string; at: string };
}

export const DEFAULT_BIOS: Record<string, BiosValue> = {
  BootMode: 'Bios',
  ProcTurboMode: 'Enabled',
  NumCores: 0,
  QuietBoot: true,
  SecureBootStatus: 'Disabled',
};

/** A stable locally administered MAC per (machine UUID, NIC index), in QEMU's 52:54:00 range. */
export function macFor(uuid: string, index: number): string {
  const h = createHash('sha256').update(`${uuid}/${index}`).digest();
  return ['52', '54', '00', h[0], h[1], h[2]].map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0'))).join(':');
}

/** A UUID (v4 layout) derived from a seed, so systems created with the same --state name keep theirs. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface NewMachine {
  id: string;
  uuid: string;
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
  nics: number;
  qemu?: QemuConfig;
}

export function newMachine(m: NewMachine): MachineRecord {
  return {
    id: m.id,
    uuid: m.uuid,
    name: m.id,
    power: 'Off',
    boot: { target: 'None', enabled: 'Disabled', mode: 'Legacy' },
    hardware: {
      cpus: m.cpus,
      memoryMiB: m.memoryMiB,
      arch: 'x86_64',
      disks: [{ id: 'disk0', name: 'disk0', sizeBytes: m.diskGiB * 1024 ** 3, ...(m.qemu ? { file: 'disk0.qcow2' } : {}) }],
      nics: Array.from({ length: m.nics }, (_, i) => ({ id: `nic${i}`, mac: macFor(m.uuid, i) })),
    },
    bios: { current: { ...DEFAULT_BIOS }, pending: null },
    indicatorLed: 'Off',
    ...(m.qemu ? { qemu: m.qemu, runtime: null } : {}),
    version: 1,
  };
}

/** What the shell must do to the machine behind the record. */
export type Effect =
  | { do: 'start'; bootTarget: BootTarget; bootMode: BootModeName }
  | { do: 'stop' }
  /** Ask the guest to shut down (ACPI power button); the machine stays on until it does. */
  | { do: 'acpi-shutdown' }
  /** ACPI shutdown, then start again once the guest has stopped. */
  | { do: 'acpi-restart'; bootTarget: BootTarget; bootMode: BootModeName }
  | { do: 'nmi' };

export interface Step {
  record: MachineRecord;
  effects: Effect[];
}

/**
 * The boot the machine makes now: consumes a Once override, applies pending
 * BIOS settings, and records the target it boots from.
 */
function boot(r: MachineRecord): { record: MachineRecord; target: BootTarget } {
  const overridden = r.boot.enabled !== 'Disabled' && r.boot.target !== 'None';
  const target: BootTarget = overridden ? r.boot.target : 'None';
  const bootState = r.boot.enabled === 'Once' ? { ...r.boot, enabled: 'Disabled' as const, target: 'None' as const } : r.boot;
  const bios = r.bios.pending ? { current: { ...r.bios.current, ...r.bios.pending }, pending: null } : r.bios;
  return { record: { ...r, boot: bootState, bios, lastBootTarget: target }, target };
}

const touch = (r: MachineRecord, type: string): MachineRecord => ({ ...r, version: r.version + 1, lastAction: { type, at: new Date().toISOString() } });

/**
 * ComputerSystem.Reset on a record. `graceful` says whether the backend
 * honours ACPI requests asynchronously (QEMU) or at once (no VM behind it).
 */
export function applyReset(r: MachineRecord, type: ResetType, graceful: 'async' | 'immediate'): Step {
  const on = r.power === 'On';
  const start = (rec: MachineRecord): Step => {
    const b = boot(rec);
    return { record: touch({ ...b.record, power: 'On' }, type), effects: [{ do: 'start', bootTarget: b.target, bootMode: rec.boot.mode }] };
  };
  switch (type) {
    case 'On':
    case 'ForceOn':
      return on ? { record: r, effects: [] } : start(r);
    case 'ForceOff':
      return on ? { record: touch({ ...r, power: 'Off' }, type), effects: [{ do: 'stop' }] } : { record: r, effects: [] };
    case 'GracefulShutdown':
      if (!on) return { record: r, effects: [] };
      return graceful === 'async'
        ? { record: touch(r, type), effects: [{ do: 'acpi-shutdown' }] }
        : { record: touch({ ...r, power: 'Off' }, type), effects: [{ do: 'stop' }] };
    case 'ForceRestart':
    case 'PowerCycle': {
      if (!on) return type === 'PowerCycle' ? start(r) : { record: r, effects: [] };
      const s = start(r);
      return { record: s.record, effects: [{ do: 'stop' }, ...s.effects] };
    }
    case 'GracefulRestart': {
      if (!on) return { record: r, effects: [] };
      if (graceful === 'immediate') {
        const s = start(r);
        return { record: s.record, effects: [{ do: 'stop' }, ...s.effects] };
      }
      // The Once override is consumed when the machine actually boots again (machines.ts calls bootAgain).
      return { record: touch(r, type), effects: [{ do: 'acpi-restart', bootTarget: 'None', bootMode: r.boot.mode }] };
    }
    case 'PushPowerButton':
      return on ? applyReset(r, 'GracefulShutdown', graceful) : start(r);
    case 'Nmi':
      return on ? { record: touch(r, type), effects: [{ do: 'nmi' }] } : { record: r, effects: [] };
  }
}

/** A machine whose guest stopped by itself (or after an ACPI shutdown) is off. */
export function stopped(r: MachineRecord): MachineRecord {
  return r.power === 'Off' && !r.runtime && !r.restartBy ? r : { ...r, power: 'Off', runtime: null, restartBy: null, version: r.version + 1 };
}

/** After an ACPI restart: the guest stopped, boot it again. */
export function bootAgain(r: MachineRecord): Step {
  const b = boot({ ...r, power: 'Off', runtime: null, restartBy: null });
  return { record: touch({ ...b.record, power: 'On' }, 'GracefulRestart'), effects: [{ do: 'start', bootTarget: b.target, bootMode: r.boot.mode }] };
}

export interface BootPatch {
  BootSourceOverrideTarget?: unknown;
  BootSourceOverrideEnabled?: unknown;
  BootSourceOverrideMode?: unknown;
}

export class MachineInputError extends Error {
  constructor(
    message: string,
    readonly property: string,
    readonly messageId: 'PropertyValueNotInList' | 'PropertyValueTypeError' | 'PropertyUnknown' | 'ActionParameterMissing' | 'ActionParameterNotSupported',
  ) {
    super(message);
  }
}

/** Applies a PATCH of Boot; throws MachineInputError naming the property. */
export function patchBoot(r: MachineRecord, patch: BootPatch, modes: readonly BootModeName[]): MachineRecord {
  const b = { ...r.boot };
  const check = <T extends string>(prop: string, v: unknown, allowed: readonly T[]): T => {
    if (typeof v !== 'string') throw new MachineInputError(`The value for ${prop} is of a different type than the property can accept.`, `Boot/${prop}`, 'PropertyValueTypeError');
    if (!allowed.includes(v as T)) throw new MachineInputError(`The value ${v} for the property ${prop} is not in the list of acceptable values (${allowed.join(', ')}).`, `Boot/${prop}`, 'PropertyValueNotInList');
    return v as T;
  };
  if (patch.BootSourceOverrideTarget !== undefined) {
    b.target = check('BootSourceOverrideTarget', patch.BootSourceOverrideTarget, BOOT_TARGETS);
    // Redfish BMCs treat a target set without a frequency as a one-time override.
    if (patch.BootSourceOverrideEnabled === undefined && b.enabled === 'Disabled' && b.target !== 'None') b.enabled = 'Once';
  }
  if (patch.BootSourceOverrideEnabled !== undefined) b.enabled = check('BootSourceOverrideEnabled', patch.BootSourceOverrideEnabled, BOOT_ENABLED);
  if (patch.BootSourceOverrideMode !== undefined) b.mode = check('BootSourceOverrideMode', patch.BootSourceOverrideMode, modes);
  return { ...r, boot: b, version: r.version + 1 };
}

/** Stages BIOS settings; they apply at the next boot. Unknown attributes are refused. */
export function stageBios(r: MachineRecord, attrs: Record<string, unknown>): MachineRecord {
  const pending: Record<string, BiosValue> = { ...(r.bios.pending ?? {}) };
  for (const [k, v] of Object.entries(attrs)) {
    if (!(k in r.bios.current)) throw new MachineInputError(`The property ${k} is not in the list of valid properties for the resource.`, `Attributes/${k}`, 'PropertyUnknown');
    if (typeof v !== typeof r.bios.current[k]) {
      throw new MachineInputError(`The value for ${k} is of a different type than the property can accept.`, `Attributes/${k}`, 'PropertyValueTypeError');
    }
    pending[k] = v as BiosValue;
  }
  return { ...r, bios: { ...r.bios, pending }, version: r.version + 1 };
}

export function resetBios(r: MachineRecord): MachineRecord {
  return { ...r, bios: { current: r.bios.current, pending: { ...DEFAULT_BIOS } }, version: r.version + 1 };
}

/** QEMU's -boot order for a boot target: the override first, the rest after. */
export function qemuBootOrder(target: BootTarget): string {
  switch (target) {
    case 'Pxe':
      return 'n';
    case 'Hdd':
      return 'c';
    case 'Cd':
      return 'd';
    default:
      return 'cn';
  }
}

/** IPMI chassis-control boot names (ipmi_sim) ↔ Redfish targets. */
export const IPMI_BOOT_TO_TARGET: Record<string, BootTarget> = { none: 'None', pxe: 'Pxe', default: 'Hdd', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };
export const TARGET_TO_IPMI_BOOT: Record<BootTarget, string> = { None: 'none', Pxe: 'pxe', Hdd: 'default', Cd: 'cdrom', BiosSetup: 'bios' };
