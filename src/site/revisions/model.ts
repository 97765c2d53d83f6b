/**
 * The revision store's vocabulary, as Deckhand names it: a bucket holds a
 * set of documents; every change to any bucket makes a new revision; a
 * revision's documents are, for each bucket, the documents of the latest
 * revision at or before it that wrote that bucket. Tags and validation
 * results hang off revisions.
 */
import type { JsonValue } from '../documents/index.js';

/** A document as one revision stored it. */
export interface StoredDocument {
  /** Global, increasing: later rows have larger ids (Deckhand's creation order). */
  id: number;
  revisionId: number;
  bucket: string;
  schema: string;
  /** `metadata.layeringDefinition.layer`, '' when absent: part of the identity. */
  layer: string;
  name: string;
  metadata: Record<string, JsonValue>;
  /** Cleartext (encrypted documents are decrypted when loaded). */
  data: JsonValue;
  encrypted: boolean;
  dataHash: string;
  metadataHash: string;
  /** The revision in which this content was first written: what `status.revision` shows. */
  origRevisionId: number;
  /** A deletion marker: the document left its bucket in this revision. */
  deleted: boolean;
  createdAt: number;
}

export interface Revision {
  id: number;
  createdAt: number;
}

export interface RevisionTag {
  revisionId: number;
  tag: string;
  data: Record<string, JsonValue>;
  createdAt: number;
}

export interface ValidationEntry {
  id: number;
  revisionId: number;
  name: string;
  status: string;
  validator: JsonValue;
  errors: JsonValue[];
  createdAt: number;
}

/** A revision with what its views need: its tags and the buckets it wrote. */
export interface RevisionSummary extends Revision {
  tags: RevisionTag[];
  /** Buckets this revision wrote (including emptied ones), sorted. */
  buckets: string[];
}

/** Identity of a document inside the system: (schema, layer, name). */
export function identity(d: { schema: string; layer: string; name: string }): string {
  return `${d.schema}\u0000${d.layer}\u0000${d.name}`;
}
