/** The revision store: buckets of documents, revisions, tags, validations, diffs. */
export { RevisionStore, SCHEMA_VALIDATION } from './store.js';
export type { PutOptions, PutResult, Sealer } from './store.js';
export type { Tables } from './tables.js';
export { revisionMigrations } from './migrations.js';
export * from './model.js';
export { prepareDocument, withDefaults, canonicalJson, sha256Hasher } from './prepare.js';
export type { Hasher, PreparedDocument } from './prepare.js';
export { planBucketPut } from './plan.js';
export type { PlannedDocument, PutPlan } from './plan.js';
export { revisionDiff, bucketDeepDiff } from './diff.js';
export type { DiffDocument, DiffSide, BucketDiff } from './diff.js';
export { deepDiff } from './deepdiff.js';
export type { DeepDiffReport } from './deepdiff.js';
export { RevisionNotFound, RevisionTagNotFound, RevisionTagBadFormat, ValidationNotFound, InvalidInputException } from './errors.js';
export { policiesOf, validationStatuses, checkedEntries } from './validations.js';
export type { Policy, CheckedEntry } from './validations.js';
