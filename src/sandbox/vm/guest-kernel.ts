/**
 * The guest kernel: Debian's own (linux-image-amd64), fetched without
 * installing it. The .deb is downloaded once into the folder shared with
 * metal (core/guest's downloadKernelDeb), its file tree is read with
 * `dpkg-deb --fsys-tarfile` (what `dpkg -x` does) and only the kernel, its
 * config and the virtio/9p/network modules are kept in the sandbox cache.
 *
 * The compressed bzImage is also unpacked into a plain ELF vmlinux (with
 * `xz`): QEMU boots that through its PVH entry point, which skips the
 * in-guest decompression that costs seconds under TCG.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { currentKernelPackage, downloadKernelDeb, KERNEL_META_PACKAGE, moduleName, type DebianPackage } from '../../core/guest/index.js';
import { cachedBuild } from '../../core/host/index.js';
import { readTar } from '../../core/tar/index.js';
import { SandboxError } from '../model/errors.js';
import type { Logger } from '../runtimes/runtime.js';
import { trimElf } from './elf-trim.js';

export interface GuestKernel {
  /** e.g. 6.1.0-56-amd64 */
  release: string;
  /** the Debian package it came from, with version */
  package: string;
  /** ELF vmlinux (PVH boot) when it could be unpacked, else the bzImage */
  kernel: string;
  pvh: boolean;
  /** module name -> .ko path */
  modules: Map<string, string>;
}

/** Module folders the guest needs (virtio transports, console, 9p, network, balloon). */
const MODULE_PATHS = [
  /^kernel\/drivers\/virtio\/[^/]+\.ko$/,
  /^kernel\/drivers\/char\/virtio_console\.ko$/,
  /^kernel\/fs\/9p\/[^/]+\.ko$/,
  /^kernel\/net\/9p\/9pnet(_virtio)?\.ko$/,
  /^kernel\/fs\/netfs\/[^/]+\.ko$/,
  /^kernel\/fs\/fscache\/[^/]+\.ko$/,
  /^kernel\/drivers\/net\/(virtio_net|net_failover)\.ko$/,
  /^kernel\/net\/core\/failover\.ko$/,
];

/** Bumped when what the cache folder holds changes (2: trimmed vmlinux). */
const LAYOUT = 'l2';

function unavailable(message: string): SandboxError {
  return new SandboxError('runtime_unavailable', `guest kernel: ${message}`);
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9.+-]/g, '_');
}

/** Streams a tar from a command's stdout. */
function commandStdout(argv: string[]): { stream: AsyncIterable<Buffer>; done: Promise<void> } {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`${argv[0]}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: exit ${code}: ${err.trim()}`))));
  });
  return { stream: child.stdout, done };
}

