/**
 * Applies one image layer (a tar stream) onto a root directory, with the OCI
 * whiteout rules: ".wh.NAME" deletes NAME from the layers below, and
 * ".wh..wh..opq" hides everything the layers below put in its directory.
 * Whiteouts never touch what the same layer adds, whatever the tar order.
 */
import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { resolveInRoot, splitPath } from './root-path.js';
import { readTar, TarError, type TarStreamEntry } from '../../core/tar/index.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export interface LayerStats {
  entries: number;
  whiteouts: number;
  /** device nodes and fifos are not created (sandboxes get their own /dev) */
  skipped: string[];
}

const isRoot = process.getuid?.() === 0;

async function removeExisting(path: string, keepDir: boolean): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory() && keepDir) return;
  await rm(path, { recursive: true, force: true });
}

/** Deletes what lower layers left under dir, keeping what this layer made. */
async function makeOpaque(dir: string, rel: string, created: Set<string>): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const childRel = rel ? `${rel}/${name}` : name;
    const childPath = join(dir, name);
    if (!created.has(childRel)) {
      await rm(childPath, { recursive: true, force: true });
      continue;
    }
    const st = await lstat(childPath);
    if (st.isDirectory()) await makeOpaque(childPath, childRel, created);
  }
}

async function writeEntry(root: string, parts: string[], entry: TarStreamEntry, stats: LayerStats): Promise<void> {
  const rel = parts.join('/');
  const parent = await resolveInRoot(root, parts.slice(0, -1), true);
  const target = join(parent, parts[parts.length - 1]);
  await mkdir(parent, { recursive: true });
  const mode = entry.mode & 0o7777;
  switch (entry.type) {
    case 'dir': {
      await removeExisting(target, true);
      await mkdir(target, { recursive: true });
      await chmod(target, mode);
      break;
    }
    case 'file': {
      await removeExisting(target, false);
      await pipeline(Readable.from(entry.body()), createWriteStream(target, { mode, flags: 'wx' }));
      await chmod(target, mode);
      break;
    }
    case 'symlink': {
      await removeExisting(target, false);
      await symlink(entry.linkname, target);
      break;
    }
    case 'hardlink': {
      const source = await resolveInRoot(root, splitPath(entry.linkname), false);
      const st = await lstat(source).catch(() => undefined);
      if (!st) throw new TarError(`hard link ${rel} points at missing ${entry.linkname}`);
      await removeExisting(target, false);
      await link(source, target);
      return; // shares the inode: no separate owner or times
    }
    default:
      stats.skipped.push(`${rel} (${entry.type})`);
      return;
  }
  if (isRoot) await lchown(target, entry.uid, entry.gid);
  if (entry.type === 'file') await utimes(target, entry.mtime, entry.mtime);
}

/** Applies a layer; throws TarError (corrupt layer) or a fs error. */
export async function applyLayer(root: string, source: AsyncIterable<Buffer>): Promise<LayerStats> {
  const stats: LayerStats = { entries: 0, whiteouts: 0, skipped: [] };
  // Paths this layer wrote: whiteouts only hide what lower layers made, so
  // they are applied as met but never remove these, whatever the tar order.
  const created = new Set<string>();
  for await (const entry of readTar(source)) {
    const parts = splitPath(entry.path);
    if (parts.includes('..')) throw new TarError(`layer entry ${JSON.stringify(entry.path)} climbs out of the root`);
    if (parts.length === 0) continue; // the root itself ("./")
    const name = parts[parts.length - 1];
    const dirParts = parts.slice(0, -1);
    if (name === OPAQUE) {
      stats.whiteouts++;
      const dir = await resolveInRoot(root, dirParts, true);
      await makeOpaque(dir, dirParts.join('/'), created);
      continue;
    }
    if (name.startsWith(WHITEOUT)) {
      stats.whiteouts++;
      const hidden = [...dirParts, name.slice(WHITEOUT.length)].join('/');
      if (created.has(hidden)) continue;
      const parent = await resolveInRoot(root, dirParts, true);
      await rm(join(parent, name.slice(WHITEOUT.length)), { recursive: true, force: true });
      continue;
    }
    await writeEntry(root, parts, entry, stats);
    for (let i = 1; i <= parts.length; i++) created.add(parts.slice(0, i).join('/'));
    stats.entries++;
  }
  return stats;
}
