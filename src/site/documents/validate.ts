/**
 * Deckhand's document validation (deckhand/engine/document_validation.py):
 *
 * - `pre` (at upload, before rendering): every document's skeleton against
 *   deckhand/Base/v1, its metadata against metadata/Document|Control/v1, the
 *   data of control documents against their schemas, and no two documents
 *   with the same (schema, layer, name).
 * - `post` (after rendering): the skeleton again, and the data of every
 *   concrete document against the DataSchema registered for its schema.
 *
 * Unlike Deckhand, which stops at the first malformed document, every
 * failure is reported, each naming the document, the path in it and the
 * file:line it came from.
 */
import { BUILTIN_SCHEMAS } from './builtin-schemas.js';
import type { Document } from './document.js';
import { isAbstract, isControl, isDataSchema, metaKey, nameOf, refOf } from './document.js';
import type { ValidationMessage } from './errors.js';
import { DOCUMENT_POST_RENDERING_FAILURE, DOCUMENT_SANITY_CHECK_FAILURE, InvalidDocumentFormat } from './errors.js';
import { validateSchema } from './json-schema.js';
import type { PathSegment } from './source.js';
import { formatPath, locate } from './source.js';

export interface ValidateOptions {
  phase: 'pre' | 'post';
  /** DataSchema documents stored earlier (e.g. in previous revisions); those in `documents` are added. */
  dataSchemas?: Document[];
}

const SCHEMA_NAME_RE = /^[a-zA-Z]+\/[a-zA-Z]+\/v\d+$/;
const SANITY_DIAGNOSTIC =
  'Ensure that each document has a metadata, schema and data section. Each document must pass the schema defined ' +
  'under: https://airship-deckhand.readthedocs.io/en/latest/validation.html#base-schema';

/** (namespace/Kind, version) → schema, built-ins first; the first registration of a name wins, as in Deckhand. */
export class SchemaRegistry {
  private readonly map = new Map<string, unknown>();

  constructor(dataSchemas: Iterable<Document> = []) {
    for (const [name, schema] of BUILTIN_SCHEMAS) this.map.set(name, schema);
    for (const ds of dataSchemas) {
      const name = nameOf(ds);
      if (!SCHEMA_NAME_RE.test(name)) continue;
      if (ds.data === null || ds.data === undefined || (typeof ds.data === 'object' && Object.keys(ds.data).length === 0)) continue;
      if (!this.map.has(name)) this.map.set(name, ds.data);
    }
  }

  /** The schema for a document `schema` such as `armada/Chart/v1`. */
  forSchema(schema: string): unknown {
    const parts = schema.split('/');
    if (parts.length < 3) return undefined;
    return this.map.get(`${parts[0]}/${parts[1]}/${parts[2]}`);
  }
}

function message(doc: Document, text: string, path: PathSegment[], name: string, diagnostic?: unknown, warning = false): ValidationMessage {
  return {
    message: text,
    error: !warning,
    name,
    level: warning ? 'Warning' : 'Error',
    kind: 'ValidationMessage',
    documents: [refOf(doc)],
    ...(diagnostic !== undefined ? { diagnostic } : {}),
    path: formatPath(path),
    source: locate(doc, path),
  };
}

/** deckhand/Base/v1 and the metadata schema; returns the failures (empty when sane). */
function sanityCheck(doc: Document, registry: SchemaRegistry): ValidationMessage[] {
  const raw = { schema: doc.schema ?? null, metadata: doc.metadata ?? null, data: doc.data ?? null };
  const baseErrors = validateSchema(BUILTIN_SCHEMAS.get('deckhand/Base/v1'), raw);
  if (baseErrors.length > 0) {
    return baseErrors.map((e) => message(doc, e.message, e.path, DOCUMENT_SANITY_CHECK_FAILURE, SANITY_DIAGNOSTIC));
  }
  const metaSchemaName = String(doc.metadata.schema);
  const metaSchema = registry.forSchema(metaSchemaName);
  if (!metaSchema) {
    const parts = metaSchemaName.split('/');
    return [
      message(
        doc,
        `Invalid metadata schema ${parts.slice(0, 2).join('/')} version ${parts[2] ?? ''} specified.`,
        ['metadata', 'schema'],
        DOCUMENT_SANITY_CHECK_FAILURE,
        SANITY_DIAGNOSTIC,
      ),
    ];
  }
  return validateSchema(metaSchema, doc.metadata).map((e) =>
    message(doc, e.message, ['metadata', ...e.path], DOCUMENT_SANITY_CHECK_FAILURE, SANITY_DIAGNOSTIC),
  );
}

function dataCheck(doc: Document, registry: SchemaRegistry, name: string): ValidationMessage[] {
  const schema = registry.forSchema(doc.schema);
  if (schema === undefined) return [];
  return validateSchema(schema, doc.data ?? null).map((e) =>
    message(
      doc,
      e.schemaProblem ? `DataSchema for ${doc.schema}: ${e.message}` : e.message,
      ['data', ...e.path],
      name,
      { schema_path: '.' + e.schemaPath.join('.') },
      e.schemaProblem,
    ),
  );
}

/**
 * Every validation failure of `documents` ([] when all pass). Entries with
 * `error: false` are warnings: a DataSchema that is itself broken (a $ref
 * to nothing) leaves that part unchecked, where Deckhand would fail with a
 * server error.
 */
export function validateDocuments(documents: readonly Document[], opts: ValidateOptions): ValidationMessage[] {
  const dataSchemas = [...documents.filter(isDataSchema), ...(opts.dataSchemas ?? [])];
  const registry = new SchemaRegistry(dataSchemas);
  const out: ValidationMessage[] = [];
  const seen = new Set<string>();
  for (const doc of documents) {
    const sanity = sanityCheck(doc, registry);
    out.push(...sanity);
    if (opts.phase === 'pre') {
      const key = metaKey(doc);
      if (seen.has(key)) {
        out.push(
          message(
            doc,
            'Duplicate document exists',
            [],
            DOCUMENT_SANITY_CHECK_FAILURE,
            'Ensure that each raw document has a unique combination of (name, schema, metadata.layeringDefinition.layer).',
          ),
        );
      }
      seen.add(key);
    }
    if (sanity.length > 0) continue;
    if (opts.phase === 'pre' && !isControl(doc)) continue;
    if (isAbstract(doc)) continue;
    out.push(...dataCheck(doc, registry, opts.phase === 'pre' ? DOCUMENT_SANITY_CHECK_FAILURE : DOCUMENT_POST_RENDERING_FAILURE));
  }
  return out;
}

/** `validateDocuments`, throwing InvalidDocumentFormat (400) when anything fails. */
export function assertValidDocuments(documents: readonly Document[], opts: ValidateOptions): void {
  const errors = validateDocuments(documents, opts).filter((m) => m.error);
  if (errors.length > 0) throw new InvalidDocumentFormat(errors);
}