/** Unpacks the xz payload of a bzImage into an ELF vmlinux; false when it cannot. */
async function unpackVmlinux(bzImage: string, out: string): Promise<boolean> {
  const data = await readFile(bzImage);
  const at = data.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) return false;
  return new Promise<boolean>((resolve) => {
    const xz = spawn('xz', ['-dc', '--single-stream'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const file = createWriteStream(out);
    xz.on('error', () => resolve(false));
    xz.stdout.pipe(file);
    // the stream ends at the xz payload; trailing bytes are the bzImage's own
    xz.stdin.on('error', () => {});
    xz.stdin.end(data.subarray(at));
    file.on('close', async () => {
      const elf = await readFile(out);
      if (!elf.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return resolve(false);
      await writeFile(out, trimElf(elf));
      resolve(true);
    });
  });
}

async function extractKernel(deb: string, dir: string, log?: Logger): Promise<void> {
  const { stream, done } = commandStdout(['dpkg-deb', '--fsys-tarfile', deb]);
  let bzImage: string | undefined;
  let release: string | undefined;
  await mkdir(join(dir, 'modules'), { recursive: true });
  for await (const e of readTar(stream)) {
    const path = e.path.replace(/^\.\//, '');
    let dest: string | undefined;
    let m: RegExpExecArray | null;
    if ((m = /^boot\/vmlinuz-(.+)$/.exec(path))) {
      release = m[1];
      dest = bzImage = join(dir, 'vmlinuz');
    } else if (/^boot\/config-/.test(path)) {
      dest = join(dir, 'config');
    } else if ((m = /^lib\/modules\/[^/]+\/(kernel\/.+\.ko)$/.exec(path)) && MODULE_PATHS.some((re) => re.test(m![1]))) {
      dest = join(dir, 'modules', basename(m[1]));
    }
    if (dest && e.type === 'file') await pipeline(Readable.from(e.body()), createWriteStream(dest));
  }
  await done;
  if (!bzImage || !release) throw unavailable(`${deb} holds no boot/vmlinuz-*`);
  const pvh = await unpackVmlinux(bzImage, join(dir, 'vmlinux'));
  if (!pvh) {
    await rm(join(dir, 'vmlinux'), { force: true });
    log?.warn('guest kernel: could not unpack vmlinux (is xz installed?); booting the bzImage, which is slower under TCG');
  }
  await writeFile(join(dir, 'kernel.json'), JSON.stringify({ release, pvh }));
}

async function loadKernel(dir: string, pkg: string): Promise<GuestKernel> {
  const meta = JSON.parse(await readFile(join(dir, 'kernel.json'), 'utf8')) as { release: string; pvh: boolean };
  const modules = new Map<string, string>();
  for (const f of await readdir(join(dir, 'modules'))) modules.set(moduleName(f), join(dir, 'modules', f));
  return { release: meta.release, package: pkg, kernel: join(dir, meta.pvh ? 'vmlinux' : 'vmlinuz'), pvh: meta.pvh, modules };
}

export interface GuestKernelOptions {
  /** use this kernel .deb instead of downloading one (also $STRATA_GUEST_KERNEL_DEB) */
  deb?: string;
  /** where the .deb is downloaded to: the folder shared with metal (default: core's defaultDebDir()) */
  debDir?: string;
  /** do not ask apt: use a kernel already in the cache, else fail */
  offline?: boolean;
  log?: Logger;
}

/**
 * Returns the guest kernel, fetching and unpacking it into the cache the
 * first time (the lead's setup script calls this, through prepareSandboxAssets).
 */
export async function ensureGuestKernel(cacheDir: string, opts: GuestKernelOptions = {}): Promise<GuestKernel> {
  const root = join(cacheDir, 'kernel');
  const deb = opts.deb ?? process.env.STRATA_GUEST_KERNEL_DEB;
  if (deb) {
    if (!existsSync(deb)) throw unavailable(`${deb} does not exist`);
    const key = `${safeName(basename(deb, '.deb'))}.${LAYOUT}`;
    const dir = await cachedBuild(join(root, key), (tmp) => extractKernel(deb, tmp, opts.log));
    return loadKernel(dir, key);
  }
  // A kernel already in the cache is used as is: no apt call on every start.
  const cached = (await readdir(root).catch(() => [] as string[])).filter((d) => d.endsWith(`.${LAYOUT}`) && existsSync(join(root, d, '.complete'))).sort();
  if (cached.length && (opts.offline || process.env.STRATA_GUEST_KERNEL_REFRESH !== '1')) {
    const pick = cached[cached.length - 1];
    return loadKernel(join(root, pick), pick);
  }
  if (opts.offline) throw unavailable(`no kernel in ${root} and offline mode forbids fetching one`);
  let pkg: DebianPackage;
  try {
    pkg = await currentKernelPackage();
  } catch (err) {
    throw unavailable(`cannot ask apt which kernel ${KERNEL_META_PACKAGE} means: ${(err as Error).message}`);
  }
  const key = `${safeName(`${pkg.name}_${pkg.version}`)}.${LAYOUT}`;
  const dir = await cachedBuild(join(root, key), async (tmp) => {
    let deb: string;
    try {
      // The .deb stays in the folder shared with metal's deploy ramdisk.
      deb = await downloadKernelDeb(pkg, { dir: opts.debDir, log: (m) => opts.log?.info(m) });
    } catch (err) {
      throw unavailable((err as Error).message);
    }
    await extractKernel(deb, tmp, opts.log);
  });
  return loadKernel(dir, key);
}
