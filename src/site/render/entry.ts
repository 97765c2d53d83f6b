import type { Document, DocumentMetadata, DocumentRef, JsonValue } from '../documents/index.js';

/** A document while it renders: its input, its place in the layering, and its data so far. */
export interface Entry {
  /** The document as given (never mutated; the key for its file:line). */
  readonly raw: Document;
  readonly ref: DocumentRef;
  /** Index of its layer in the LayeringPolicy's layerOrder; -1 when it has none. */
  readonly layerIndex: number;
  readonly abstract: boolean;
  readonly control: boolean;
  readonly replacement: boolean;
  parent?: Entry;
  /** The `replacement: true` child that takes this document's place. */
  replacedBy?: Entry;
  /** Rendered data so far. */
  data: JsonValue;
  /** Metadata, copied on first change (redaction rewrites substitution paths and storagePolicy). */
  metadata: DocumentMetadata;
}
