/**
 * Deckhand's document model: `schema`, `metadata`, `data`. Documents are
 * plain JSON objects; the accessors read them as Deckhand's DocumentDict
 * does, tolerating missing or null sections (validation is what rejects
 * them, not the accessors).
 */
import type { DocumentRef } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type ActionMethod = 'merge' | 'replace' | 'delete';

export interface LayeringAction {
  method: ActionMethod;
  path: string;
}

export interface LayeringDefinition {
  layer?: string;
  abstract?: boolean;
  parentSelector?: Record<string, JsonValue>;
  actions?: LayeringAction[];
}

export interface SubstitutionSource {
  schema: string;
  name: string;
  path: string;
  pattern?: string;
  match_group?: number;
  deepcopy?: boolean;
}

export interface SubstitutionDest {
  path: string;
  pattern?: string;
  recurse?: { depth: number };
}

export interface Substitution {
  src: SubstitutionSource;
  dest: SubstitutionDest | SubstitutionDest[];
}

export interface DocumentMetadata {
  schema: string;
  name: string;
  labels?: Record<string, JsonValue>;
  layeringDefinition?: LayeringDefinition;
  substitutions?: Substitution[];
  storagePolicy?: 'cleartext' | 'encrypted';
  replacement?: boolean;
  [key: string]: unknown;
}

export interface Document {
  schema: string;
  metadata: DocumentMetadata;
  data: JsonValue;
  [key: string]: unknown;
}

export const LAYERING_POLICY_SCHEMA = 'deckhand/LayeringPolicy';
export const VALIDATION_POLICY_SCHEMA = 'deckhand/ValidationPolicy';
export const DATA_SCHEMA_SCHEMA = 'deckhand/DataSchema';

/** Deckhand's secret document types (deckhand/types.py). */
export const SECRET_SCHEMAS = [
  'deckhand/CertificateAuthority',
  'deckhand/CertificateAuthorityKey',
  'deckhand/Certificate',
  'deckhand/CertificateKey',
  'deckhand/Passphrase',
  'deckhand/PrivateKey',
  'deckhand/PublicKey',
] as const;

function objectOr<T>(v: unknown): T | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as T) : undefined;
}

export function metadataOf(doc: Document): Partial<DocumentMetadata> {
  return objectOr<DocumentMetadata>(doc.metadata) ?? {};
}

export function schemaOf(doc: Document): string {
  return typeof doc.schema === 'string' ? doc.schema : '';
}

export function nameOf(doc: Document): string {
  const n = metadataOf(doc).name;
  return typeof n === 'string' ? n : n == null ? '' : String(n);
}

export function layeringDefinitionOf(doc: Document): LayeringDefinition {
  return objectOr<LayeringDefinition>(metadataOf(doc).layeringDefinition) ?? {};
}

export function layerOf(doc: Document): string {
  const l = layeringDefinitionOf(doc).layer;
  return typeof l === 'string' ? l : l == null ? '' : String(l);
}

export function refOf(doc: Document): DocumentRef {
  return { schema: schemaOf(doc), name: nameOf(doc), layer: layerOf(doc) };
}

/** Deckhand's `meta` key: (schema, layer, name), unique among raw documents. */
export function metaKey(doc: Document): string {
  return `${schemaOf(doc)}\u0000${layerOf(doc)}\u0000${nameOf(doc)}`;
}

/** The (schema, name) key substitution sources are looked up by. */
export function sourceKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

export function isAbstract(doc: Document): boolean {
  return layeringDefinitionOf(doc).abstract === true;
}

export function isControl(doc: Document): boolean {
  const s = metadataOf(doc).schema;
  return typeof s === 'string' && s.startsWith('metadata/Control');
}

export function labelsOf(doc: Document): Record<string, JsonValue> {
  return objectOr<Record<string, JsonValue>>(metadataOf(doc).labels) ?? {};
}

export function parentSelectorOf(doc: Document): Record<string, JsonValue> {
  return objectOr<Record<string, JsonValue>>(layeringDefinitionOf(doc).parentSelector) ?? {};
}

export function hasParentSelector(doc: Document): boolean {
  return Object.keys(parentSelectorOf(doc)).length > 0;
}

export function actionsOf(doc: Document): LayeringAction[] {
  const a = layeringDefinitionOf(doc).actions;
  return Array.isArray(a) ? a : [];
}

export function substitutionsOf(doc: Document): Substitution[] {
  const s = metadataOf(doc).substitutions;
  return Array.isArray(s) ? s : [];
}

export function storagePolicyOf(doc: Document): string {
  const p = metadataOf(doc).storagePolicy;
  return typeof p === 'string' ? p : '';
}

export function isEncrypted(doc: Document): boolean {
  return storagePolicyOf(doc) === 'encrypted';
}

export function isReplacement(doc: Document): boolean {
  return metadataOf(doc).replacement === true;
}

export function isLayeringPolicy(doc: Document): boolean {
  return schemaOf(doc).startsWith(LAYERING_POLICY_SCHEMA);
}

export function isDataSchema(doc: Document): boolean {
  return schemaOf(doc).startsWith(DATA_SCHEMA_SCHEMA);
}

export function isSecret(doc: Document): boolean {
  const schema = schemaOf(doc);
  return SECRET_SCHEMAS.some((s) => schema === s || schema.startsWith(s + '/'));
}

/** `layerOrder` of a LayeringPolicy, or [] when it has none. */
export function layerOrderOf(policy: Document): string[] {
  const data = objectOr<{ layerOrder?: unknown }>(policy.data);
  return Array.isArray(data?.layerOrder) ? data.layerOrder.map(String) : [];
}

export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
