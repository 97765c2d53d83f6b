/**
 * Chooses the accelerator: KVM when /dev/kvm is usable for an ordinary
 * guest, TCG otherwise ($STRATA_VM_ACCEL=kvm|tcg overrides). A /dev/kvm
 * without VMX or SVM on the CPU is not enough: nested hosts can offer a
 * paravirtual KVM (kvm-pvm) that only boots specially built guest kernels,
 * and QEMU aborts on it with Debian's.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import type { Accelerator } from './qemu-args.js';

/** The decision (pure) over what the host shows. */
export function chooseAccelerator(facts: { kvmDevice: 'ok' | 'missing' | string; cpuFlags: string[]; override?: string }): { accel: Accelerator; why: string } {
  if (facts.override === 'tcg' || facts.override === 'kvm') return { accel: facts.override, why: `STRATA_VM_ACCEL=${facts.override}` };
  if (facts.kvmDevice === 'missing') return { accel: 'tcg', why: 'no /dev/kvm on this host' };
  if (facts.kvmDevice !== 'ok') return { accel: 'tcg', why: `/dev/kvm is not usable (${facts.kvmDevice})` };
  if (!facts.cpuFlags.includes('vmx') && !facts.cpuFlags.includes('svm'))
    return { accel: 'tcg', why: '/dev/kvm exists but the CPU has no VMX/SVM (a paravirtual KVM that cannot boot a stock kernel)' };
  return { accel: 'kvm', why: '/dev/kvm is available' };
}

export async function detectAccelerator(): Promise<{ accel: Accelerator; why: string }> {
  let kvmDevice = 'ok';
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    kvmDevice = code === 'ENOENT' ? 'missing' : code;
  }
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpuFlags = (/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/);
  return chooseAccelerator({ kvmDevice, cpuFlags, override: process.env.STRATA_VM_ACCEL });
}

/** The host TSC frequency in kHz (from the "cpu MHz" of /proc/cpuinfo), or undefined. */
export async function hostTscKhz(): Promise<number | undefined> {
  const text = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(text)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz * 1000) : undefined;
}
