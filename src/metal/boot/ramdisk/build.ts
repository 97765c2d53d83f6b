/**
 * Strata's deploy ramdisk: Debian's kernel plus an initramfs of
 * busybox-static, the NIC/disk modules and the agent scripts
 * (metal/agent/ramdisk). Built once per content: the cache key hashes the
 * kernel package, the modules, busybox and the scripts, so a changed agent
 * gives a new ramdisk and an unchanged one is reused.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AGENT_VERSION, COMMANDS_CGI, DHCP_SCRIPT, INIT_SCRIPT, WRITE_IMAGE_SCRIPT } from '../../agent/ramdisk/agent-scripts.js';
import { cachedBuild } from '../../../core/host/index.js';
import { defaultMetalCacheDir } from './cache.js';
import { writeCpio, type CpioEntry } from '../../../core/guest/index.js';
import { DEFAULT_MODULES, prepareKernelKit } from './kernel-package.js';

/** Bumped when the layout of the image changes. */
const BUILDER_VERSION = '1';

export interface DeployRamdisk {
  dir: string;
  kernel: string;
  initramfs: string;
  /** Content key (hex): part of the file names it is served under. */
  key: string;
  kernelRelease: string;
  agentVersion: string;
}

export interface DeployRamdiskOptions {
  cacheDir?: string;
  /** A statically linked busybox (Debian's busybox-static installs /bin/busybox). */
  busybox?: string;
  modules?: readonly string[];
  /** A kernel .deb to use instead of `apt-get download` (also $STRATA_METAL_KERNEL_DEB). */
  kernelDeb?: string;
  log?: (msg: string) => void;
}

/** True for an ELF executable with no program interpreter, i.e. one that runs without a libc on disk. */
export function isStaticElf(bin: Buffer): boolean {
  if (bin.length < 64 || bin.readUInt32BE(0) !== 0x7f454c46 || bin[4] !== 2) return false;
  const phoff = Number(bin.readBigUInt64LE(0x20));
  const phentsize = bin.readUInt16LE(0x36);
  const phnum = bin.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > bin.length) return false;
    if (bin.readUInt32LE(at) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

export async function buildDeployRamdisk(opts: DeployRamdiskOptions = {}): Promise<DeployRamdisk> {
  const cacheDir = opts.cacheDir ?? defaultMetalCacheDir();
  const busyboxPath = opts.busybox ?? '/bin/busybox';
  let busybox: Buffer;
  try {
    busybox = readFileSync(busyboxPath);
  } catch (err) {
    throw new Error(`cannot read ${busyboxPath} (install Debian's busybox-static): ${(err as Error).message}`);
  }
  if (!isStaticElf(busybox)) throw new Error(`${busyboxPath} is not a statically linked 64-bit executable: install Debian's busybox-static`);
  const kit = await prepareKernelKit({ cacheDir, modules: opts.modules ?? DEFAULT_MODULES, deb: opts.kernelDeb, log: opts.log });

  const h = createHash('sha256');
  for (const part of [BUILDER_VERSION, AGENT_VERSION, kit.source, kit.modules.map((m) => m.name).join(','), INIT_SCRIPT, DHCP_SCRIPT, COMMANDS_CGI, WRITE_IMAGE_SCRIPT]) h.update(part).update('\0');
  h.update(busybox);
  const key = h.digest('hex').slice(0, 16);

  const dir = await cachedBuild(join(cacheDir, 'ramdisk', key), async (tmp) => {
    opts.log?.(`building the deploy ramdisk ${key}`);
    const dirs = ['bin', 'dev', 'etc', 'etc/strata', 'lib', 'lib/modules', 'proc', 'sys', 'run', 'tmp', 'var', 'www', 'www/cgi-bin', 'www/v1', 'www/v1/commands'];
    const entries: CpioEntry[] = [
      ...dirs.map((path): CpioEntry => ({ type: 'dir', path, mode: path === 'tmp' ? 0o1777 : 0o755 })),
      { type: 'char', path: 'dev/console', major: 5, minor: 1 },
      { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
      // The kernel runs /init through its #! line before busybox installs its applets.
      { type: 'symlink', path: 'bin/sh', target: 'busybox' },
      { type: 'file', path: 'init', data: INIT_SCRIPT, mode: 0o755 },
      { type: 'file', path: 'etc/strata/dhcp.sh', data: DHCP_SCRIPT, mode: 0o755 },
      { type: 'file', path: 'etc/strata/write-image.sh', data: WRITE_IMAGE_SCRIPT, mode: 0o755 },
      { type: 'file', path: 'etc/strata/version', data: AGENT_VERSION + '\n' },
      { type: 'file', path: 'etc/strata/modules', data: kit.modules.map((m) => m.name).join('\n') + '\n' },
      { type: 'file', path: 'www/cgi-bin/index.cgi', data: COMMANDS_CGI, mode: 0o755 },
      ...kit.modules.map((m): CpioEntry => ({ type: 'file', path: `lib/modules/${m.name}.ko`, data: readFileSync(m.file) })),
    ];
    writeFileSync(join(tmp, 'initramfs'), gzipSync(writeCpio(entries), { level: 9 }));
    copyFileSync(kit.vmlinuz, join(tmp, 'kernel'));
    writeFileSync(join(tmp, 'info.json'), JSON.stringify({ key, kernel: kit.source, release: kit.release, agentVersion: AGENT_VERSION, modules: kit.modules.map((m) => m.name) }, null, 2) + '\n');
  });
  return { dir, kernel: join(dir, 'kernel'), initramfs: join(dir, 'initramfs'), key, kernelRelease: kit.release, agentVersion: AGENT_VERSION };
}

/** The names a deploy ramdisk is served under in the boot images directory. */
export function deployImageNames(r: Pick<DeployRamdisk, 'key'>): { kernel: string; ramdisk: string } {
  return { kernel: `strata-deploy-${r.key}.kernel`, ramdisk: `strata-deploy-${r.key}.initramfs` };
}
