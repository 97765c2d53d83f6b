/**
 * OCI image tarballs: an OCI image layout (index.json, blobs/sha256/...) or
 * the `docker save` format (manifest.json, <config>.json, <layer>.tar), as a
 * single tar file. Every blob used is checked against its digest (manifest,
 * config and layer blobs by their sha256 names; docker layers by the
 * config's diff_ids), layers are applied in order with whiteouts, and the
 * result is cached by the image's digest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { SandboxError } from '../model/errors.js';
import { cachedBuild } from '../../core/host/index.js';
import { applyLayer } from './layer-apply.js';
import { indexTarFile, TarError, type TarMember } from '../../core/tar/index.js';
import type { ImageConfig } from './image-types.js';

const MEDIA_INDEX = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

/** What to unpack: resolved from the archive's index before any layer is read. */
export interface ArchivePlan {
  /** sha256:... of the manifest (OCI) or of the config (docker save): the cache key */
  digest: string;
  format: 'oci' | 'docker';
  config: ImageConfig;
  layers: Array<{ member: string; expect: { kind: 'blob' | 'diff'; digest: string } }>;
}

function invalid(archive: string, message: string): SandboxError {
  return new SandboxError('image_invalid', `image ${archive}: ${message}`, { image: archive });
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function blobMember(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new TarError(`unsupported digest ${JSON.stringify(digest)} (only sha256)`);
  return `blobs/sha256/${m[1]}`;
}

async function readMember(archive: string, members: Map<string, TarMember>, name: string, limit = 64 << 20): Promise<Buffer> {
  const m = members.get(name);
  if (!m) throw invalid(archive, `missing ${name}`);
  if (m.type !== 'file') throw invalid(archive, `${name} is not a regular file`);
  if (m.size > limit) throw invalid(archive, `${name} is ${m.size} bytes, more than expected for metadata`);
  if (m.size === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(archive, { start: m.dataOffset, end: m.dataOffset + m.size - 1 })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(archive: string, name: string, data: Buffer): any {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw invalid(archive, `${name} is not valid JSON: ${(err as Error).message}`);
  }
}

async function verifiedBlob(archive: string, members: Map<string, TarMember>, digest: string): Promise<Buffer> {
  let name: string;
  try {
    name = blobMember(digest);
  } catch (err) {
    throw invalid(archive, (err as Error).message);
  }
  const data = await readMember(archive, members, name);
  const actual = sha256(data);
  if (actual !== digest) throw invalid(archive, `${name}: digest mismatch (expected ${digest}, got ${actual})`);
  return data;
}

function imageConfigOf(raw: any): ImageConfig {
  const c = raw?.config ?? {};
  return {
    env: Array.isArray(c.Env) ? c.Env.filter((e: unknown) => typeof e === 'string') : [],
    workingDir: typeof c.WorkingDir === 'string' && c.WorkingDir ? c.WorkingDir : undefined,
    entrypoint: Array.isArray(c.Entrypoint) ? c.Entrypoint : undefined,
    cmd: Array.isArray(c.Cmd) ? c.Cmd : undefined,
    user: typeof c.User === 'string' && c.User ? c.User : undefined,
  };
}

function pickManifest(archive: string, manifests: Descriptor[], name: string | undefined): Descriptor {
  let candidates = manifests;
  if (name) {
    candidates = manifests.filter((d) => {
      const ref = d.annotations?.['org.opencontainers.image.ref.name'];
      const full = d.annotations?.['io.containerd.image.name'];
      return ref === name || full === name || full?.endsWith(`:${name}`);
    });
    if (!candidates.length) throw new SandboxError('image_not_found', `image ${archive}: no manifest named ${name}`, { image: archive });
  }
  const amd64 = candidates.find((d) => !d.platform || (d.platform.architecture === 'amd64' && (d.platform.os ?? 'linux') === 'linux'));
  const pick = amd64 ?? candidates[0];
  if (!pick) throw invalid(archive, 'the index lists no manifests');
  return pick;
}

async function readHeadAt(archive: string, position: number, n: number): Promise<Buffer> {
  const fh = await open(archive, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function readHead(archive: string, n: number): Promise<Buffer> {
  const fh = await open(archive, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new SandboxError('image_not_found', `image ${archive}: no such file`, { image: archive });
    throw err;
  });
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Reads index/manifest/config and plans the unpack; checks metadata digests. */
export async function planArchive(archive: string, name?: string): Promise<{ plan: ArchivePlan; members: Map<string, TarMember> }> {
  let members: Map<string, TarMember>;
  const magic = await readHead(archive, 2);
  if (magic[0] === 0x1f && magic[1] === 0x8b)
    throw invalid(archive, 'the archive is gzip-compressed; give the plain tar (gunzip it first)');
  try {
    members = await indexTarFile(archive);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SandboxError('image_not_found', `image ${archive}: no such file`, { image: archive });
    if (err instanceof TarError) throw invalid(archive, `not a valid tar archive: ${err.message}`);
    throw err;
  }
  if (members.has('index.json')) {
    let desc: Descriptor = { digest: '', mediaType: MEDIA_INDEX[0] };
    let index = parseJson(archive, 'index.json', await readMember(archive, members, 'index.json'));
    // Nested indexes (multi-platform) point at more indexes, then at a manifest.
    for (let depth = 0; ; depth++) {
      if (depth > 4) throw invalid(archive, 'index nesting too deep');
      if (!Array.isArray(index?.manifests)) throw invalid(archive, 'index has no manifests array');
      desc = pickManifest(archive, index.manifests, depth === 0 ? name : undefined);
      if (!MEDIA_INDEX.includes(desc.mediaType ?? '')) break;
      index = parseJson(archive, desc.digest, await verifiedBlob(archive, members, desc.digest));
    }
    const manifest = parseJson(archive, desc.digest, await verifiedBlob(archive, members, desc.digest));
    if (!manifest?.config?.digest || !Array.isArray(manifest.layers)) throw invalid(archive, `manifest ${desc.digest} lacks config or layers`);
    const config = parseJson(archive, manifest.config.digest, await verifiedBlob(archive, members, manifest.config.digest));
    const layers = (manifest.layers as Descriptor[]).map((l) => {
      try {
        return { member: blobMember(l.digest), expect: { kind: 'blob' as const, digest: l.digest } };
      } catch (err) {
        throw invalid(archive, (err as Error).message);
      }
    });
    return { plan: { digest: desc.digest, format: 'oci', config: imageConfigOf(config), layers }, members };
  }
  if (members.has('manifest.json')) {
    const list = parseJson(archive, 'manifest.json', await readMember(archive, members, 'manifest.json'));
    if (!Array.isArray(list) || list.length === 0) throw invalid(archive, 'manifest.json lists no images');
    let entry = list[0];
    if (name) {
      entry = list.find((e: any) => Array.isArray(e?.RepoTags) && e.RepoTags.some((t: string) => t === name || t.endsWith(`:${name}`)));
      if (!entry) throw new SandboxError('image_not_found', `image ${archive}: no image tagged ${name}`, { image: archive });
    }
    if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers)) throw invalid(archive, 'manifest.json entry lacks Config or Layers');
    const configData = await readMember(archive, members, entry.Config);
    const configDigest = sha256(configData);
    // The config's file name is its own digest (older: "<hex>.json"; newer: blobs/sha256/<hex>).
    const namedHex = /([0-9a-f]{64})(\.json)?$/.exec(entry.Config)?.[1];
    if (namedHex && `sha256:${namedHex}` !== configDigest)
      throw invalid(archive, `${entry.Config}: digest mismatch (expected sha256:${namedHex}, got ${configDigest})`);
    const config = parseJson(archive, entry.Config, configData);
    const diffIds: unknown = config?.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.length !== entry.Layers.length)
      throw invalid(archive, `config ${entry.Config}: rootfs.diff_ids does not match the ${entry.Layers.length} layers`);
    const layers = (entry.Layers as string[]).map((member, i) => ({ member, expect: { kind: 'diff' as const, digest: String(diffIds[i]) } }));
    return { plan: { digest: configDigest, format: 'docker', config: imageConfigOf(config), layers }, members };
  }
  throw invalid(archive, 'neither index.json (OCI layout) nor manifest.json (docker save) found');
}

/** Streams a member, hashing the raw and the decompressed bytes as they pass. */
async function* layerBytes(
  archive: string,
  m: TarMember,
  rawHash: ReturnType<typeof createHash>,
  diffHash: ReturnType<typeof createHash>,
): AsyncGenerator<Buffer> {
  if (m.size === 0) throw invalid(archive, `layer ${m.path} is empty`);
  const raw = createReadStream(archive, { start: m.dataOffset, end: m.dataOffset + m.size - 1 });
  const head = await readHeadAt(archive, m.dataOffset, Math.min(m.size, 4));
  const tee = async function* (): AsyncGenerator<Buffer> {
    for await (const c of raw) {
      rawHash.update(c as Buffer);
      yield c as Buffer;
    }
  };
  let stream: AsyncIterable<Buffer>;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const src = tee();
    (async () => {
      try {
        for await (const c of src) if (!gunzip.write(c)) await new Promise((r) => gunzip.once('drain', r));
        gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    })();
    stream = gunzip;
  } else if (head.readUInt32LE(0) === 0xfd2fb528) {
    throw invalid(archive, `layer ${m.path} is zstd-compressed, which this Node has no decoder for (use gzip or uncompressed layers)`);
  } else {
    stream = tee();
  }
  try {
    for await (const c of stream) {
      diffHash.update(c as Buffer);
      yield c as Buffer;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) throw invalid(archive, `layer ${m.path}: corrupt gzip data: ${(err as Error).message}`);
    throw err;
  }
}

export interface UnpackedArchive {
  rootfs: string;
  digest: string;
  config: ImageConfig;
}

/** Unpacks (or finds in the cache) the image of an archive. */
export async function unpackArchive(archive: string, cacheDir: string, name?: string): Promise<UnpackedArchive> {
  const { plan, members } = await planArchive(archive, name);
  const hex = plan.digest.slice('sha256:'.length);
  const dir = await cachedBuild(join(cacheDir, 'images', 'oci', hex), async (tmp) => {
    const rootfs = join(tmp, 'rootfs');
    await mkdir(rootfs, { mode: 0o755 });
    for (const layer of plan.layers) {
      const m = members.get(layer.member);
      if (!m) throw invalid(archive, `missing layer ${layer.member}`);
      const rawHash = createHash('sha256');
      const diffHash = createHash('sha256');
      try {
        await applyLayer(rootfs, layerBytes(archive, m, rawHash, diffHash));
      } catch (err) {
        if (err instanceof SandboxError) throw err;
        if (err instanceof TarError) throw invalid(archive, `layer ${layer.member}: ${err.message}`);
        throw err;
      }
      const actual = `sha256:${(layer.expect.kind === 'blob' ? rawHash : diffHash).digest('hex')}`;
      if (actual !== layer.expect.digest)
        throw invalid(archive, `layer ${layer.member}: digest mismatch (expected ${layer.expect.digest}, got ${actual})`);
    }
    await writeFile(join(tmp, 'image.json'), JSON.stringify({ digest: plan.digest, format: plan.format, config: plan.config }, null, 2));
  });
  return { rootfs: join(dir, 'rootfs'), digest: plan.digest, config: plan.config };
}
