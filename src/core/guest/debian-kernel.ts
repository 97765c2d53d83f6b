/**
 * Debian's kernel for the guests the project boots (metal's deploy ramdisk,
 * the sandbox VM): the package `linux-image-amd64` points at, fetched with
 * `apt-get download` (never installed) into one shared folder, so the ~70 MB
 * .deb is downloaded once whichever module needs it first. Each module
 * extracts what it needs from that one file into its own cache.
 */
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../host/package-root.js';
import { run, runOk } from '../host/run.js';

/** The metapackage that follows Debian's current kernel ABI. */
export const KERNEL_META_PACKAGE = 'linux-image-amd64';

export interface DebianPackage {
  /** e.g. linux-image-6.1.0-56-amd64 */
  name: string;
  /** the candidate version, e.g. 6.1.192-2 */
  version: string;
}

/** Where kernel .debs are kept: `$STRATA_DEB_CACHE`, else `<package root>/.cache/debs`. */
export function defaultDebDir(): string {
  return process.env.STRATA_DEB_CACHE || join(packageRoot(), '.cache', 'debs');
}

/** The ABI kernel package named by `apt-cache depends <meta>` output. */
export function parseKernelDepends(output: string, meta = KERNEL_META_PACKAGE): string {
  const m = /Depends:\s*(linux-image-[0-9][^\s<>]*-amd64)\b/.exec(output);
  if (!m) throw new Error(`apt-cache depends ${meta} names no linux-image-<abi>-amd64 package (output: ${output.trim().replace(/\s+/g, ' ').slice(0, 200)}); run apt-get update`);
  return m[1]!;
}

/** The candidate version in `apt-cache policy <name>` output. */
export function parseCandidate(output: string, name: string): string {
  const version = /Candidate:\s*(\S+)/.exec(output)?.[1];
  if (!version || version === '(none)') throw new Error(`apt has no candidate version of ${name} (run apt-get update)`);
  return version;
}

/** `name` at the version apt would install now. */
export async function candidatePackage(name: string): Promise<DebianPackage> {
  const policy = await runOk(['apt-cache', 'policy', name], { timeoutMs: 60_000 });
  return { name, version: parseCandidate(policy.stdout, name) };
}

/** The kernel package `meta` (default linux-image-amd64) points at now, with its candidate version. */
export async function currentKernelPackage(meta = KERNEL_META_PACKAGE): Promise<DebianPackage> {
  const depends = await runOk(['apt-cache', 'depends', meta], { timeoutMs: 60_000 });
  return candidatePackage(parseKernelDepends(depends.stdout, meta));
}

/** The start of the file name `apt-get download` gives a package (it writes an epoch's colon as %3a). */
function debPrefix(pkg: DebianPackage): string {
  return `${pkg.name}_${pkg.version.replace(/:/g, '%3a')}_`;
}

function findDeb(dir: string, pkg: DebianPackage): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const file = names.find((f) => f.startsWith(debPrefix(pkg)) && f.endsWith('.deb'));
  return file && join(dir, file);
}

export interface KernelDebOptions {
  /** The shared folder (default: defaultDebDir()). */
  dir?: string;
  log?: (msg: string) => void;
}

const downloading = new Map<string, Promise<string>>();

/**
 * The .deb of the kernel package `pkg` in the shared folder, downloaded
 * first when absent. It is fetched into a temporary folder and renamed into
 * place, so no reader sees a partial file and concurrent fetchers (metal and
 * the sandbox, two test files) end with one. The file is kept: every module
 * extracts from it.
 */
export function downloadKernelDeb(pkg: DebianPackage, opts: KernelDebOptions = {}): Promise<string> {
  if (!/^linux-image-[A-Za-z0-9.+-]+$/.test(pkg.name)) return Promise.reject(new Error(`not a kernel package name: ${JSON.stringify(pkg.name)}`));
  if (!/^[A-Za-z0-9.+~:-]+$/.test(pkg.version)) return Promise.reject(new Error(`not a Debian version: ${JSON.stringify(pkg.version)}`));
  const dir = opts.dir ?? defaultDebDir();
  const existing = findDeb(dir, pkg);
  if (existing) return Promise.resolve(existing);
  const key = `${dir}\0${pkg.name}=${pkg.version}`;
  const running = downloading.get(key);
  if (running) return running;
  const p = (async () => {
    await mkdir(dir, { recursive: true });
    const tmp = await mkdtemp(join(dir, '.download-'));
    try {
      opts.log?.(`downloading ${pkg.name} ${pkg.version} with apt-get download into ${dir} (about 70 MB, once for every guest)`);
      const r = await run(['apt-get', 'download', '-q', `${pkg.name}=${pkg.version}`], { cwd: tmp, timeoutMs: 15 * 60_000 });
      const debs = (await readdir(tmp)).filter((f) => f.endsWith('.deb'));
      if (r.code !== 0 || debs.length !== 1) {
        const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
        throw new Error(`apt-get download ${pkg.name}=${pkg.version} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}, ${debs.length} .deb files) in ${dir}: ${tail}`);
      }
      const file = join(dir, debs[0]!);
      await rename(join(tmp, debs[0]!), file);
      return file;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  })();
  downloading.set(key, p);
  p.finally(() => downloading.delete(key)).catch(() => {});
  return p;
}
