/** Deckhand rendering: layering, substitution, replacement, redaction. */
export { render } from './render.js';
export type { RenderOptions, RenderResult, RenderWarning } from './render.js';
export { redactDocument, redactDocuments, redactValue, redactPath } from './redaction.js';
export { parsePath, readPath, writePath, displayPath, PathSyntaxError, PathConflictError } from './jsonpath.js';
export { deepMerge } from './merge.js';
