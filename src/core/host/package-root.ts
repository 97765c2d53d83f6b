/**
 * The package root: the nearest folder above this file with a package.json.
 * From src/ (tsx) and from dist/ (compiled) alike it is the checkout, where
 * the default caches (`.cache/…`) live.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function packageRoot(): string {
  let dir = here;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${here}`);
    dir = up;
  }
}
