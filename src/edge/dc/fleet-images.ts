/**
 * The `images` endpoint type: the controller's accel images (bitstreams)
 * copied to each managed subcloud under the same uuids, so device profiles
 * and requests name the same image fleet-wide. The subcloud keeps a list of
 * the copies it holds from the controller (edge_synced_images); its own
 * images are never touched. The controller pushes: first the set it wants
 * kept (the subcloud drops the other copies and says which it holds), then
 * the bytes of each missing or different one, streamed.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { ConflictError, InvalidInputError, type Services } from '../../core/index.js';
import { imagesDigest, type SyncedImage } from './sync-digest.js';

interface Tables {
  edge_synced_images: { uuid: string };
}

/** What the edge module needs of accel's image store (services.get('accel').images). */
export interface ImageHolder {
  list(): Promise<(SyncedImage & { status: string })[]>;
  pathOf(uuid: string): string;
  copyIn(meta: SyncedImage, body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<{ written: boolean }>;
  remove(uuid: string): Promise<void>;
}

export const imageHolder = (services: Services) => services.maybe<{ images: ImageHolder }>('accel')?.images;

const meta = (i: SyncedImage): SyncedImage => ({ uuid: i.uuid, name: i.name, sha256: i.sha256, bitstreamId: i.bitstreamId, functionId: i.functionId, vendor: i.vendor, project: i.project });

/** Controller: the active images every subcloud should hold. */
export async function controllerImages(services: Services): Promise<SyncedImage[] | undefined> {
  const images = imageHolder(services);
  if (!images) return undefined;
  return (await images.list()).filter((i) => i.status === 'active').map(meta);
}

/** Subcloud: the copies it holds from the controller, active ones only. */
export async function heldImages(db: Kysely<any>, services: Services): Promise<SyncedImage[] | undefined> {
  const images = imageHolder(services);
  if (!images) return undefined;
  const ids = new Set((await (db as Kysely<Tables>).selectFrom('edge_synced_images').select('uuid').execute()).map((r) => r.uuid));
  return (await images.list()).filter((i) => ids.has(i.uuid) && i.status === 'active').map(meta);
}

export async function heldDigest(db: Kysely<any>, services: Services): Promise<string | undefined> {
  const held = await heldImages(db, services);
  return held && imagesDigest(held);
}

/** Subcloud: drops the controller's copies not in `keep`; answers what it holds (uuid → sha256). */
export async function pruneCopies(db: Kysely<any>, services: Services, keep: readonly string[]): Promise<Record<string, string | null>> {
  const images = imageHolder(services);
  if (!images) return {};
  const d = db as Kysely<Tables>;
  const wanted = new Set(keep);
  for (const { uuid } of await d.selectFrom('edge_synced_images').select('uuid').execute()) {
    if (wanted.has(uuid)) continue;
    await images.remove(uuid).catch(() => undefined); // already gone locally: nothing to drop
    await d.deleteFrom('edge_synced_images').where('uuid', '=', uuid).execute();
  }
  return Object.fromEntries(((await heldImages(db, services)) ?? []).map((i) => [i.uuid, i.sha256]));
}

/** Subcloud: one copy in (its bytes streamed), recorded as the controller's. */
export async function copyIn(db: Kysely<any>, services: Services, m: SyncedImage, body: NodeJS.ReadableStream): Promise<{ written: boolean }> {
  const images = imageHolder(services);
  if (!images) throw new ConflictError('the accel module is not loaded on this subcloud');
  // Recorded first: a copy that fails half-way is then dropped by the next prune rather than mistaken for a local image.
  await (db as Kysely<Tables>).insertInto('edge_synced_images').values({ uuid: m.uuid }).onConflict((oc) => oc.column('uuid').doNothing()).execute();
  return images.copyIn(m, body);
}

/** Controller: the bytes of one image as a request body. */
export function imageBody(services: Services, uuid: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(imageHolder(services)!.pathOf(uuid))) as ReadableStream<Uint8Array>;
}

/** The metadata header of an image copy: base64url JSON (names need not be ASCII). */
export const encodeMeta = (m: SyncedImage) => Buffer.from(JSON.stringify(meta(m))).toString('base64url');
export function decodeMeta(header: unknown): SyncedImage {
  if (typeof header !== 'string' || header.length > 4096) throw new InvalidInputError('x-strata-image must carry the image metadata');
  let m: SyncedImage;
  try {
    m = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as SyncedImage;
  } catch {
    throw new InvalidInputError('x-strata-image must be base64url JSON');
  }
  const str = (v: unknown) => v === null || (typeof v === 'string' && v.length <= 255);
  if (typeof m?.uuid !== 'string' || !/^[0-9a-f-]{36}$/.test(m.uuid) || !str(m.name) || typeof m.sha256 !== 'string' || !str(m.bitstreamId) || !str(m.functionId) || !str(m.vendor) || typeof m.project !== 'string') {
    throw new InvalidInputError('x-strata-image: uuid, name, sha256, bitstreamId, functionId, vendor and project are needed');
  }
  return meta(m);
}
