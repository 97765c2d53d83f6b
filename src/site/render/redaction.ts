/**
 * Redaction as Deckhand does it: a value is replaced by the sha256 of its
 * Python `json.dumps` text, so the same secret always redacts to the same
 * hash and none can be read back.
 */
import { createHash } from 'node:crypto';
import type { Document, Substitution, SubstitutionDest } from '../documents/index.js';
import { isEncrypted, pythonJsonDumps, substitutionsOf } from '../documents/index.js';

export function redactValue(value: unknown): string {
  return createHash('sha256').update(pythonJsonDumps(value), 'utf8').digest('hex');
}

// Substitution paths repeat across a site (`.`, `.values.endpoints…`) and
// are not secret: hash each once. (Data is never cached: it may be a secret.)
const pathHashes = new Map<string, string>();

/** `redactValue` of a substitution path, cached. */
export function redactPath(path: unknown): string {
  if (typeof path !== 'string') return redactValue(path);
  let h = pathHashes.get(path);
  if (h === undefined) {
    if (pathHashes.size > 50_000) pathHashes.clear();
    h = redactValue(path);
    pathHashes.set(path, h);
  }
  return h;
}

/**
 * What Deckhand's API shows of a document unless secrets are asked for in
 * cleartext (`deckhand.common.utils.redact_document`): for an encrypted
 * document, its data and every substitution path hashed; other documents
 * unchanged. Returns a new document; the input is not modified.
 */
export function redactDocument(doc: Document): Document {
  if (!isEncrypted(doc)) return doc;
  const subs = substitutionsOf(doc).map((sub): Substitution => {
    const dest = Array.isArray(sub.dest)
      ? sub.dest.map((d): SubstitutionDest => ({ ...d, path: redactPath(d.path) }))
      : { ...sub.dest, path: redactPath(sub.dest?.path) };
    return { ...sub, src: { ...sub.src, path: redactPath(sub.src?.path) }, dest };
  });
  const metadata = Array.isArray(doc.metadata.substitutions) ? { ...doc.metadata, substitutions: subs } : doc.metadata;
  return { ...doc, metadata, data: redactValue(doc.data) };
}

export function redactDocuments(docs: readonly Document[]): Document[] {
  return docs.map(redactDocument);
}
