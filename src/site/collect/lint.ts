/**
 * Pegleg's site lint (pegleg/engine/lint.py) with its codes, each finding
 * naming file:line:
 *
 * - P001 a secret type (CertificateKey, CertificateAuthorityKey, Passphrase,
 *   PrivateKey) without `storagePolicy: encrypted`
 * - P004 two DataSchemas with one name
 * - P005 rendering fails (each validation failure and render error)
 * - P006 a file that does not begin with `---`
 * - P007 a file that is not valid YAML
 * - P008 a document whose layer is not the top directory it lives under
 * - P009 a secret outside a `secrets/` directory
 *
 * Codes in `exclude` are dropped, codes in `warn` reported as warnings.
 */
import type { Document, DocumentRef, ValidationMessage } from '../documents/index.js';
import {
  DeckhandError,
  InvalidDocumentFormat,
  formatSource,
  isDataSchema,
  layerOf,
  metadataOf,
  nameOf,
  refOf,
  schemaOf,
  sourceOf,
  storagePolicyOf,
  validateDocuments,
} from '../documents/index.js';
import { render } from '../render/index.js';
import type { AssembledSite } from './assemble.js';
import { SITE_DEFINITION_SCHEMA } from './assemble.js';

export const LINT_CODES = {
  P001: 'secret without storagePolicy: encrypted',
  P004: 'duplicate DataSchema',
  P005: 'rendering fails',
  P006: 'file does not begin with ---',
  P007: 'file is not valid YAML',
  P008: 'document layer does not match its directory',
  P009: 'secret outside a secrets directory',
} as const;

export type LintCode = keyof typeof LINT_CODES;

export interface LintFinding {
  code: LintCode;
  severity: 'error' | 'warning';
  message: string;
  file?: string;
  line?: number;
  document?: DocumentRef;
  path?: string;
}

export interface LintOptions {
  exclude?: readonly string[];
  warn?: readonly string[];
  /** Missing substitution sources fail the render (P005) instead of warning. */
  failOnMissingSubSrc?: boolean;
  /** DataSchemas offered after the site's own (the site workflow's documents), so they are validated too. */
  dataSchemas?: readonly Document[];
}

const MANDATORY_ENCRYPTED = new Set([
  'deckhand/CertificateAuthorityKey/v1',
  'deckhand/CertificateKey/v1',
  'deckhand/Passphrase/v1',
  'deckhand/PrivateKey/v1',
]);

/** Pegleg lints only Deckhand documents (control or document metadata), and not the site definition. */
function isDeckhandDocument(doc: Document): boolean {
  if (schemaOf(doc).includes('SiteDefinition')) return false;
  const ms = metadataOf(doc).schema;
  return typeof ms === 'string' && (ms.startsWith('metadata/Control') || ms.startsWith('metadata/Document'));
}

function docName(doc: Document): string {
  return `${schemaOf(doc)}:${nameOf(doc)}`;
}

/** Lints an assembled site; pure but for the render it runs. */
export function lintSite(site: AssembledSite, opts: LintOptions = {}): LintFinding[] {
  const raw: Omit<LintFinding, 'severity'>[] = [];
  const at = (doc: Document) => {
    const s = sourceOf(doc);
    return { file: s?.file, line: s?.line, document: refOf(doc) };
  };

  for (const file of site.files) {
    if (!file.text.startsWith('---\n') && !file.text.startsWith('---\r\n')) {
      raw.push({ code: 'P006', message: `${file.label} does not begin with YAML beginning of document marker "---".`, file: file.label, line: 1 });
    }
    if (file.error) {
      raw.push({
        code: 'P007',
        message: `${file.label} is not valid yaml: ${file.error.message}`,
        file: file.error.source?.file ?? file.label,
        line: file.error.source?.line,
      });
    }
    const expectedLayer = file.path.split('/')[0];
    for (const doc of file.documents) {
      if (!isDeckhandDocument(doc)) continue;
      const layer = layerOf(doc);
      if (layer && layer !== expectedLayer) {
        raw.push({ code: 'P008', message: `document ${docName(doc)} had unexpected layer "${layer}", expected "${expectedLayer}"`, ...at(doc) });
      }
      if (MANDATORY_ENCRYPTED.has(schemaOf(doc))) {
        const policy = storagePolicyOf(doc);
        if (policy !== 'encrypted') {
          raw.push({ code: 'P001', message: `document ${docName(doc)} is a secret, but has unexpected storagePolicy: "${policy || 'None'}"`, ...at(doc) });
        }
        if (!file.path.split('/').slice(0, -1).includes('secrets')) {
          raw.push({ code: 'P009', message: `document ${docName(doc)} is a secret, is not stored in a secrets path`, ...at(doc) });
        }
      }
    }
  }

  const schemaNames = new Map<string, Document>();
  for (const doc of site.documents) {
    if (!isDataSchema(doc)) continue;
    const first = schemaNames.get(nameOf(doc));
    if (first) {
      raw.push({ code: 'P004', message: `Duplicate schema specified for: ${nameOf(doc)} (first at ${formatSource(sourceOf(first))})`, ...at(doc) });
    } else schemaNames.set(nameOf(doc), doc);
  }

  raw.push(...renderFindings(site, opts));

  const exclude = new Set(opts.exclude ?? []);
  const warn = new Set(opts.warn ?? []);
  return raw
    .filter((f) => !exclude.has(f.code))
    .map((f) => ({ ...f, severity: (f as LintFinding).severity ?? (warn.has(f.code) ? 'warning' : 'error') }));
}

type Finding = Omit<LintFinding, 'severity'> & { severity?: 'warning' };

function fromMessage(e: ValidationMessage): Finding {
  const d = e.documents[0];
  return {
    code: 'P005',
    ...(e.error ? {} : { severity: 'warning' as const }),
    message: `${d.schema}:${d.name}${e.path ? ` at ${e.path}` : ''}: ${e.message}`,
    file: e.source?.file,
    line: e.source?.line,
    document: d,
    path: e.path,
  };
}

/** Validation before rendering, the render, validation after it: every failure found, as P005. */
function renderFindings(site: AssembledSite, opts: LintOptions): Finding[] {
  const documents = site.documents.filter((d) => schemaOf(d) !== SITE_DEFINITION_SCHEMA || d === site.siteDefinition);
  const dataSchemas = [...(opts.dataSchemas ?? [])];
  const pre = validateDocuments(documents, { phase: 'pre', dataSchemas });
  if (pre.some((m) => m.error)) return pre.map(fromMessage);
  let result;
  try {
    result = render(documents, { failOnMissingSubSrc: opts.failOnMissingSubSrc ?? false });
  } catch (err) {
    if (err instanceof InvalidDocumentFormat) return [...pre, ...err.errors].map(fromMessage);
    if (err instanceof DeckhandError) {
      return [
        ...pre.map(fromMessage),
        { code: 'P005', message: `${err.code}: ${err.message}`, file: err.source?.file, line: err.source?.line, document: err.document, path: err.path },
      ];
    }
    throw err;
  }
  const warnings: Finding[] = result.warnings.map((w) => ({
    code: 'P005',
    severity: 'warning',
    message: `${w.code}: ${w.message}`,
    file: w.source?.file,
    line: w.source?.line,
    document: w.document,
    path: w.path,
  }));
  const post = validateDocuments(result.documents, { phase: 'post', dataSchemas });
  return [...pre.map(fromMessage), ...warnings, ...post.map(fromMessage)];
}
