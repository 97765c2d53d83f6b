/**
 * Response bodies, shaped as Deckhand's view builders shape them
 * (deckhand/control/views/*.py), from the store's records.
 */
import type { JsonValue } from '../documents/index.js';
import { VALIDATION_POLICY_SCHEMA } from '../documents/index.js';
import type { RevisionSummary, RevisionTag, StoredDocument, ValidationEntry } from '../revisions/index.js';

/** A document as Deckhand's filters and sorts see it (its DB row as a dict). */
export interface DocumentView {
  id: number;
  schema: string;
  name: string;
  layer: string;
  metadata: Record<string, JsonValue>;
  data: JsonValue;
  bucket_name: string;
  /** The revision shown as `status.revision`. */
  revision_id: number;
  created_at: number;
  deleted: boolean;
}

/** Revision history as Deckhand shows it: each document reports the revision its content was first written in. */
export function historyView(d: StoredDocument): DocumentView {
  return {
    id: d.id,
    schema: d.schema,
    name: d.name,
    layer: d.layer,
    metadata: d.metadata,
    data: d.data,
    bucket_name: d.bucket,
    revision_id: d.origRevisionId,
    created_at: d.id,
    deleted: d.deleted,
  };
}

/** As written by one revision (PUT responses): `status.revision` is that revision. */
export function writtenView(d: StoredDocument, revisionId = d.revisionId): DocumentView {
  return { ...historyView(d), revision_id: revisionId };
}

/**
 * The documents list: every document except deletion markers and
 * ValidationPolicies; when that leaves nothing but there were documents
 * (a bucket emptied), one stub still names the bucket and revision.
 */
export function documentList(docs: readonly DocumentView[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d.deleted) continue;
    if (d.schema.startsWith(VALIDATION_POLICY_SCHEMA)) continue;
    out.push({ id: d.id, metadata: d.metadata, data: d.data, schema: d.schema, status: { bucket: d.bucket_name, revision: d.revision_id } });
  }
  if (out.length === 0 && docs.length > 0) return [{ status: { bucket: docs[0].bucket_name, revision: docs[0].revision_id } }];
  return out;
}

/** Deckhand's `created_at.isoformat()` of a naive UTC time: microseconds, no zone. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

export function revisionListItem(r: RevisionSummary): Record<string, unknown> {
  return { id: r.id, createdAt: isoTime(r.createdAt), tags: [...new Set(r.tags.map((t) => t.tag))].sort(), buckets: r.buckets };
}

export function revisionList(revisions: readonly RevisionSummary[]): Record<string, unknown> {
  return { count: revisions.length, results: revisions.map(revisionListItem) };
}

/**
 * One revision: its tags with their data, the buckets it wrote, and the
 * ValidationPolicies it wrote with the first validation's status each
 * (`failed` overall unless all succeed).
 */
export function revisionShow(r: RevisionSummary, written: readonly StoredDocument[], baseUrl: string): Record<string, unknown> {
  const policies = written.filter((d) => !d.deleted && d.schema.startsWith(VALIDATION_POLICY_SCHEMA));
  let status = 'success';
  const validationPolicies = policies.map((vp) => {
    const validations = (vp.data as { validations?: { status?: unknown }[] } | null)?.validations;
    const first = Array.isArray(validations) ? validations[0] : undefined;
    const s = first && typeof first === 'object' && 'status' in first ? String(first.status) : 'unknown';
    if (s !== 'success') status = 'failed';
    return { name: vp.name, url: `${baseUrl}/revisions/${vp.id}`, status: s };
  });
  const tags: Record<string, JsonValue> = {};
  for (const t of r.tags) if (!(t.tag in tags)) tags[t.tag] = t.data;
  return {
    id: r.id,
    createdAt: isoTime(r.createdAt),
    url: `${baseUrl}/revisions/${r.id}`,
    validationPolicies,
    status,
    tags,
    buckets: r.buckets,
  };
}

export function tagView(t: RevisionTag): Record<string, unknown> {
  return { [t.tag]: t.data ?? {} };
}

export function tagsView(tags: readonly RevisionTag[]): Record<string, unknown> {
  return Object.assign({}, ...tags.map(tagView));
}

export function validationShow(v: ValidationEntry): Record<string, unknown> {
  return { status: v.status, validator: v.validator };
}

/** An entry as listed: Deckhand numbers entries by position and has no expiry. */
export interface EntryView {
  id: number;
  name: string | null;
  status: string;
  createdAt: string | null;
  expiresAfter: null;
  errors: JsonValue[];
}

export function entryView(e: EntryView): Record<string, unknown> {
  return { name: e.name, status: e.status, createdAt: e.createdAt, expiresAfter: e.expiresAfter, errors: e.errors };
}
