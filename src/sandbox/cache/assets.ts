/**
 * Locates the non-TypeScript sources the sandbox builds from (the agent's C
 * source, the guest's /init) and the default cache directory. They sit beside
 * the code in src/; a compiled dist/ tree finds them through the package root.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../core/host/index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Path of a source asset under src/sandbox/<folder>/<name>. */
export function assetPath(folder: string, name: string): string {
  const beside = resolve(here, '..', folder, name);
  if (existsSync(beside)) return beside;
  const inSrc = join(packageRoot(), 'src', 'sandbox', folder, name);
  if (existsSync(inSrc)) return inSrc;
  throw new Error(`sandbox asset ${folder}/${name} not found (looked in ${beside} and ${inSrc})`);
}

/** Default cache for sandbox build artefacts: $STRATA_SANDBOX_CACHE or <package>/.cache/sandbox. */
export function defaultCacheDir(): string {
  return process.env.STRATA_SANDBOX_CACHE ?? join(packageRoot(), '.cache', 'sandbox');
}
