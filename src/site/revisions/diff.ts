/**
 * Comparing two revisions bucket by bucket, as Deckhand's revision_diff
 * does: a bucket is `created`, `deleted`, `modified` or `unmodified`
 * between them (buckets with no documents in either are left out; which
 * revision is "newer" decides created versus deleted). The deep variant
 * adds, for each modified bucket, which documents were added, deleted or
 * changed, with a DeepDiff of each changed document's data and metadata.
 */
import type { JsonValue } from '../documents/index.js';
import { pythonRepr } from '../documents/index.js';
import { deepDiff } from './deepdiff.js';

/** What the comparison needs of a document. */
export interface DiffDocument {
  bucket: string;
  schema: string;
  name: string;
  dataHash: string;
  metadataHash: string;
  encrypted: boolean;
  data?: JsonValue;
  metadata?: JsonValue;
}

export interface DiffSide {
  /** 0 for the empty revision before the first. */
  revisionId: number;
  documents: readonly DiffDocument[];
}

export type BucketDiff = Record<string, unknown>;

function byBucket(docs: readonly DiffDocument[]): Map<string, DiffDocument[]> {
  const m = new Map<string, DiffDocument[]>();
  for (const d of docs) {
    const list = m.get(d.bucket) ?? [];
    list.push(d);
    m.set(d.bucket, list);
  }
  return m;
}

function sameContent(a: readonly DiffDocument[], b: readonly DiffDocument[]): boolean {
  const key = (docs: readonly DiffDocument[]) => docs.map((d) => `${d.dataHash}:${d.metadataHash}`).sort();
  const ka = key(a);
  const kb = key(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** `revision_diff(a, b, deepdiff)`; ids compare for age (later revisions have larger ids). */
export function revisionDiff(a: DiffSide, b: DiffSide, opts: { deep?: boolean } = {}): BucketDiff {
  const ba = byBucket(a.documents);
  const bb = byBucket(b.documents);
  const result: BucketDiff = {};
  for (const [bucket, docs] of ba) {
    const other = bb.get(bucket);
    if (!other) continue;
    if (sameContent(docs, other)) result[bucket] = 'unmodified';
    else {
      result[bucket] = 'modified';
      if (opts.deep) result[`${bucket} diff`] = bucketDeepDiff(docs, other);
    }
  }
  if (a.revisionId === 0 && b.revisionId === 0) return result;
  const unshared = [...new Set([...ba.keys(), ...bb.keys()])].filter((k) => !(ba.has(k) && bb.has(k)));
  for (const bucket of unshared) {
    if (a.revisionId === 0 || b.revisionId === 0) result[bucket] = 'created';
    else if (a.revisionId > b.revisionId) result[bucket] = ba.has(bucket) ? 'created' : 'deleted';
    else result[bucket] = ba.has(bucket) ? 'deleted' : 'created';
  }
  return result;
}

/** The `<bucket> diff` section: documents added, deleted and changed between two versions of a bucket. */
export function bucketDeepDiff(before: readonly DiffDocument[], after: readonly DiffDocument[]): Record<string, unknown> {
  const alias = (d: DiffDocument) => `${d.schema}\u0000${d.name}`;
  const pair = (d: DiffDocument) => [d.schema, d.name];
  const b1 = new Map(before.map((d) => [alias(d), d]));
  const b2 = new Map(after.map((d) => [alias(d), d]));
  const out: Record<string, unknown> = {};
  const added = after.filter((d) => !b1.has(alias(d)));
  const deleted = before.filter((d) => !b2.has(alias(d)));
  if (added.length > 0) out.document_added = { count: added.length, details: added.map(pair) };
  if (deleted.length > 0) out.document_deleted = { count: deleted.length, details: deleted.map(pair) };
  const details: Record<string, unknown> = {};
  let count = 0;
  for (const [k, d] of b1) {
    const e = b2.get(k);
    if (!e || (d.dataHash === e.dataHash && d.metadataHash === e.metadataHash)) continue;
    count++;
    const dataChanged = e.encrypted ? { encrypted: true } : deepDiff(d.data ?? null, e.data ?? null);
    // Python prints the (schema, name) tuple key as its repr.
    details[`(${pythonRepr(d.schema)}, ${pythonRepr(d.name)})`] = {
      data_changed: dataChanged,
      metadata_changed: deepDiff(d.metadata ?? null, e.metadata ?? null),
    };
  }
  if (count > 0) out.document_changed = { count, details };
  return out;
}
