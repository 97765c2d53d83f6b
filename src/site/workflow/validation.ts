/**
 * Validating a revision as a site design: render it (Deckhand's checks and
 * every DataSchema, the workflow's included), then read the design out of
 * it. Every failure becomes one Shipyard validation message naming the
 * document, its path and where it came from. Pure but for the render.
 */
import type { Document, ValidationMessage } from '../documents/index.js';
import { DATA_SCHEMA_SCHEMA, DeckhandError, InvalidDocumentFormat, LAYERING_POLICY_SCHEMA } from '../documents/index.js';
import { render } from '../render/index.js';
import type { RevisionStore, StoredDocument } from '../revisions/index.js';
import { DesignError, readDesign, type SiteDesign } from './design.js';
import { WORKFLOW_DATA_SCHEMAS } from './schemas.js';

export interface ValidationReport {
  valid: boolean;
  messages: ValidationMessage[];
  design?: SiteDesign;
}

const toDocument = (d: StoredDocument): Document => ({ schema: d.schema, metadata: d.metadata as Document['metadata'], data: d.data });

/** The documents of a revision (cleartext), with the last LayeringPolicy when it has none, as Deckhand renders. */
export async function revisionDocuments(store: RevisionStore, id: number): Promise<Document[]> {
  const docs = (await store.documentsAt(id)).map(toDocument);
  if (!docs.some((d) => d.schema.startsWith(LAYERING_POLICY_SCHEMA))) {
    const p = await store.lastLayeringPolicy();
    if (p) docs.push(toDocument(p));
  }
  return docs;
}

function designMessages(err: DesignError): ValidationMessage[] {
  return err.problems.map((p) => ({
    message: p.message,
    error: true,
    name: 'SiteDesign',
    level: 'Error',
    kind: 'ValidationMessage',
    documents: [p.document],
    path: p.path,
  }));
}

export function validateDesign(documents: readonly Document[]): ValidationReport {
  const dataSchemas = [...documents.filter((d) => d.schema.startsWith(DATA_SCHEMA_SCHEMA)), ...WORKFLOW_DATA_SCHEMAS];
  let rendered: Document[];
  try {
    rendered = render(documents, { cleartextSecrets: true, failOnMissingSubSrc: true, validate: true, dataSchemas }).documents;
  } catch (err) {
    if (err instanceof InvalidDocumentFormat) return { valid: false, messages: err.errors };
    if (err instanceof DeckhandError) {
      return {
        valid: false,
        messages: [
          {
            message: err.message,
            error: true,
            name: err.code,
            level: 'Error',
            kind: 'ValidationMessage',
            documents: err.document ? [err.document] : [],
            ...(err.path ? { path: err.path } : {}),
            ...(err.source ? { source: err.source } : {}),
          },
        ],
      };
    }
    throw err;
  }
  try {
    return { valid: true, messages: [], design: readDesign(rendered) };
  } catch (err) {
    if (err instanceof DesignError) return { valid: false, messages: designMessages(err) };
    if (err instanceof Error && /cycle/.test(err.message)) {
      return { valid: false, messages: [{ message: err.message, error: true, name: 'SiteDesign', level: 'Error', kind: 'ValidationMessage', documents: [] }] };
    }
    throw err;
  }
}

/** Shipyard's Status document for a validation report. */
export function validationStatus(report: ValidationReport, what: string): Record<string, unknown> {
  const errors = report.messages.filter((m) => m.error);
  return {
    kind: 'Status',
    apiVersion: 'v1.0',
    metadata: {},
    status: errors.length ? 'Failure' : 'Success',
    message: errors.length
      ? `${what}: ${errors.length} validation(s) failed, first ${errors[0].documents[0] ? `${errors[0].documents[0].schema} ${errors[0].documents[0].name}` : '(the site)'}${errors[0].path ? ` at ${errors[0].path}` : ''}`
      : `${what}: validations succeeded`,
    reason: 'Validation',
    details: { errorCount: errors.length, messageList: report.messages },
    code: errors.length ? '400 Bad Request' : '200 OK',
  };
}
