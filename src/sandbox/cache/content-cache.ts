/**
 * Build artefacts (the agent binary, the initramfs, unpacked images, the
 * guest kernel) live in a cache directory, one folder per content key. A
 * folder is built under a temporary name and renamed into place when
 * complete, so readers never see half a build and concurrent builders (two
 * test files, two servers) agree on one result.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const COMPLETE = '.complete';
const inFlight = new Map<string, Promise<string>>();

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Returns `dir`, building it first with `build(tmpDir)` unless a complete
 * build is already there. A failed build leaves nothing behind.
 */
export function cachedBuild(dir: string, build: (tmpDir: string) => Promise<void>): Promise<string> {
  const running = inFlight.get(dir);
  if (running) return running;
  const p = (async () => {
    if (await exists(join(dir, COMPLETE))) return dir;
    await mkdir(dirname(dir), { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(tmp);
      await build(tmp);
      await writeFile(join(tmp, COMPLETE), new Date().toISOString());
      try {
        await rename(tmp, dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        // Someone else finished first; an incomplete leftover is replaced.
        if (!(await exists(join(dir, COMPLETE)))) {
          await rm(dir, { recursive: true, force: true });
          await rename(tmp, dir);
        }
      }
      return dir;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  })();
  inFlight.set(dir, p);
  p.finally(() => inFlight.delete(dir)).catch(() => {});
  return p;
}
