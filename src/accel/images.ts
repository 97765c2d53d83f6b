/**
 * The image store for bitstreams (what Cyborg keeps in Glance): metadata in
 * the store, bytes in a directory. An upload is streamed to a temporary
 * file while its sha256 is computed; it is refused past the size limit, or
 * when the checksum the uploader declared differs, and nothing is kept.
 * Before programming the bytes are hashed again, so a corrupted file never
 * reaches hardware.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Kysely } from 'kysely';
import { ConflictError, InvalidInputError, moveState, NotFoundError, PayloadTooLargeError } from '../core/index.js';
import { imageState, type ImageStatus } from './states.js';

export interface Image {
  uuid: string;
  name: string | null;
  status: ImageStatus;
  size: number | null;
  sha256: string | null;
  expectedSha256: string | null;
  bitstreamId: string | null;
  functionId: string | null;
  vendor: string | null;
  project: string;
  createdAt: number;
  updatedAt: number;
}

export interface NewImage {
  name?: string;
  sha256?: string;
  bitstream_id?: string;
  function_id?: string;
  vendor?: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
const toImage = (r: any): Image => ({
  uuid: r.uuid,
  name: r.name,
  status: r.status,
  size: r.size === null ? null : Number(r.size),
  sha256: r.sha256,
  expectedSha256: r.expected_sha256,
  bitstreamId: r.bitstream_id,
  functionId: r.function_id,
  vendor: r.vendor,
  project: r.project,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

export class ImageStore {
  constructor(
    private readonly db: Kysely<any>,
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  pathOf(uuid: string): string {
    return join(this.dir, uuid);
  }

  async create(project: string, meta: NewImage): Promise<Image> {
    const known = ['name', 'sha256', 'bitstream_id', 'function_id', 'vendor'];
    for (const k of Object.keys(meta)) if (!known.includes(k)) throw new InvalidInputError(`image: unknown field "${k}" (known: ${known.join(', ')})`);
    for (const k of known) {
      const v = (meta as Record<string, unknown>)[k];
      if (v !== undefined && (typeof v !== 'string' || v.length > 255)) throw new InvalidInputError(`image ${k} must be a string of at most 255 characters`);
    }
    if (meta.sha256 !== undefined && !SHA256.test(meta.sha256)) throw new InvalidInputError('image sha256 must be 64 lower-case hex digits');
    const now = Date.now();
    const uuid = randomUUID();
    await this.db
      .insertInto('accel_images')
      .values({ uuid, name: meta.name ?? null, status: 'queued', size: null, sha256: null, expected_sha256: meta.sha256 ?? null, bitstream_id: meta.bitstream_id ?? null, function_id: meta.function_id ?? null, vendor: meta.vendor ?? null, project, created_at: now, updated_at: now })
      .execute();
    return this.get(uuid);
  }

  async get(uuid: string): Promise<Image> {
    const r = await this.db.selectFrom('accel_images').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw new NotFoundError(`no image ${uuid}`, { image: uuid });
    return toImage(r);
  }

  async list(filter: { bitstreamId?: string; functionId?: string } = {}): Promise<Image[]> {
    let q = this.db.selectFrom('accel_images').selectAll().orderBy('created_at');
    if (filter.bitstreamId) q = q.where('bitstream_id', '=', filter.bitstreamId);
    if (filter.functionId) q = q.where('function_id', '=', filter.functionId);
    return (await q.execute()).map(toImage);
  }

  /** Streams the bytes in; the image becomes active only when size and checksum are right. */
  async upload(uuid: string, body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<Image> {
    const img = await this.get(uuid);
    if (img.status !== 'queued') throw new ConflictError(`image ${uuid} already has data (status ${img.status}); create a new image`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${uuid}.${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const limit = this.maxBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(new PayloadTooLargeError(`image data is larger than the ${limit}-byte limit`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body as AsyncIterable<Uint8Array>, meter, createWriteStream(tmp, { mode: 0o600 }));
      const sha256 = hash.digest('hex');
      if (img.expectedSha256 && sha256 !== img.expectedSha256)
        throw new InvalidInputError(`image ${uuid}: the data's sha256 is ${sha256}, not the declared ${img.expectedSha256}; nothing was kept`);
      await rename(tmp, this.pathOf(uuid));
      const now = Date.now();
      const moved = await moveState(this.db, imageState, uuid, 'queued', 'upload', { set: { size, sha256, updated_at: now } });
      if (!moved) throw new ConflictError(`image ${uuid} was uploaded or deleted meanwhile`);
      return this.get(uuid);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * A copy of another server's image under the same uuid and metadata (the
   * edge `images` sync): an existing copy with the same checksum is kept,
   * a different one replaced; the bytes must hash to `sha256`.
   */
  async copyIn(meta: Pick<Image, 'uuid' | 'name' | 'sha256' | 'bitstreamId' | 'functionId' | 'vendor' | 'project'>, body: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<{ image: Image; written: boolean }> {
    if (!meta.sha256 || !SHA256.test(meta.sha256)) throw new InvalidInputError('an image copy needs its sha256 (64 lower-case hex digits)');
    const cur = await this.get(meta.uuid).catch(() => undefined);
    if (cur?.status === 'active' && cur.sha256 === meta.sha256) {
      for await (const _ of body as AsyncIterable<Uint8Array>) void _; // drain: the bytes are already here
      return { image: cur, written: false };
    }
    if (cur) await this.remove(meta.uuid);
    const now = Date.now();
    await this.db
      .insertInto('accel_images')
      .values({ uuid: meta.uuid, name: meta.name, status: 'queued', size: null, sha256: null, expected_sha256: meta.sha256, bitstream_id: meta.bitstreamId, function_id: meta.functionId, vendor: meta.vendor, project: meta.project, created_at: now, updated_at: now })
      .execute();
    try {
      return { image: await this.upload(meta.uuid, body), written: true };
    } catch (err) {
      await this.db.deleteFrom('accel_images').where('uuid', '=', meta.uuid).where('status', '=', 'queued').execute();
      throw err;
    }
  }

  /** The path of an active image whose bytes still hash to what was stored; throws saying why not. */
  async verified(uuid: string): Promise<{ image: Image; path: string }> {
    const image = await this.get(uuid);
    if (image.status !== 'active') throw new ConflictError(`image ${uuid} has no data yet (status ${image.status})`);
    const path = this.pathOf(uuid);
    const actual = await sha256File(path).catch((e) => {
      throw new ConflictError(`image ${uuid}: its data cannot be read (${(e as Error).message})`);
    });
    if (actual !== image.sha256) throw new ConflictError(`image ${uuid} is corrupted: its data hashes to ${actual}, not the ${image.sha256} stored at upload`);
    return { image, path };
  }

  async remove(uuid: string): Promise<void> {
    await this.get(uuid);
    await this.db.deleteFrom('accel_images').where('uuid', '=', uuid).execute();
    await rm(this.pathOf(uuid), { force: true });
  }
}
