/**
 * The imperative shell around machine.ts: applies resets and patches to the
 * store and carries their effects out on the machine behind each record
 * (nothing, or a QEMU process). Both the Redfish service and the ipmi_sim hook
 * go through this class, so they agree on every machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyReset,
  bootAgain,
  newMachine,
  patchBoot,
  resetBios,
  stageBios,
  stopped,
  uuidFrom,
  type BootModeName,
  type BootPatch,
  type Effect,
  type MachineRecord,
  type QemuConfig,
  type ResetType,
  type Step,
} from './machine.js';
import { inspectVm, isRunning, qmpOf, startQemu, stopQemu, ensureDisks } from './qemu.js';
import { checkMachineId, DirMachineStore, MemoryMachineStore, type MachineStore } from './store.js';

export interface HardwareView {
  cpus: number;
  memoryMiB: number;
  disks: { id: string; name: string; sizeBytes: number }[];
  nics: { id: string; mac: string; linkUp: boolean }[];
  /** Where the numbers come from: the running VM (QMP) or the machine's configuration. */
  source: 'vm' | 'config';
}

export interface MachinesOptions {
  /** How long a guest may take to stop after an ACPI restart before the restart is dropped. */
  gracefulRestartTimeoutMs?: number;
}

export class Machines {
  private readonly qmpBusy = new Map<string, Promise<unknown>>();

  constructor(
    readonly store: MachineStore,
    private readonly opts: MachinesOptions = {},
  ) {}

  /** Brings a QEMU-backed record in line with its process: a VM that exited means power off (or a pending restart). */
  private async reconcile(r: MachineRecord): Promise<MachineRecord> {
    if (!r.qemu || !r.runtime || isRunning(r)) return r;
    return this.store.update(r.id, async (cur) => {
      if (!cur.runtime || isRunning(cur)) return cur;
      if (cur.restartBy && Date.parse(cur.restartBy) > Date.now()) {
        const step = bootAgain(cur);
        return this.carryOut(step);
      }
      return stopped(cur);
    });
  }

  async list(): Promise<MachineRecord[]> {
    return Promise.all((await this.store.list()).map((r) => this.reconcile(r)));
  }

  /** A system by Id, UUID or name. */
  async get(idOrUuid: string): Promise<MachineRecord | undefined> {
    let r = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(idOrUuid) ? await this.store.get(idOrUuid) : undefined;
    if (!r) r = (await this.store.list()).find((m) => m.uuid === idOrUuid || m.name === idOrUuid);
    return r && this.reconcile(r);
  }

  private async mustGet(id: string): Promise<MachineRecord> {
    const r = await this.get(id);
    if (!r) throw new UnknownMachineError(id);
    return r;
  }

  private async carryOut(step: Step): Promise<MachineRecord> {
    let r = step.record;
    for (const e of step.effects) r = await this.effect(r, e);
    return r;
  }

  private async effect(r: MachineRecord, e: Effect): Promise<MachineRecord> {
    if (!r.qemu) return r;
    const dir = this.store.dirOf(r.id);
    switch (e.do) {
      case 'start':
        return { ...r, runtime: startQemu(r, dir, e.bootTarget, e.bootMode), restartBy: null };
      case 'stop':
        await stopQemu(r);
        return { ...r, runtime: null, restartBy: null };
      case 'acpi-shutdown':
        await this.withQmp(r.id, () => qmpOf(dir, [{ execute: 'system_powerdown' }]));
        return r;
      case 'acpi-restart':
        await this.withQmp(r.id, () => qmpOf(dir, [{ execute: 'system_powerdown' }]));
        return { ...r, restartBy: new Date(Date.now() + (this.opts.gracefulRestartTimeoutMs ?? 60_000)).toISOString() };
      case 'nmi':
        await this.withQmp(r.id, () => qmpOf(dir, [{ execute: 'inject-nmi' }]));
        return r;
    }
  }

