/** The Deckhand-compatible v1.0 API over the revision store. */
export { deckhandPlugin } from './routes.js';
export { DeckhandService, parseRevisionId } from './service.js';
export type { ServiceOptions, PutOutcome } from './service.js';
export { statusBody, statusCode } from './errors.js';
export type { StatusBody } from './errors.js';
export { keyedRedactor, redact } from './redact.js';
export type { Redactor } from './redact.js';
export { safeDump, safeDumpAll, deckhandYamlDump, resolvesAsString } from './pyyaml-dump.js';
export { listOptions, matches, multisort, queryParams } from './filters.js';
export type { ListOptions, QueryParams, FilterValue } from './filters.js';
export { YAML, wantsJson } from './media.js';
