/**
 * Where metal's build outputs (kernel kits, deploy ramdisks) live: one
 * folder per content key (built by core's cachedBuild), never in git.
 */
import { join } from 'node:path';
import { packageRoot } from '../../../core/host/index.js';

/** `$STRATA_METAL_CACHE`, else `<package root>/.cache/metal` (src/ and dist/ agree). */
export function defaultMetalCacheDir(): string {
  return process.env.STRATA_METAL_CACHE || join(packageRoot(), '.cache', 'metal');
}
