/** The accelerator choice is core's (shared with the virtual BMC); the TSC frequency is the VM runtime's own need. */
import { readFile } from 'node:fs/promises';
export { chooseAccelerator } from '../../core/host/index.js';
import { detectAccelerator as detect, type Accelerator } from '../../core/host/index.js';

export async function detectAccelerator(): Promise<{ accel: Accelerator; why: string }> {
  return detect();
}

/** The host TSC frequency in kHz (from the "cpu MHz" of /proc/cpuinfo), or undefined. */
export async function hostTscKhz(): Promise<number | undefined> {
  const text = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(text)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz * 1000) : undefined;
}
