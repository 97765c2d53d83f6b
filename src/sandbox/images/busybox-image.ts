/**
 * The built-in image: Debian's static busybox with a link for every applet
 * (sh, cat, wget, ...) at its usual path, plus the few files a shell expects.
 * Cached by the hash of the busybox binary.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cachedBuild, runOk } from '../../core/host/index.js';
import { SandboxError } from '../model/errors.js';

export const BUSYBOX_BINARY = '/bin/busybox';
const LAYOUT_VERSION = '1';

/** Directories every sandbox root needs as mount points or for tools. */
const DIRS = ['dev', 'proc', 'sys', 'tmp', 'etc', 'root', 'home', 'run', 'var/tmp', 'mnt'];

export async function busyboxDigest(binary = BUSYBOX_BINARY): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(binary);
  } catch {
    throw new SandboxError('runtime_unavailable', `the built-in image needs Debian busybox-static (${binary} is missing)`);
  }
  return createHash('sha256').update(LAYOUT_VERSION).update(data).digest('hex');
}

export async function ensureBusyboxImage(cacheDir: string, binary = BUSYBOX_BINARY): Promise<{ rootfs: string; digest: string }> {
  const digest = await busyboxDigest(binary);
  const dir = await cachedBuild(join(cacheDir, 'images', 'busybox', digest.slice(0, 16)), async (tmp) => {
    const root = join(tmp, 'rootfs');
    for (const d of DIRS) await mkdir(join(root, d), { recursive: true, mode: 0o755 });
    await chmod(join(root, 'tmp'), 0o1777);
    await chmod(join(root, 'var/tmp'), 0o1777);
    await mkdir(join(root, 'bin'), { recursive: true });
    await copyFile(binary, join(root, 'bin/busybox'));
    await chmod(join(root, 'bin/busybox'), 0o755);
    const { stdout } = await runOk([binary, '--list-full']);
    for (const applet of stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
      if (applet === 'bin/busybox' || applet.includes('..')) continue;
      await mkdir(join(root, dirname(applet)), { recursive: true });
      await symlink('/bin/busybox', join(root, applet)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await writeFile(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost\n');
  });
  return { rootfs: join(dir, 'rootfs'), digest: `sha256:${digest}` };
}
