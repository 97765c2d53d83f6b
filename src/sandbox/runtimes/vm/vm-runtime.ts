/**
 * `vm`: one QEMU virtual machine per sandbox, Kata-style. Debian's kernel
 * boots the project's initramfs; its /init starts the agent, which mounts the
 * sandbox root and volumes (shared from the host with 9p) and runs the
 * workload in its own PID, mount, UTS and IPC namespaces, so the workload
 * sees only its own processes. Host and agent talk over virtio-serial (a unix
 * socket on the host). KVM when /dev/kvm exists, TCG otherwise.
 */
import { vfioFunctions } from '../devices.js';
import { connect, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CgroupSupport } from '../../limits/cgroups.js';
import { SandboxError } from '../../model/errors.js';
import { formatBytes } from '../../model/quantity.js';
import type { NormalizedSpec } from '../../model/spec.js';
import { prepareOverlayRoot, STANDARD_DIRS } from '../../rootfs/overlay-rootfs.js';
import { detectAccelerator, hostTscKhz } from '../../vm/accel.js';
import { ensureGuestKernel } from '../../vm/guest-kernel.js';
import { ensureInitramfs } from '../../vm/initramfs.js';
import { qemuArgs, type Share } from '../../vm/qemu-args.js';
import { runOk } from '../../../core/host/index.js';
import { startRuntime } from '../launch.js';
import { cgroupMechanism, planLimits } from '../limit-plans.js';
import type { HostCheck, LimitEnforcement, LimitPlan, Runtime, RuntimeInstance, RuntimeStartContext } from '../runtime.js';

const MiB = 1024 * 1024;
/** Guest memory beyond the workload's limit: kernel, page tables, agent, page cache headroom. */
export const GUEST_BASE_MIB = 96;
/** VM size when no memory limit is asked for. */
export const DEFAULT_VM_MIB = 256;
/** Unix socket paths are limited to 108 bytes. */
const MAX_SOCKET_PATH = 107;

/** The last lines of the guest's serial console (read when something already went wrong). */
function consoleTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-12).join('\n');
  } catch {
    return '';
  }
}

export function vmMemoryMiB(limitBytes: number | undefined): number {
  return limitBytes === undefined ? DEFAULT_VM_MIB : Math.ceil(limitBytes / MiB) + GUEST_BASE_MIB;
}

async function connectWithRetry(path: string, deadline: number, alive: () => boolean): Promise<Socket> {
  for (;;) {
    if (existsSync(path)) {
      const sock = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(path);
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          resolve(undefined);
        });
      });
      if (sock) return sock;
    }
    if (!alive()) throw new SandboxError('start_failed', 'QEMU exited before its agent socket opened');
    if (Date.now() > deadline) throw new SandboxError('start_failed', `QEMU's agent socket ${path} did not open`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Memory by the VM's size (and the guest's cgroup), CPUs as whole vCPUs, a fraction through a host cgroup on QEMU. */
function vmResources(spec: NormalizedSpec, cgroups: CgroupSupport): Pick<LimitPlan, 'report' | 'hostCgroup'> {
  const report: LimitEnforcement[] = [];
  const { memoryBytes, cpus } = spec.limits;
  if (memoryBytes !== undefined)
    report.push({ limit: 'memory', value: formatBytes(memoryBytes), mechanism: `VM size ${vmMemoryMiB(memoryBytes)}Mi + guest cgroup v2 memory.max`, enforced: true });
  let hostCgroup: LimitPlan['hostCgroup'];
  if (cpus !== undefined) {
    const vcpus = Math.max(1, Math.ceil(cpus));
    if (Number.isInteger(cpus)) report.push({ limit: 'cpus', value: String(cpus), mechanism: `${vcpus} vCPU(s)`, enforced: true });
    else if (cgroups.cpu) {
      hostCgroup = { cpus };
      report.push({ limit: 'cpus', value: String(cpus), mechanism: `${vcpus} vCPU(s) + ${cgroupMechanism(cgroups, 'cpu', 'host ')} on QEMU`, enforced: true });
    } else throw new SandboxError('limit_unenforceable', `vm: cannot enforce ${cpus} CPUs: a VM has whole vCPUs and the host has no cpu cgroup controller for the fraction`);
  }
  return { report, hostCgroup };
}

export class VmRuntime implements Runtime {
  readonly name = 'vm';
  readonly isolation = 'vm' as const;
  readonly description = 'a QEMU microvm per sandbox (Debian kernel, own initramfs and agent, 9p root, virtio-serial)';
  readonly hostFilesystem = false;
  private announced = false;

