/**
 * Site documents across a fleet. On the controller, the revision tagged
 * `fleet` (the newest such) is what every subcloud should hold; on a
 * subcloud, the controller's copy lives in its own `fleet` bucket, beside
 * its local buckets. The `platform` sync stores the documents there; a
 * site-revision strategy step also render-checks them and tags the
 * subcloud's revision `fleet-applied`. Both are idempotent: Deckhand
 * writes nothing for an unchanged bucket.
 */
import { createHash } from 'node:crypto';
import { ConflictError, InvalidInputError, type Principal, type Services } from '../../core/index.js';
import type { SiteServices } from '../../site/index.js';
import type { SiteRevisionBody } from './peer.js';

export const FLEET_TAG = 'fleet';
export const FLEET_BUCKET = 'fleet';
export const APPLIED_TAG = 'fleet-applied';

export interface FleetDocument {
  schema: string;
  metadata: unknown;
  data: unknown;
}

interface StoredLike {
  schema: string;
  layer: string;
  name: string;
  metadata: unknown;
  data: unknown;
  bucket: string;
  deleted: boolean;
}

const site = (services: Services) => services.maybe<SiteServices>('site');

function ordered(docs: readonly StoredLike[]): StoredLike[] {
  const key = (d: StoredLike) => `${d.schema}\u0000${d.layer}\u0000${d.name}`;
  return docs.filter((d) => !d.deleted).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The `platform` digest: the documents' schema, metadata and data in identity order, whatever bucket held them. */
export function documentsDigest(docs: readonly StoredLike[]): string {
  return createHash('sha256').update(JSON.stringify(ordered(docs).map((d) => [d.schema, d.metadata, d.data]))).digest('hex');
}

/** Controller: the fleet revision (`revision`, or the newest tagged `fleet`), or null when none is tagged. */
export async function fleetRevision(services: Services, revision?: number): Promise<{ id: number; documents: FleetDocument[]; digest: string } | null> {
  const s = site(services);
  if (!s) return null;
  let id = revision;
  if (id === undefined) {
    const tagged = (await s.revisions.listRevisions()).filter((r) => r.tags.some((t) => t.tag === FLEET_TAG));
    if (tagged.length === 0) return null;
    id = tagged[tagged.length - 1]!.id;
  } else {
    const summary = await s.revisions.revisionSummary(id).catch(() => undefined);
    if (!summary) throw new InvalidInputError(`revision ${id} does not exist on the system controller`);
    if (!summary.tags.some((t) => t.tag === FLEET_TAG)) throw new InvalidInputError(`revision ${id} is not tagged "${FLEET_TAG}": tag it for the fleet first (POST /deckhand/api/v1.0/revisions/${id}/tags/${FLEET_TAG})`);
  }
  const docs = (await s.revisions.documentsAt(id)) as unknown as StoredLike[];
  return { id, documents: ordered(docs).map((d) => ({ schema: d.schema, metadata: d.metadata, data: d.data })), digest: documentsDigest(docs) };
}

/** Subcloud: the digest of what its `fleet` bucket holds now (undefined without the site module). */
export async function localFleetDigest(services: Services): Promise<string | undefined> {
  const s = site(services);
  if (!s) return undefined;
  const latest = await s.revisions.latestRevisionId();
  const docs = latest === 0 ? [] : ((await s.revisions.documentsAt(latest)) as unknown as StoredLike[]).filter((d) => d.bucket === FLEET_BUCKET);
  return documentsDigest(docs);
}

/** Subcloud: stores the controller's documents in the `fleet` bucket; `apply` also requires that they render and tags the revision. */
export async function storeFleetDocuments(services: Services, body: SiteRevisionBody, principal: Principal): Promise<{ revision: number; created: boolean }> {
  const s = site(services);
  if (!s) throw new ConflictError('the site module is not loaded on this subcloud');
  // JSON is YAML: the documents go through the same parse and validation as any Deckhand PUT.
  const text = body.documents.map((d) => JSON.stringify(d)).join('\n---\n');
  const out = await s.deckhand.putBucket(FLEET_BUCKET, text, principal, { renderCheck: body.mode === 'apply' });
  if (body.mode === 'apply' && out.revision > 0) await s.revisions.putTag(out.revision, APPLIED_TAG, { controller_revision: body.controller_revision });
  return { revision: out.revision, created: out.created };
}