  /** One QMP conversation at a time per machine in this process (QEMU serves one client). */
  private withQmp<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.qmpBusy.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.qmpBusy.set(id, next.catch(() => {}));
    return next;
  }

  async reset(id: string, type: ResetType): Promise<MachineRecord> {
    const r = await this.mustGet(id);
    return this.store.update(r.id, (cur) => {
      // The VM may have stopped since the read above.
      const now = cur.qemu && cur.runtime && !isRunning(cur) ? stopped(cur) : cur;
      return this.carryOut(applyReset(now, type, now.qemu ? 'async' : 'immediate'));
    });
  }

  /** Power on/off as a chassis control does (IPMI): on = On, off = ForceOff. */
  async setPower(id: string, on: boolean): Promise<MachineRecord> {
    return this.reset(id, on ? 'On' : 'ForceOff');
  }

  bootModes(r: MachineRecord): BootModeName[] {
    return r.qemu && !r.qemu.firmware ? ['Legacy'] : ['Legacy', 'UEFI'];
  }

  async patchBoot(id: string, patch: BootPatch): Promise<MachineRecord> {
    const r = await this.mustGet(id);
    return this.store.update(r.id, (cur) => patchBoot(cur, patch, this.bootModes(cur)));
  }

  async setIndicator(id: string, led: MachineRecord['indicatorLed']): Promise<MachineRecord> {
    const r = await this.mustGet(id);
    return this.store.update(r.id, (cur) => ({ ...cur, indicatorLed: led, version: cur.version + 1 }));
  }

  async stageBios(id: string, attrs: Record<string, unknown>): Promise<MachineRecord> {
    const r = await this.mustGet(id);
    return this.store.update(r.id, (cur) => stageBios(cur, attrs));
  }

  async resetBios(id: string): Promise<MachineRecord> {
    const r = await this.mustGet(id);
    return this.store.update(r.id, (cur) => resetBios(cur));
  }

  /** The hardware as inspection sees it: from the running VM when there is one, else the configuration. */
  async hardware(r: MachineRecord): Promise<HardwareView> {
    const on = r.power === 'On';
    const configured: HardwareView = {
      cpus: r.hardware.cpus,
      memoryMiB: r.hardware.memoryMiB,
      disks: r.hardware.disks.map((d) => ({ id: d.id, name: d.name, sizeBytes: d.sizeBytes })),
      nics: r.hardware.nics.map((n) => ({ ...n, linkUp: on })),
      source: 'config',
    };
    if (!r.qemu || !isRunning(r)) return configured;
    const facts = await this.withQmp(r.id, () => inspectVm(this.store.dirOf(r.id)));
    return {
      cpus: facts.cpus,
      memoryMiB: Math.round(facts.memoryBytes / 1024 ** 2),
      disks: facts.disks.map((d) => ({ id: d.id, name: d.id, sizeBytes: d.sizeBytes })),
      nics: facts.nics.map((n) => ({ id: n.id, mac: n.mac, linkUp: true })),
      source: 'vm',
    };
  }

  /** Stops every VM this store runs (an in-memory BMC shutting down takes its machines with it). */
  async stopAll(): Promise<void> {
    for (const r of await this.store.list()) if (r.qemu && r.runtime) await stopQemu(r);
  }
}

export class UnknownMachineError extends Error {
  constructor(readonly id: string) {
    super(`no system "${id}"`);
  }
}

export interface CreateOptions {
  systems: number;
  /** State directory; in memory when absent. */
  stateDir?: string;
  /** Id prefix: systems are PREFIX-0 … PREFIX-(N-1). */
  prefix?: string;
  cpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
  nics?: number;
  qemu?: QemuConfig;
}

/**
 * Opens (or creates) the machines a BMC serves. With a state directory,
 * existing systems are kept as they are (power, boot, a running VM) and
 * missing ones are added; UUIDs derive from the directory and the Id, so they
 * are stable across restarts.
 */
export async function openMachines(opts: CreateOptions & MachinesOptions): Promise<{ machines: Machines; workDir?: string; cleanup: () => void }> {
  const prefix = opts.prefix ?? 'node';
  let workDir: string | undefined;
  let store: MachineStore;
  if (opts.stateDir) {
    store = new DirMachineStore(opts.stateDir);
  } else {
    if (opts.qemu) workDir = mkdtempSync(join(tmpdir(), 'strata-bmc-'));
    store = new MemoryMachineStore(workDir);
  }
  const seed = opts.stateDir ?? `${process.pid}-${Date.now()}-${Math.random()}`;
  for (let i = 0; i < opts.systems; i++) {
    const id = checkMachineId(`${prefix}-${i}`);
    if (await store.get(id)) continue;
    const rec = newMachine({
      id,
      uuid: uuidFrom(`${seed}/${id}`),
      cpus: opts.cpus ?? 1,
      memoryMiB: opts.memoryMiB ?? 1024,
      diskGiB: opts.diskGiB ?? 10,
      nics: opts.nics ?? 1,
      qemu: opts.qemu,
    });
    if (rec.qemu) ensureDisks(rec, store.dirOf(id));
    await store.create(rec);
  }
  const machines = new Machines(store, opts);
  return {
    machines,
    workDir,
    cleanup: () => {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
