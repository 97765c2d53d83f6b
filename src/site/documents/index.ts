/** Deckhand documents: model, PyYAML-compatible reading and writing, validation, errors. */
export * from './document.js';
export * from './errors.js';
export { parseDocuments } from './parse.js';
export { parseYamlStream } from './yaml.js';
export type { YamlDocument } from './yaml.js';
export { dumpYamlStream, quoteString } from './yaml-emit.js';
export type { EmitOptions } from './yaml-emit.js';
export { resolvesAsNonString } from './yaml-schema.js';
export { sourceOf, locate, inheritSource, recordSource, formatPath } from './source.js';
export type { PathSegment } from './source.js';
export { validateDocuments, assertValidDocuments, SchemaRegistry } from './validate.js';
export type { ValidateOptions } from './validate.js';
export { validateSchema } from './json-schema.js';
export type { SchemaError } from './json-schema.js';
export { pythonJsonDumps, pythonRepr, pythonStr, pythonTruthy, pythonEquals, pythonRegex } from './python.js';
export { BUILTIN_SCHEMAS } from './builtin-schemas.js';
