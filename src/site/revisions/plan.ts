/**
 * What a PUT of a bucket's documents changes, decided from the current
 * state alone (pure, so every rule is tested without a database):
 *
 * - a document that already lives in another bucket is a conflict (409);
 * - a second LayeringPolicy beside the one the system has is a conflict
 *   (409), as Deckhand allows one singleton;
 * - documents missing from the body leave the bucket;
 * - if nothing is new, changed or removed, there is no new revision;
 * - otherwise the bucket's whole new content is written, each unchanged
 *   document keeping the revision it was first written in.
 */
import { DuplicateDocumentExists, InvalidDocumentFormat, LAYERING_POLICY_SCHEMA, SingletonDocumentConflict } from '../documents/index.js';
import { identity, type StoredDocument } from './model.js';
import type { PreparedDocument } from './prepare.js';

export interface PlannedDocument extends PreparedDocument {
  /** The revision this content was first written in; null: the new revision. */
  origRevisionId: number | null;
}

export interface PutPlan {
  changed: boolean;
  /** The bucket's new content, in body order. */
  documents: PlannedDocument[];
  /** Live documents that leave the bucket. */
  removed: StoredDocument[];
}

const ref = (d: { schema: string; layer: string; name: string }) => ({ schema: d.schema, layer: d.layer, name: d.name });

/**
 * @param state every live document at the latest revision, all buckets.
 * @throws DuplicateDocumentExists, SingletonDocumentConflict (409),
 *   InvalidDocumentFormat (400) for a (schema, layer, name) twice in the body.
 */
export function planBucketPut(bucket: string, incoming: readonly PreparedDocument[], state: readonly StoredDocument[]): PutPlan {
  const seen = new Set<string>();
  for (const d of incoming) {
    const key = identity(d);
    if (seen.has(key)) {
      throw new InvalidDocumentFormat([
        {
          message: `Duplicate document exists: [${d.schema}, ${d.layer}] ${d.name} appears more than once in the request body`,
          error: true,
          name: 'D001',
          level: 'Error',
          kind: 'ValidationMessage',
          documents: [ref(d)],
          path: 'metadata.name',
        },
      ]);
    }
    seen.add(key);
  }

  const byIdentity = new Map(state.map((d) => [identity(d), d]));
  for (const d of incoming) {
    const existing = byIdentity.get(identity(d));
    if (existing && existing.bucket !== bucket) throw new DuplicateDocumentExists({ document: ref(d), bucket: existing.bucket });
  }

  const isPolicy = (d: { schema: string }) => d.schema.startsWith(LAYERING_POLICY_SCHEMA);
  const policies = state.filter(isPolicy);
  if (policies.length > 0) {
    const known = new Set(policies.map(identity));
    const conflicting = incoming.filter((d) => isPolicy(d) && !known.has(identity(d)));
    if (conflicting.length > 0) throw new SingletonDocumentConflict({ document: ref(policies[0]), conflict: conflicting.map(ref) });
  }

  const current = state.filter((d) => d.bucket === bucket);
  const currentByIdentity = new Map(current.map((d) => [identity(d), d]));
  let changed = false;
  const documents = incoming.map((d): PlannedDocument => {
    const existing = currentByIdentity.get(identity(d));
    if (existing && existing.dataHash === d.dataHash && existing.metadataHash === d.metadataHash) {
      return { ...d, origRevisionId: existing.origRevisionId };
    }
    changed = true;
    return { ...d, origRevisionId: null };
  });
  const removed = current.filter((d) => !seen.has(identity(d)));
  if (removed.length > 0) changed = true;
  return { changed, documents, removed };
}
