/**
 * The guest's initramfs, built by the project from Debian's busybox-static,
 * its own agent, the guest /init and the kernel modules the guest needs, in
 * load order. Cached by the hash of all of that; rebuilt when any changes.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedBuild } from '../../core/host/index.js';
import { assetPath } from '../cache/index.js';
import { BUSYBOX_BINARY } from '../images/busybox-image.js';
import { SandboxError } from '../model/errors.js';
import { loadOrder, moduleDepends, writeCpio, type CpioEntry } from '../../core/guest/index.js';
import type { GuestKernel } from './guest-kernel.js';

/** What every guest loads: virtio over MMIO (microvm has no PCI), the agent's console port, 9p. */
export const GUEST_MODULES = ['virtio_mmio', 'virtio_console', '9pnet_virtio', '9p'];
/** Loaded only when the sandbox has network on (each module costs boot time under TCG). */
export const NETWORK_MODULES = ['virtio_net'];

export async function ensureInitramfs(cacheDir: string, kernel: GuestKernel, agentBinary: string): Promise<string> {
  const depends = new Map<string, string[]>();
  const moduleData = new Map<string, Buffer>();
  for (const [name, path] of kernel.modules) {
    const data = await readFile(path);
    moduleData.set(name, data);
    depends.set(name, moduleDepends(data));
  }
  let order: string[];
  let netOrder: string[];
  try {
    const available = (name: string) => depends.get(name);
    order = loadOrder(GUEST_MODULES, available);
    netOrder = loadOrder([...GUEST_MODULES, ...NETWORK_MODULES], available).filter((m) => !order.includes(m));
  } catch (err) {
    throw new SandboxError('runtime_unavailable', `guest kernel ${kernel.release}: ${(err as Error).message}`);
  }
  let busybox: Buffer;
  try {
    busybox = await readFile(BUSYBOX_BINARY);
  } catch {
    throw new SandboxError('runtime_unavailable', `the VM initramfs needs Debian busybox-static (${BUSYBOX_BINARY} is missing)`);
  }
  const agent = await readFile(agentBinary);
  const init = await readFile(assetPath('vm', 'guest-init.sh'));
  const entries: CpioEntry[] = [
    ...['/bin', '/sbin', '/dev', '/proc', '/sys', '/etc', '/tmp', '/lib', '/lib/modules'].map((path) => ({ type: 'dir' as const, path })),
    { type: 'char', path: '/dev/console', major: 5, minor: 1 },
    { type: 'char', path: '/dev/null', major: 1, minor: 3, mode: 0o666 },
    { type: 'file', path: '/bin/busybox', data: busybox, mode: 0o755 },
    { type: 'symlink', path: '/bin/sh', target: 'busybox' },
    { type: 'file', path: '/sbin/strata-agent', data: agent, mode: 0o755 },
    { type: 'file', path: '/init', data: init, mode: 0o755 },
    { type: 'file', path: '/lib/modules/load-order', data: Buffer.from(order.join('\n') + '\n') },
    { type: 'file', path: '/lib/modules/load-order-network', data: Buffer.from(netOrder.join('\n') + '\n') },
    ...[...order, ...netOrder].map((m) => ({ type: 'file' as const, path: `/lib/modules/${m}.ko`, data: moduleData.get(m)! })),
  ];
  const archive = writeCpio(entries);
  const key = createHash('sha256').update(kernel.release).update(archive).digest('hex').slice(0, 16);
  const dir = await cachedBuild(join(cacheDir, 'initramfs', key), async (tmp) => {
    await writeFile(join(tmp, 'initramfs.cpio'), archive);
  });
  return join(dir, 'initramfs.cpio');
}
