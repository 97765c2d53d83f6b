/**
 * QEMU behind an emulated machine: one process per powered-on system, started
 * detached (it outlives the BMC process when state is on disk), found again by
 * PID plus a marker in its command line, stopped by PID. Facts for inspection
 * come from the running VM over QMP.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { qemuBootOrder, type BootModeName, type BootTarget, type MachineRecord, type QemuConfig, type QemuRuntime } from './machine.js';
import { qmp } from './qmp.js';
import { detectAccelerator } from '../../core/host/index.js';

export const DEFAULT_QEMU_BINARY = 'qemu-system-x86_64';
export const OVMF_CANDIDATES = ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/qemu/OVMF.fd'];

export function defaultQemuConfig(over: Partial<QemuConfig> = {}): QemuConfig {
  const firmware = over.firmware ?? OVMF_CANDIDATES.find((f) => existsSync(f));
  return {
    binary: DEFAULT_QEMU_BINARY,
    accel: detectAccelerator().accel,
    netdev: 'user,restrict=on',
    tbSizeMiB: 64,
    ...over,
    ...(firmware ? { firmware } : {}),
  };
}

/** The marker that ties a PID to this machine (QEMU's -name). */
export const markerOf = (r: Pick<MachineRecord, 'uuid'>) => `guest=strata-bmc-${r.uuid}`;

export const qmpPath = (dir: string) => join(dir, 'qmp.sock');
export const consolePath = (dir: string) => join(dir, 'console.log');

/**
 * The command that runs this machine's VM. Pure: tests read the boot order
 * and devices from it. Returns the executable and its argv.
 */
export function qemuCommand(r: MachineRecord, dir: string, bootTarget: BootTarget, bootMode: BootModeName): { file: string; args: string[]; bootOrder: string } {
  const q = r.qemu;
  if (!q) throw new Error(`system ${r.id} is not backed by QEMU`);
  const bootOrder = qemuBootOrder(bootTarget);
  const args = [
    '-name', `${markerOf(r)},debug-threads=off`,
    '-uuid', r.uuid,
    '-machine', 'q35',
    '-accel', q.accel === 'kvm' ? 'kvm' : `tcg,tb-size=${q.tbSizeMiB ?? 64}`,
    '-smp', String(r.hardware.cpus),
    '-m', String(r.hardware.memoryMiB),
    '-smbios', `type=1,manufacturer=Strata,product=Strata emulated machine,serial=${r.id}`,
    '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none',
    '-serial', `file:${consolePath(dir)}`,
    '-qmp', `unix:${qmpPath(dir)},server=on,wait=off`,
    '-boot', bootTarget === 'BiosSetup' ? `order=${bootOrder},menu=on` : `order=${bootOrder}`,
  ];
  if (bootMode === 'UEFI') {
    if (!q.firmware) throw new Error(`system ${r.id}: UEFI boot needs OVMF firmware (none found; pass --qemu-firmware)`);
    args.push('-drive', `if=pflash,format=raw,readonly=on,file=${q.firmware}`);
  }
  for (const d of r.hardware.disks) {
    if (!d.file) continue;
    args.push('-drive', `file=${join(dir, d.file)},if=none,id=${d.id},format=qcow2`, '-device', `virtio-blk-pci,drive=${d.id},serial=${d.id}`);
  }
  r.hardware.nics.forEach((n, i) => {
    args.push('-netdev', `${q.netdev.replace(/\{index\}/g, String(i)).replace(/\{id\}/g, r.id)},id=net${i}`, '-device', `virtio-net-pci,netdev=net${i},id=${n.id},mac=${n.mac}`);
  });
  if (q.netns) return { file: 'ip', args: ['netns', 'exec', q.netns, q.binary, ...args], bootOrder };
  return { file: q.binary, args, bootOrder };
}

/** Creates the machine's disk images that do not exist yet (qemu-img, sparse qcow2). */
export function ensureDisks(r: MachineRecord, dir: string): void {
  for (const d of r.hardware.disks) {
    if (!d.file) continue;
    const path = join(dir, d.file);
    if (existsSync(path)) continue;
    const res = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, String(d.sizeBytes)], { encoding: 'utf8', shell: false });
    if (res.error || res.status !== 0) throw new Error(`qemu-img create ${path}: ${res.error?.message ?? res.stderr.trim()}`);
  }
}

/** Starts the VM detached; its output goes to DIR/qemu.log. */
export function startQemu(r: MachineRecord, dir: string, bootTarget: BootTarget, bootMode: BootModeName): QemuRuntime {
  ensureDisks(r, dir);
  const { file, args, bootOrder } = qemuCommand(r, dir, bootTarget, bootMode);
  const log = openSync(join(dir, 'qemu.log'), 'a', 0o600);
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log], shell: false, cwd: dir });
    if (child.pid === undefined) throw new Error(`cannot start ${file}`);
    child.on('error', () => {});
    child.unref();
    return { pid: child.pid, startedAt: new Date().toISOString(), bootOrder };
  } finally {
    closeSync(log);
  }
}

/** True while the PID is a live (not zombie) process carrying this machine's marker. */
export function isRunning(r: Pick<MachineRecord, 'uuid' | 'runtime'>): boolean {
  const pid = r.runtime?.pid;
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z/.test(stat)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(markerOf(r));
  } catch {
    return false;
  }
}

/** Kills the VM by PID (SIGTERM, then SIGKILL) and waits until it is gone. */
export async function stopQemu(r: Pick<MachineRecord, 'uuid' | 'runtime'>, graceMs = 3000): Promise<void> {
  if (!isRunning(r)) return;
  const pid = r.runtime!.pid;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isRunning(r) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  if (isRunning(r)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    while (isRunning(r)) await new Promise((res) => setTimeout(res, 20));
  }
}

/** QMP against a machine just started: the socket appears a moment after the process. */
export async function qmpOf(dir: string, commands: { execute: string; arguments?: Record<string, unknown> }[], waitMs = 5000): Promise<unknown[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await qmp(qmpPath(dir), commands);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

export interface VmFacts {
  cpus: number;
  memoryBytes: number;
  disks: { id: string; sizeBytes: number }[];
  nics: { id: string; mac: string }[];
}

/** What the running VM reports about itself. */
export async function inspectVm(dir: string): Promise<VmFacts> {
  const [cpus, mem, block, rx] = (await qmpOf(dir, [
    { execute: 'query-cpus-fast' },
    { execute: 'query-memory-size-summary' },
    { execute: 'query-block' },
    { execute: 'query-rx-filter' },
  ])) as [unknown[], { 'base-memory': number; 'plugged-memory'?: number }, { device: string; inserted?: { image?: { 'virtual-size'?: number } } }[], { name: string; 'main-mac': string }[]];
  return {
    cpus: cpus.length,
    memoryBytes: mem['base-memory'] + (mem['plugged-memory'] ?? 0),
    disks: block.filter((b) => b.inserted?.image?.['virtual-size']).map((b) => ({ id: b.device, sizeBytes: b.inserted!.image!['virtual-size']! })),
    nics: rx.map((n) => ({ id: n.name, mac: n['main-mac'] })),
  };
}
