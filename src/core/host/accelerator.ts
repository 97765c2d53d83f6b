/**
 * Which accelerator QEMU should use here: KVM when /dev/kvm is usable for an
 * ordinary guest, TCG otherwise ($STRATA_VM_ACCEL=kvm|tcg overrides). A
 * /dev/kvm without VMX or SVM on the CPU is not enough: nested hosts can
 * offer a paravirtual KVM (kvm-pvm) that only boots specially built guest
 * kernels, and QEMU aborts on it with Debian's. Shared by every QEMU user
 * (VM sandboxes, the virtual BMC's machines).
 */
import { accessSync, constants, readFileSync } from 'node:fs';

export type Accelerator = 'kvm' | 'tcg';

/** The decision (pure) over what the host shows. */
export function chooseAccelerator(facts: { kvmDevice: 'ok' | 'missing' | string; cpuFlags: string[]; override?: string }): { accel: Accelerator; why: string } {
  if (facts.override === 'tcg' || facts.override === 'kvm') return { accel: facts.override, why: `STRATA_VM_ACCEL=${facts.override}` };
  if (facts.kvmDevice === 'missing') return { accel: 'tcg', why: 'no /dev/kvm on this host' };
  if (facts.kvmDevice !== 'ok') return { accel: 'tcg', why: `/dev/kvm is not usable (${facts.kvmDevice})` };
  if (!facts.cpuFlags.includes('vmx') && !facts.cpuFlags.includes('svm'))
    return { accel: 'tcg', why: '/dev/kvm exists but the CPU has no VMX/SVM (a paravirtual KVM that cannot boot a stock kernel)' };
  return { accel: 'kvm', why: '/dev/kvm is available' };
}

/** Reads the host's facts (two small reads, so synchronous) and decides. */
export function detectAccelerator(env: NodeJS.ProcessEnv = process.env): { accel: Accelerator; why: string } {
  let kvmDevice = 'ok';
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    kvmDevice = code === 'ENOENT' ? 'missing' : code;
  }
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* no /proc: no KVM either */
  }
  const cpuFlags = (/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/);
  return chooseAccelerator({ kvmDevice, cpuFlags, override: env.STRATA_VM_ACCEL });
}
