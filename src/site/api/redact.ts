/**
 * What a caller who may not see secrets gets of an encrypted document:
 * its data replaced by a keyed SHA-256 (stable per secret and server, so
 * two responses can be compared, but with nothing to guess a weak
 * passphrase against, unlike Deckhand's bare sha256) and its substitution
 * paths hashed as Deckhand hashes them.
 */
import { createHmac } from 'node:crypto';
import type { JsonValue } from '../documents/index.js';
import { pythonJsonDumps } from '../documents/index.js';
import { redactValue } from '../render/index.js';

export type Redactor = (data: unknown) => string;

export function keyedRedactor(key: Buffer): Redactor {
  return (data) => createHmac('sha256', key).update(pythonJsonDumps(data), 'utf8').digest('hex');
}

function redactPaths(metadata: Record<string, JsonValue>): Record<string, JsonValue> {
  const subs = metadata.substitutions;
  if (!Array.isArray(subs)) return metadata;
  const hashed = subs.map((s) => {
    if (!s || typeof s !== 'object' || Array.isArray(s)) return s;
    const sub = s as Record<string, JsonValue>;
    const src = sub.src && typeof sub.src === 'object' && !Array.isArray(sub.src) ? { ...sub.src, path: redactValue((sub.src as Record<string, JsonValue>).path) } : sub.src;
    const one = (d: JsonValue) => (d && typeof d === 'object' && !Array.isArray(d) ? { ...d, path: redactValue((d as Record<string, JsonValue>).path) } : d);
    const dest = Array.isArray(sub.dest) ? sub.dest.map(one) : one(sub.dest);
    return { ...sub, src, dest } as JsonValue;
  });
  return { ...metadata, substitutions: hashed };
}

/** A redacted copy of an encrypted document's metadata and data; others unchanged. */
export function redact<T extends { metadata: Record<string, JsonValue>; data: JsonValue }>(doc: T, redactor: Redactor): T {
  if (doc.metadata?.storagePolicy !== 'encrypted') return doc;
  return { ...doc, metadata: redactPaths(doc.metadata), data: redactor(doc.data) };
}
