import type { Document } from './document.js';
import { DOCUMENT_SANITY_CHECK_FAILURE, InvalidDocumentFormat } from './errors.js';
import { recordSource } from './source.js';
import { parseYamlStream } from './yaml.js';

/**
 * Parses a YAML stream of Deckhand documents as PyYAML reads them. Empty
 * documents are dropped (Pegleg and Deckhand skip them too); anything else
 * is returned as written, to be checked by `validateDocuments`, and
 * remembers its file:line (see `sourceOf`, `locate`).
 *
 * @throws InvalidYamlError naming file:line:column when the text is not YAML,
 *   InvalidDocumentFormat when a document is not a mapping.
 */
export function parseDocuments(text: string, file: string): Document[] {
  const out: Document[] = [];
  const docs = parseYamlStream(text, file);
  for (let index = 0; index < docs.length; index++) {
    const { value, line } = docs[index];
    if (value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      const kind = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      throw new InvalidDocumentFormat([
        {
          message: `document ${index + 1} of ${file} is ${kind}, not a mapping with schema, metadata and data`,
          error: true,
          name: DOCUMENT_SANITY_CHECK_FAILURE,
          level: 'Error',
          kind: 'ValidationMessage',
          documents: [{ schema: '', name: '', layer: '' }],
          source: { file, line },
        },
      ]);
    }
    recordSource(value, { file, line, index, text });
    out.push(value as Document);
  }
  return out;
}
