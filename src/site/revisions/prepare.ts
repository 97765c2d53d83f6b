/**
 * Turning a document from a request body into what a revision stores:
 * Deckhand's metadata defaults filled in (they show in every response),
 * its identity, and hashes of its data and metadata to tell a changed
 * document from an unchanged one.
 */
import { createHash } from 'node:crypto';
import type { Document, JsonValue } from '../documents/index.js';
import { pythonJsonDumps } from '../documents/index.js';
import type { StoredDocument } from './model.js';

/** A document ready to store: its identity, content and hashes (the stored row adds where and when). */
export type PreparedDocument = Omit<StoredDocument, 'id' | 'revisionId' | 'bucket' | 'origRevisionId' | 'deleted' | 'createdAt'>;

/** How data is hashed: encrypted documents' data with a keyed hash, so the store holds nothing to guess secrets against. */
export interface Hasher {
  plain(value: unknown): string;
  secret(value: unknown): string;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

/** Deckhand's `json.dumps(value, sort_keys=True)`, the text its hashes are taken over. */
export function canonicalJson(value: unknown): string {
  return pythonJsonDumps(sortKeys(value));
}

export const sha256Hasher = (secretKey: Buffer): Hasher => ({
  plain: (v) => createHash('sha256').update(canonicalJson(v), 'utf8').digest('hex'),
  secret: (v) => createHash('sha256').update(secretKey).update(canonicalJson(v), 'utf8').digest('hex'),
});

function mapping(v: unknown): Record<string, JsonValue> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, JsonValue>) : undefined;
}

/**
 * Deckhand's `_fill_in_metadata_defaults`: storagePolicy `cleartext` when
 * unset, `layeringDefinition: {abstract: false}` when unset, `replacement:
 * false`; `data: {}` when the key is missing. Returns a new document.
 */
export function withDefaults(doc: Document): { schema: string; metadata: Record<string, JsonValue>; data: JsonValue } {
  const metadata = structuredClone(mapping(doc.metadata) ?? {}) as Record<string, JsonValue>;
  if (!metadata.storagePolicy) metadata.storagePolicy = 'cleartext';
  if (!mapping(metadata.layeringDefinition)) {
    if (!('layeringDefinition' in metadata) || metadata.layeringDefinition === null) metadata.layeringDefinition = {};
  }
  const ld = mapping(metadata.layeringDefinition);
  if (ld && !('abstract' in ld)) ld.abstract = false;
  if (!('replacement' in metadata)) metadata.replacement = false;
  const data = 'data' in doc ? (structuredClone(doc.data) as JsonValue) : {};
  return { schema: String(doc.schema), metadata, data };
}

export function prepareDocument(doc: Document, hasher: Hasher): PreparedDocument {
  const { schema, metadata, data } = withDefaults(doc);
  const ld = mapping(metadata.layeringDefinition);
  const layer = ld && ld.layer !== undefined && ld.layer !== null ? String(ld.layer) : '';
  const encrypted = metadata.storagePolicy === 'encrypted';
  return {
    schema,
    layer,
    name: String(metadata.name),
    metadata,
    data,
    encrypted,
    dataHash: encrypted ? hasher.secret(data) : hasher.plain(data),
    metadataHash: hasher.plain(metadata),
  };
}