  async check(): Promise<HostCheck> {
    const problems: string[] = [];
    const versions: Record<string, string> = {};
    try {
      versions.qemu = (await runOk(['qemu-system-x86_64', '--version'], { timeoutMs: 10_000 })).stdout.split('\n')[0].trim();
    } catch (err) {
      problems.push(`qemu-system-x86_64: ${(err as Error).message} (install Debian qemu-system-x86)`);
    }
    if (!existsSync('/bin/busybox')) problems.push('/bin/busybox is missing (install Debian busybox-static)');
    const { accel, why } = await detectAccelerator();
    versions.accelerator = `${accel} (${why})`;
    return { ok: problems.length === 0, versions, problems };
  }

  planLimits(spec: NormalizedSpec, cgroups: CgroupSupport): LimitPlan {
    return planLimits(this.name, spec, cgroups, {
      devices: 'pci',
      resources: vmResources,
      network: { on: 'virtio-net on a tap bridged to a veth pair in a network namespace', off: 'no network device in the VM (loopback only)' },
      netns: true,
    });
  }

  defaultCwd(): string {
    return '/';
  }

  async start(ctx: RuntimeStartContext): Promise<RuntimeInstance> {
    const { accel, why } = await detectAccelerator();
    if (!this.announced) {
      ctx.log.info(`vm: accelerator ${accel.toUpperCase()} (${why})${accel === 'tcg' ? '; VMs boot in seconds, not milliseconds' : ''}`);
      this.announced = true;
    }
    const agentSocket = join(ctx.stateDir, 'agent.sock');
    if (agentSocket.length > MAX_SOCKET_PATH)
      throw new SandboxError('start_failed', `vm: the agent socket path ${agentSocket} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter state directory`);
    const kernel = await ensureGuestKernel(ctx.cacheDir, { log: ctx.log });
    const initrd = await ensureInitramfs(ctx.cacheDir, kernel, ctx.agentBinary);
    const root = await prepareOverlayRoot({
      lower: ctx.image.rootfs,
      stateDir: join(ctx.stateDir, 'rootfs'),
      ledger: ctx.ledger,
      dirs: [...STANDARD_DIRS, ...ctx.spec.mounts.map((m) => m.target)],
      files: [],
    });
    const shares: Share[] = [{ tag: 'rootfs', path: root, readOnly: true }];
    const setup: Array<[string, string]> = [['rootfs', 'rootfs']];
    ctx.spec.mounts.forEach((m, i) => {
      shares.push({ tag: `vol${i}`, path: m.source, readOnly: m.readOnly });
      setup.push(['mount', `vol${i}:${m.readOnly ? 'ro' : 'rw'}:${m.target}`]);
    });
    setup.push(['hostname', ctx.spec.hostname]);
    if (ctx.spec.limits.memoryBytes !== undefined) setup.push(['memory', String(ctx.spec.limits.memoryBytes)]);
    const cmdline: string[] = [];
    if (ctx.network?.sandboxAddress) cmdline.push(`strata.ip=${ctx.network.sandboxAddress}/${ctx.network.prefixLength}`, `strata.gw=${ctx.network.hostAddress}`);
    const consoleLog = join(ctx.stateDir, 'console.log');
    const argv = qemuArgs({
      accel,
      memoryMiB: vmMemoryMiB(ctx.spec.limits.memoryBytes),
      cpus: Math.max(1, Math.ceil(ctx.spec.limits.cpus ?? 1)),
      kernel: kernel.kernel,
      initrd,
      cmdline,
      shares,
      agentSocket,
      consoleLog,
      tap: ctx.network?.tap,
      macAddress: ctx.network?.tap ? `52:54:00:${randomBytes(3).toString('hex').match(/../g)!.join(':')}` : undefined,
      tscKhz: accel === 'tcg' ? await hostTscKhz() : undefined,
      vfio: vfioFunctions(ctx.spec.pciDevices),
    });
    return startRuntime(ctx, argv, {
      what: 'qemu',
      stdio: 'ignore-in',
      agent: { socket: agentSocket },
      enter: { netns: true, cgroup: true },
      setup,
      async channel(p) {
        let alive = true;
        void p.exited.then(() => (alive = false));
        const channel = ctx.supervised ? await p.channel() : await connectWithRetry(agentSocket, Date.now() + 30_000, () => alive).then((s) => ({ readable: s, writable: s }));
        (channel.readable as Socket).on('error', () => {});
        return channel;
      },
      diagnostics(p) {
        const tail = consoleTail(consoleLog);
        return [p.stderrTail().trim(), tail ? `guest console: ${tail}` : ''].filter(Boolean).join('\n');
      },
      stop: async (channel) => {
        (channel.readable as Socket).destroy();
      },
    });
  }
}
