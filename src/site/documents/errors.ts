/**
 * Deckhand's error classes (deckhand/errors.py), one for one, each carrying
 * what users need to fix the input: the document (schema, name, layer), the
 * path inside it, and the file:line it was read from. `status` is the HTTP
 * status Deckhand answers with, so the Deckhand-compatible API can map them
 * unchanged; `code` is Deckhand's class name, which its error document calls
 * `errorType`.
 *
 * The messages start with Deckhand's own wording (clients grep for it) and
 * add what Deckhand leaves out.
 */
// Imported from the file, not core's index: the index pulls in the HTTP
// server and the store, which the `strata site render` start-up cannot afford.
import { StrataError } from '../../core/errors/index.js';

/** The identity Deckhand gives a raw document: (schema, layer, name). */
export interface DocumentRef {
  schema: string;
  name: string;
  layer: string;
}

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  column?: number;
}

/** One entry of a validation failure, in Airship's ValidationMessage shape. */
export interface ValidationMessage {
  message: string;
  error: boolean;
  /** D001: sanity check (before rendering), D002: after rendering. */
  name: string;
  level: 'Error' | 'Warning' | 'Info';
  kind: 'ValidationMessage';
  documents: DocumentRef[];
  diagnostic?: unknown;
  /** Where in the document (e.g. `metadata.substitutions[0].src`, `data.port`). */
  path?: string;
  source?: SourceLocation;
}

export const DOCUMENT_SANITY_CHECK_FAILURE = 'D001';
export const DOCUMENT_POST_RENDERING_FAILURE = 'D002';

export interface SiteErrorOptions {
  document?: DocumentRef;
  path?: string;
  source?: SourceLocation;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export function formatRef(ref: DocumentRef): string {
  return `[${ref.schema}, ${ref.layer}] ${ref.name}`;
}

export function formatSource(source: SourceLocation | undefined): string {
  if (!source) return '';
  return source.column ? `${source.file}:${source.line}:${source.column}` : `${source.file}:${source.line}`;
}

/** Base of every document and rendering error; `code` is the Deckhand class name. */
export class DeckhandError extends StrataError {
  readonly document?: DocumentRef;
  readonly path?: string;
  readonly source?: SourceLocation;
  /** The message without the location suffix, as Deckhand words it. */
  readonly reason: string;

  constructor(message: string, status: number, opts: SiteErrorOptions = {}) {
    const where = [opts.path ? `at ${opts.path}` : '', opts.source ? `(${formatSource(opts.source)})` : '']
      .filter(Boolean)
      .join(' ');
    super(where ? `${message} ${where}` : message, {
      status,
      code: new.target.name,
      details: { ...opts.details, document: opts.document, path: opts.path, source: opts.source },
      cause: opts.cause,
    });
    this.reason = message;
    this.document = opts.document;
    this.path = opts.path;
    this.source = opts.source;
  }
}

/** A file is not valid YAML (Deckhand answers 400 to an unparseable body). */
export class InvalidYamlError extends DeckhandError {
  constructor(reason: string, source: SourceLocation) {
    super(`Invalid YAML: ${reason}`, 400, { source });
  }
}

/** Schema validation failed; `errors` lists every failure found, not just the first. */
export class InvalidDocumentFormat extends DeckhandError {
  readonly errors: ValidationMessage[];
  constructor(errors: ValidationMessage[], opts: { status?: number } = {}) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    const head = first
      ? `The provided documents failed schema validation: ${formatRef(first.documents[0])}: ${first.message}${more}`
      : 'The provided documents failed schema validation';
    super(head, opts.status ?? 400, {
      document: first?.documents[0],
      path: first?.path,
      source: first?.source,
      details: { errors },
    });
    this.errors = errors;
  }
}

export class InvalidDocumentLayer extends DeckhandError {
  constructor(args: { document: DocumentRef; layerOrder: string[]; layeringPolicy: string; source?: SourceLocation }) {
    super(
      `Invalid layer '${args.document.layer}' for document [${args.document.schema}] ${args.document.name} was not found ` +
        `in layerOrder: ${args.layerOrder.join(', ')} for provided LayeringPolicy: ${args.layeringPolicy}`,
      400,
      { document: args.document, path: 'metadata.layeringDefinition.layer', source: args.source },
    );
  }
}

export class InvalidDocumentParent extends DeckhandError {
  readonly parent: DocumentRef;
  constructor(args: { document: DocumentRef; parent: DocumentRef; reason: string; source?: SourceLocation }) {
    super(
      `The document parent [${args.parent.schema}] ${args.parent.name} is invalid for document ` +
        `[${args.document.schema}] ${args.document.name}. Reason: ${args.reason}`,
      400,
      { document: args.document, path: 'metadata.layeringDefinition.parentSelector', source: args.source },
    );
    this.parent = args.parent;
  }
}

export class IndeterminateDocumentParent extends DeckhandError {
  readonly candidates: DocumentRef[];
  constructor(args: { document: DocumentRef; candidates: DocumentRef[]; source?: SourceLocation }) {
    super(
      `Too many parent documents found for document ${formatRef(args.document)}. Found: ${args.candidates.length}. ` +
        `Expected: 1 (${args.candidates.map(formatRef).join('; ')})`,
      400,
      { document: args.document, path: 'metadata.layeringDefinition.parentSelector', source: args.source },
    );
    this.candidates = args.candidates;
  }
}

