/**
 * QEMU's argv for a VM sandbox (pure). A microvm machine (no firmware, no
 * PCI: virtio over MMIO), the Debian kernel booted directly (PVH when it is
 * an ELF vmlinux), the project's initramfs, the sandbox root and volumes
 * shared with 9p, and the agent's virtio-serial port on a unix socket.
 * KVM when the host has it; TCG otherwise, with a small translation cache so
 * that an idle VM costs little host memory.
 */
export type { Accelerator } from '../../core/host/index.js';
import type { Accelerator } from '../../core/host/index.js';

/**
 * TCG's translation cache. QEMU's default is far larger; 16 MiB boots as
 * fast as 32 on this kind of host (3.7 s vs 4.2 s measured) for 16 MiB less
 * per VM, while 8 MiB thrashes (13 s to boot).
 */
export const DEFAULT_TB_MIB = 16;

export interface Share {
  tag: string;
  path: string;
  readOnly: boolean;
}

export interface QemuPlan {
  accel: Accelerator;
  memoryMiB: number;
  cpus: number;
  kernel: string;
  initrd: string;
  /** extra kernel command line (network, ...) */
  cmdline: string[];
  shares: Share[];
  agentSocket: string;
  consoleLog: string;
  /** tap device (inside the namespace QEMU runs in) for network on */
  tap?: string;
  macAddress?: string;
  /** host TSC frequency (kHz): TCG guests cannot calibrate it reliably on a busy host */
  tscKhz?: number;
  /** TCG translation cache in MiB */
  tbSizeMiB?: number;
  /** host PCI functions (bound to vfio-pci) passed through: the microvm then gets a PCIe bus */
  vfio?: string[];
}

export function kernelCmdline(plan: Pick<QemuPlan, 'accel' | 'tscKhz' | 'cmdline' | 'vfio'>): string {
  // without passthrough the guest has no PCI bus to probe (faster boot)
  const args = ['console=ttyS0', 'quiet', 'panic=-1', 'rdinit=/init', 'nokaslr', 'random.trust_cpu=on', 'cryptomgr.notests', ...(plan.vfio?.length ? [] : ['pci=off'])];
  if (plan.accel === 'tcg') {
    // Under a loaded TCG host the PIT calibration of the TSC can fail and
    // hang the boot; give the kernel the host's frequency instead.
    if (plan.tscKhz) args.push(`tsc_early_khz=${plan.tscKhz}`, `lpj=${Math.round((plan.tscKhz * 1000) / 250)}`, 'tsc=reliable');
    args.push('no_timer_check');
  }
  return [...args, ...plan.cmdline].join(' ');
}

/** A path inside a QEMU option list: a literal comma is written twice. */
function opt(path: string): string {
  return path.replace(/,/g, ',,');
}

export function qemuArgs(plan: QemuPlan): string[] {
  const args = [
    'qemu-system-x86_64',
    '-M',
    `microvm,isa-serial=on,rtc=on${plan.vfio?.length ? ',pcie=on' : ''}`,
    ...(plan.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', `tcg,tb-size=${plan.tbSizeMiB ?? DEFAULT_TB_MIB}`, '-cpu', 'max']),
    '-m',
    `${plan.memoryMiB}M`,
    '-smp',
    String(plan.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    `file:${opt(plan.consoleLog)}`,
    '-monitor',
    'none',
    '-kernel',
    plan.kernel,
    '-initrd',
    plan.initrd,
    '-append',
    kernelCmdline(plan),
    '-device',
    'virtio-serial-device,max_ports=2',
    '-chardev',
    `socket,id=agent,path=${opt(plan.agentSocket)},server=on,wait=off`,
    '-device',
    'virtserialport,chardev=agent,name=strata.agent,nr=1',
  ];
  plan.shares.forEach((s, i) => {
    args.push(
      '-fsdev',
      `local,id=fs${i},path=${opt(s.path)},security_model=none${s.readOnly ? ',readonly=on' : ''}`,
      '-device',
      `virtio-9p-device,fsdev=fs${i},mount_tag=${s.tag}`,
    );
  });
  for (const host of plan.vfio ?? []) args.push('-device', `vfio-pci,host=${host}`);
  if (plan.tap) {
    args.push('-netdev', `tap,id=net0,ifname=${plan.tap},script=no,downscript=no`, '-device', `virtio-net-device,netdev=net0${plan.macAddress ? `,mac=${plan.macAddress}` : ''}`);
  }
  return args;
}
