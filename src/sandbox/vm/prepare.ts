/**
 * Builds everything sandboxes need ahead of their first use: the agent, the
 * built-in busybox image, the guest kernel (apt-get download) and the
 * initramfs. The setup script calls prepareSandboxAssets(); run as a program
 * it does the same and prints what it prepared:
 *
 *   node --import tsx src/sandbox/vm/prepare.ts [--cache DIR] [--kernel-deb FILE]
 */
import { pathToFileURL } from 'node:url';
import { ensureAgentBinary } from '../agent/agent-build.js';
import { defaultCacheDir } from '../cache/index.js';
import { ensureBusyboxImage } from '../images/busybox-image.js';
import type { Logger } from '../runtimes/runtime.js';
import { ensureGuestKernel } from './guest-kernel.js';
import { ensureInitramfs } from './initramfs.js';

export interface PreparedAssets {
  cacheDir: string;
  agent: string;
  busyboxRootfs: string;
  kernel: string;
  kernelRelease: string;
  initramfs: string;
}

export async function prepareSandboxAssets(opts: { cacheDir?: string; kernelDeb?: string; log?: Logger } = {}): Promise<PreparedAssets> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const agent = await ensureAgentBinary(cacheDir);
  const busybox = await ensureBusyboxImage(cacheDir);
  const kernel = await ensureGuestKernel(cacheDir, { deb: opts.kernelDeb, log: opts.log });
  const initramfs = await ensureInitramfs(cacheDir, kernel, agent);
  return { cacheDir, agent, busyboxRootfs: busybox.rootfs, kernel: kernel.kernel, kernelRelease: kernel.release, initramfs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const log: Logger = { info: (m) => process.stderr.write(`${m}\n`), warn: (m) => process.stderr.write(`warning: ${m}\n`) };
  prepareSandboxAssets({ cacheDir: opt('--cache'), kernelDeb: opt('--kernel-deb'), log }).then(
    (a) => process.stdout.write(`${JSON.stringify(a, null, 2)}\n`),
    (err) => {
      process.stderr.write(`prepare: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