export class SubstitutionDependencyCycle extends DeckhandError {
  readonly cycle: DocumentRef[];
  constructor(args: { cycle: DocumentRef[]; source?: SourceLocation }) {
    super(
      `Cannot determine substitution order as a dependency cycle exists for the following documents: ` +
        args.cycle.map(formatRef).join(' -> '),
      400,
      { document: args.cycle[0], source: args.source },
    );
    this.cycle = args.cycle;
  }
}

export class MissingDocumentKey extends DeckhandError {
  constructor(args: {
    document: DocumentRef;
    parent: DocumentRef;
    action: { method: string; path: string };
    index: number;
    source?: SourceLocation;
  }) {
    super(
      `Missing action path in ${JSON.stringify(args.action)} needed for layering from either the data section of the ` +
        `parent ${formatRef(args.parent)} or child ${formatRef(args.document)} document`,
      400,
      { document: args.document, path: `metadata.layeringDefinition.actions[${args.index}].path`, source: args.source },
    );
  }
}

export class MissingDocumentPattern extends DeckhandError {
  constructor(args: { document: DocumentRef; pattern: string; destPath: string; path: string; source?: SourceLocation }) {
    super(
      `The destination document's \`data\` section is missing the pattern ${args.pattern} specified under ` +
        `\`substitutions.dest.pattern\` at path ${args.destPath}, specified under \`substitutions.dest.path\``,
      400,
      { document: args.document, path: args.path, source: args.source },
    );
  }
}

export class InvalidDocumentReplacement extends DeckhandError {
  constructor(args: { document: DocumentRef; reason: string; source?: SourceLocation }) {
    super(`Replacement document ${formatRef(args.document)} is invalid. Reason: ${args.reason}`, 400, {
      document: args.document,
      path: 'metadata.replacement',
      source: args.source,
    });
  }
}

export class UnsupportedActionMethod extends DeckhandError {
  constructor(args: { document: DocumentRef; action: unknown; index: number; source?: SourceLocation }) {
    super(`Method in ${JSON.stringify(args.action)} is invalid for document ${formatRef(args.document)}`, 400, {
      document: args.document,
      path: `metadata.layeringDefinition.actions[${args.index}].method`,
      source: args.source,
    });
  }
}

export class SubstitutionSourceDataNotFound extends DeckhandError {
  readonly sourceDocument: DocumentRef;
  constructor(args: { srcPath: string; src: DocumentRef; document: DocumentRef; path: string; source?: SourceLocation }) {
    super(
      `Required substitution source secret was not found at path ${args.srcPath} in source document ` +
        `${formatRef(args.src)} which is referenced by destination document ${formatRef(args.document)} ` +
        'under its `metadata.substitutions`',
      400,
      { document: args.document, path: args.path, source: args.source },
    );
    this.sourceDocument = args.src;
  }
}

export class EncryptionSourceNotFound extends DeckhandError {
  constructor(args: { secretRef: string; document: DocumentRef; source?: SourceLocation }) {
    super(
      `Required encryption source reference could not be resolved into a secret because it was not found among ` +
        `encryption sources. Ref: ${args.secretRef}. Referenced by: ${formatRef(args.document)}`,
      400,
      { document: args.document, path: 'data', source: args.source },
    );
  }
}

export class DuplicateDocumentExists extends DeckhandError {
  constructor(args: { document: DocumentRef; bucket: string; source?: SourceLocation }) {
    super(`Document ${formatRef(args.document)} already exists in bucket: ${args.bucket}`, 409, {
      document: args.document,
      source: args.source,
    });
  }
}

export class SingletonDocumentConflict extends DeckhandError {
  constructor(args: { document: DocumentRef; conflict: DocumentRef[]; source?: SourceLocation }) {
    super(
      `A singleton document ${formatRef(args.document)} already exists in the system. The new document(s) ` +
        `${args.conflict.map(formatRef).join(', ')} cannot be created. To create a document with a new name, ` +
        'delete the current one first',
      409,
      { document: args.conflict[0] ?? args.document, source: args.source },
    );
  }
}

export class LayeringPolicyNotFound extends DeckhandError {
  constructor() {
    super('Required LayeringPolicy was not found for layering', 409);
  }
}

export class SubstitutionSourceNotFound extends DeckhandError {
  readonly sourceDocument: { schema: string; name: string };
  constructor(args: { src: { schema: string; name: string }; document: DocumentRef; path: string; source?: SourceLocation }) {
    super(
      `Required substitution source document [${args.src.schema}] ${args.src.name} was not found, yet is referenced ` +
        `by [${args.document.schema}] ${args.document.name}`,
      409,
      { document: args.document, path: args.path, source: args.source },
    );
    this.sourceDocument = args.src;
  }
}

/**
 * A substitution failed for a reason Deckhand has no class for (a path that
 * cannot be created, a source pattern applied to a non-string). Deckhand
 * answers 500; the cause is the input, so this answers 400.
 */
export class UnknownSubstitutionError extends DeckhandError {
  constructor(args: { src: DocumentRef; document: DocumentRef; details: string; path: string; source?: SourceLocation }) {
    super(
      `An unknown exception occurred while trying to perform substitution using source document ` +
        `${formatRef(args.src)} contained in document ${formatRef(args.document)}. Details: ${args.details}`,
      400,
      { document: args.document, path: args.path, source: args.source },
    );
  }
}
