/**
 * JSON Patch (RFC 6902) as Ironic takes it: only add, replace and remove,
 * paths of word characters, no new root attributes, applied one operation at
 * a time so an error names the operation that failed.
 */
import fjp from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { invalid, patchError } from '../conductor/errors.js';
import { checkSchema } from './util.js';
import type { Json } from '../db/records.js';

export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

const PATCH_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      path: { type: 'string', pattern: '^(/[\\w-]+)+$' },
      op: { type: 'string', enum: ['add', 'replace', 'remove'] },
      value: {},
    },
    additionalProperties: false,
    required: ['op', 'path'],
  },
};

export function parsePatch(body: unknown): PatchOp[] {
  checkSchema('patch', PATCH_SCHEMA, body);
  return body as PatchOp[];
}

/** The top-level field a patch operation touches. */
export const rootOf = (op: PatchOp) => op.path.split('/')[1];

/** Ironic's patch_validate_allowed_fields. */
export function checkAllowedFields(ops: readonly PatchOp[], allowed: readonly string[]): void {
  for (const op of ops) {
    if (!allowed.includes(rootOf(op))) throw invalid(`Cannot patch ${op.path}. Only the following can be updated: ${allowed.join(', ')}`);
  }
}

/** Values the patch sets at exactly `path` (Ironic's get_patch_values). */
export function patchValues(ops: readonly PatchOp[], path: string): unknown[] {
  return ops.filter((p) => p.path === path && p.op !== 'remove').map((p) => p.value);
}

export function touches(ops: readonly PatchOp[], field: string): boolean {
  return ops.some((p) => rootOf(p) === field);
}

/** Applies the patch to a copy of `doc`. */
export function applyPatch(doc: Json, ops: readonly PatchOp[]): Json {
  for (const p of ops) {
    if (p.op === 'add' && p.path.split('/').length === 2 && !(rootOf(p) in doc)) {
      throw invalid(`Adding a new attribute (${p.path}) to the root of the resource is not allowed`);
    }
  }
  let out = structuredClone(doc);
  for (const p of ops) {
    try {
      out = fjp.applyOperation(out, p as Operation, true, true, false).newDocument as Json;
    } catch (err) {
      throw patchError(p, reason(err, p));
    }
  }
  return out;
}

function reason(err: unknown, p: PatchOp): string {
  const name = (err as { name?: string }).name;
  if (name === 'OPERATION_PATH_UNRESOLVABLE' || name === 'OPERATION_PATH_CANNOT_ADD') {
    return p.op === 'remove' ? `can't remove a non-existent object '${p.path.split('/').pop()}'` : `can't ${p.op} a non-existent object '${p.path.split('/').pop()}'`;
  }
  if (name === 'OPERATION_VALUE_REQUIRED') return `The operation '${p.op}' requires a 'value'`;
  return (err as Error).message.split('\n')[0];
}
