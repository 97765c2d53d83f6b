/**
 * Build outputs (kernels, initramfs images, agent binaries, unpacked
 * images) live in a cache directory, one folder per content key, never in
 * git. A folder is built under a temporary name, marked complete and renamed
 * into place, so a reader never sees half a build and builders racing (two
 * test files, two servers, two modules) agree on one result.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const COMPLETE = '.complete';
const inFlight = new Map<string, Promise<string>>();

/** True when `dir` holds a complete build. */
export function isBuilt(dir: string): boolean {
  return existsSync(join(dir, COMPLETE));
}

/**
 * Returns `dir`, building it first with `build(tmpDir)` unless a complete
 * build is already there. Callers in this process share one build of a
 * folder; a failed build leaves nothing behind.
 */
export function cachedBuild(dir: string, build: (tmpDir: string) => Promise<void>): Promise<string> {
  const running = inFlight.get(dir);
  if (running) return running;
  const p = (async () => {
    if (isBuilt(dir)) return dir;
    await mkdir(dirname(dir), { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(tmp);
      await build(tmp);
      await writeFile(join(tmp, COMPLETE), new Date().toISOString() + '\n');
      try {
        await rename(tmp, dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        // Another builder finished first; only a leftover that never completed is replaced.
        if (!isBuilt(dir)) {
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
