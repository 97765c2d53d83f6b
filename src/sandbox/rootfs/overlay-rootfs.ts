/**
 * A sandbox's root: the image (read-only, shared by every sandbox using it)
 * under a per-sandbox overlay. The overlay takes the mount points the
 * sandbox needs (/proc, /dev, /tmp, volume targets, the agent) without ever
 * writing to the cached image, and runtimes mount the result read-only.
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from '../../core/host/index.js';
import { resolveInRoot, splitPath } from '../images/root-path.js';
import { SandboxError } from '../model/errors.js';
import type { ResourceLedger } from '../manager/resources.js';

/** Mount points every isolating runtime uses. */
export const STANDARD_DIRS = ['/proc', '/dev', '/sys', '/tmp'];
/** Where the agent binary is bind-mounted inside the sandbox. */
export const AGENT_PATH = '/.strata/agent';

export interface OverlayRootOptions {
  /** the image's root directory */
  lower: string;
  /** the sandbox's state directory; upper, work and root go below it */
  stateDir: string;
  ledger: ResourceLedger;
  /** directories to create as mount points (absolute sandbox paths) */
  dirs: readonly string[];
  /** files to create as mount points */
  files: readonly string[];
}

export async function prepareOverlayRoot(opts: OverlayRootOptions): Promise<string> {
  if (/[,:\\]/.test(opts.lower)) throw new SandboxError('image_invalid', `image directory ${opts.lower}: overlay cannot use a path containing , : or \\`);
  const upper = join(opts.stateDir, 'upper');
  const work = join(opts.stateDir, 'work');
  const root = join(opts.stateDir, 'root');
  for (const d of [upper, work, root]) await mkdir(d, { recursive: true });
  await opts.ledger.add({ kind: 'mount', path: root });
  try {
    await runOk(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${opts.lower},upperdir=${upper},workdir=${work}`, root], { timeoutMs: 10_000 });
  } catch (err) {
    throw new SandboxError('start_failed', `overlay root for ${opts.stateDir}: ${(err as Error).message}`);
  }
  for (const d of opts.dirs) {
    const host = await resolveInRoot(root, splitPath(d), true);
    await mkdir(host, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new SandboxError('start_failed', `cannot create mount point ${d} in the image: ${err.message}`);
    });
  }
  for (const f of opts.files) {
    const parts = splitPath(f);
    const parent = await resolveInRoot(root, parts.slice(0, -1), true);
    await mkdir(parent, { recursive: true });
    const fh = await open(join(parent, parts[parts.length - 1]), 'a', 0o755);
    await fh.close();
  }
  return root;
}

