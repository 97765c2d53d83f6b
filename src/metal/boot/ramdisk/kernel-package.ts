/**
 * The deploy ramdisk's kernel: Debian's `linux-image-<abi>-amd64`, its .deb
 * fetched once into the folder shared with the sandbox (core/guest's
 * downloadKernelDeb), unpacked with dpkg-deb, and reduced to a "kit":
 * vmlinuz plus the modules the ramdisk loads (NIC and disk drivers with
 * their dependencies, in load order).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { candidatePackage, currentKernelPackage, downloadKernelDeb, loadOrder, moduleDepends, moduleName } from '../../../core/guest/index.js';
import { cachedBuild, runOk } from '../../../core/host/index.js';

/** What QEMU machines and common servers need to reach the network and their disks. */
export const DEFAULT_MODULES = ['virtio_pci', 'virtio_net', 'virtio_blk', 'virtio_scsi', 'e1000', 'e1000e', 'sd_mod', 'ahci'];

export interface KernelKit {
  dir: string;
  /** Debian package the kit came from, e.g. linux-image-6.1.0-56-amd64_6.1.192-2_amd64. */
  source: string;
  /** `uname -r` of the kernel. */
  release: string;
  vmlinuz: string;
  /** Module files in load order. */
  modules: { name: string; file: string }[];
}

export interface KernelKitOptions {
  cacheDir: string;
  modules?: readonly string[];
  /** A kernel .deb to use instead of downloading (also $STRATA_METAL_KERNEL_DEB). */
  deb?: string;
  /** The package to download; default: what `linux-image-amd64` depends on. */
  package?: string;
  /** Where the .deb is downloaded to: the folder shared with the sandbox's guest kernel (default: core's defaultDebDir()). */
  debDir?: string;
  log?: (msg: string) => void;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** The kit for these modules from this kernel package, built once into the cache. */
export async function prepareKernelKit(opts: KernelKitOptions): Promise<KernelKit> {
  const wanted = [...(opts.modules ?? DEFAULT_MODULES)].map(moduleName).sort();
  const deb =
    opts.deb ??
    process.env.STRATA_METAL_KERNEL_DEB ??
    (await downloadKernelDeb(opts.package ? await candidatePackage(opts.package) : await currentKernelPackage(), { dir: opts.debDir, log: opts.log }));
  if (!existsSync(deb)) throw new Error(`kernel package ${deb} does not exist`);
  const source = basename(deb).replace(/\.deb$/, '');
  const key = createHash('sha256').update(`${source}\n${wanted.join(',')}`).digest('hex').slice(0, 12);
  const dir = await cachedBuild(join(opts.cacheDir, 'kernel', `${source}-${key}`), async (tmp) => {
    opts.log?.(`unpacking ${basename(deb)}`);
    const x = join(tmp, 'x');
    await runOk(['dpkg-deb', '-x', deb, x], { timeoutMs: 10 * 60_000 });
    const boot = readdirSync(join(x, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!boot) throw new Error(`${deb} has no boot/vmlinuz-*`);
    const release = boot.slice('vmlinuz-'.length);
    const files = new Map<string, string>();
    for (const f of walk(join(x, 'lib', 'modules', release, 'kernel'))) if (/\.ko(\.xz|\.zst)?$/.test(f)) files.set(moduleName(f), f);
    let order: string[];
    try {
      order = loadOrder(wanted, (name) => {
        const f = files.get(name);
        if (!f) return undefined;
        if (!f.endsWith('.ko')) throw new Error(`module ${name} is compressed (${basename(f)}); busybox insmod needs plain .ko files`);
        return moduleDepends(readFileSync(f));
      });
    } catch (err) {
      throw new Error(`kernel ${release} (${source}): ${(err as Error).message}`);
    }
    mkdirSync(join(tmp, 'modules'));
    copyFileSync(join(x, 'boot', boot), join(tmp, 'vmlinuz'));
    const modules = order.map((name) => {
      copyFileSync(files.get(name)!, join(tmp, 'modules', `${name}.ko`));
      return { name, file: `modules/${name}.ko` };
    });
    writeFileSync(join(tmp, 'kit.json'), JSON.stringify({ source, release, modules }, null, 2) + '\n');
    rmSync(x, { recursive: true, force: true });
  });
  const meta = JSON.parse(readFileSync(join(dir, 'kit.json'), 'utf8')) as { source: string; release: string; modules: { name: string; file: string }[] };
  return { dir, source: meta.source, release: meta.release, vmlinuz: join(dir, 'vmlinuz'), modules: meta.modules.map((m) => ({ name: m.name, file: join(dir, m.file) })) };
}
