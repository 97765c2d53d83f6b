/**
 * Build outputs (kernel kits, deploy ramdisks) live in a cache directory,
 * one folder per content key, never in git. A folder is built under a
 * temporary name and renamed into place, so a reader never sees half a
 * build and two builders racing agree on one result.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMPLETE = '.complete';
const building = new Map<string, Promise<string>>();

/** `$STRATA_METAL_CACHE`, else `<package root>/.cache/metal` (src/ and dist/ agree). */
export function defaultMetalCacheDir(): string {
  if (process.env.STRATA_METAL_CACHE) return process.env.STRATA_METAL_CACHE;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('no package.json above the metal sources: set STRATA_METAL_CACHE');
    dir = up;
  }
  return join(dir, '.cache', 'metal');
}

export function isBuilt(dir: string): boolean {
  return existsSync(join(dir, COMPLETE));
}

/** `dir`, built first by `build(tmp)` unless a complete build is there. A failed build leaves nothing. */
export function cachedBuild(dir: string, build: (tmp: string) => Promise<void>): Promise<string> {
  const running = building.get(dir);
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
        // Another builder won; replace only a leftover that never completed.
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
  building.set(dir, p);
  p.finally(() => building.delete(dir)).catch(() => {});
  return p;
}
