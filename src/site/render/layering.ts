/**
 * Layering: who is whose parent, what `replacement: true` may do, and how a
 * child's actions apply to its parent's data (Deckhand's
 * deckhand/engine/layering.py and _replacement.py).
 */
import type { Document, JsonValue, LayeringAction } from '../documents/index.js';
import {
  DOCUMENT_SANITY_CHECK_FAILURE,
  IndeterminateDocumentParent,
  InvalidDocumentFormat,
  InvalidDocumentParent,
  InvalidDocumentReplacement,
  MissingDocumentKey,
  UnsupportedActionMethod,
  actionsOf,
  isJsonObject,
  labelsOf,
  locate,
  parentSelectorOf,
  pythonEquals,
  refOf,
  sourceKey,
  sourceOf,
} from '../documents/index.js';
import type { Entry } from './entry.js';
import { deepMerge } from './merge.js';
import type { PathSegment } from './jsonpath.js';
import { PathSyntaxError, getPath, parsePath, setOwn, writePath } from './jsonpath.js';

function labelKey(key: string, value: unknown): string {
  // Python compares True == 1; keep that for label matching.
  const v = value === true ? 1 : value === false ? 0 : value;
  return `${key}\u0000${JSON.stringify(v)}`;
}

/**
 * Finds each document's parent: among documents in higher layers whose
 * labels include every pair of its parentSelector, the one in the closest
 * layer. Errors, as Deckhand raises them: a matching document with another
 * schema or in the same or a lower layer (InvalidDocumentParent), two
 * candidates in the closest layer (IndeterminateDocumentParent).
 */
export function resolveParents(entries: readonly Entry[], layerOrder: readonly string[]): void {
  const byLabel = new Map<string, Entry[]>();
  for (const e of entries) {
    if (e.layerIndex < 0) continue;
    for (const [k, v] of Object.entries(labelsOf(e.raw))) {
      const key = labelKey(k, v);
      let list = byLabel.get(key);
      if (!list) byLabel.set(key, (list = []));
      list.push(e);
    }
  }
  for (const child of entries) {
    const selector = Object.entries(parentSelectorOf(child.raw));
    if (selector.length === 0 || child.layerIndex < 0) continue;
    const [k0, v0] = selector[0];
    const matches = (byLabel.get(labelKey(k0, v0)) ?? []).filter(
      (p) => p !== child && selector.every(([k, v]) => pythonEquals(labelsOf(p.raw)[k], v)),
    );
    if (matches.length === 0) continue;
    for (const p of matches) {
      if (p.ref.schema !== child.ref.schema) {
        throw new InvalidDocumentParent({
          document: child.ref,
          parent: p.ref,
          reason: 'Child has parentSelector which references parent, but their `schema`s do not match.',
          source: locate(child.raw, ['metadata', 'layeringDefinition', 'parentSelector']),
        });
      }
      if (p.layerIndex >= child.layerIndex) {
        throw new InvalidDocumentParent({
          document: child.ref,
          parent: p.ref,
          reason:
            `Child has parentSelector which references parent, but the child layer ${child.ref.layer} must be lower ` +
            `than the parent layer ${p.ref.layer} for layerOrder ${layerOrder.join(', ')}.`,
          source: locate(child.raw, ['metadata', 'layeringDefinition', 'parentSelector']),
        });
      }
    }
    const closest = Math.max(...matches.map((p) => p.layerIndex));
    const candidates = matches.filter((p) => p.layerIndex === closest);
    if (candidates.length > 1) {
      throw new IndeterminateDocumentParent({
        document: child.ref,
        candidates: candidates.map((c) => c.ref),
        source: locate(child.raw, ['metadata', 'layeringDefinition', 'parentSelector']),
      });
    }
    child.parent = candidates[0];
  }
}

function replacementError(e: Entry, reason: string): InvalidDocumentReplacement {
  return new InvalidDocumentReplacement({ document: e.ref, reason, source: locate(e.raw, ['metadata', 'replacement']) });
}

/**
 * Deckhand's replacement rules: a `replacement: true` document needs a
 * parent with its schema and name, and replaces it; without `replacement:
 * true` a child may not share its parent's schema and name, and no two
 * documents may share a schema and name.
 */
export function linkReplacements(entries: readonly Entry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const parent = e.parent;
    if (e.replacement) {
      if (!parent) throw replacementError(e, 'Document replacement requires that the document with `replacement: true` have a parent.');
      if (parent.ref.schema !== e.ref.schema || parent.ref.name !== e.ref.name) {
        throw replacementError(e, 'Document replacement requires that both documents have the same `schema` and `metadata.name`.');
      }
      parent.replacedBy = e;
      continue;
    }
    if (parent && parent.ref.schema === e.ref.schema && parent.ref.name === e.ref.name) {
      throw replacementError(
        e,
        'Non-replacement documents cannot have the same `schema` and `metadata.name` as their parent. Either add ' +
          '`replacement: true` to the document or give the document a different name.',
      );
    }
    if (e.control) continue;
    const key = sourceKey(e.ref.schema, e.ref.name);
    if (seen.has(key)) {
      throw replacementError(
        e,
        'More than one document with the same name and schema was found, but none has `replacement: true`. Ensure ' +
          'that only 2 documents exist for each replacement and that one has `replacement: true` and the other ' +
          '`replacement: false`.',
      );
    }
    seen.add(key);
  }
}

/** The document a substitution naming (schema, name) reads from: concrete documents, replacements in their parents' place. */
export function substitutionSources(entries: readonly Entry[]): Map<string, Entry> {
  const map = new Map<string, Entry>();
  for (const e of entries) {
    if (e.abstract) continue;
    let src = e;
    if (e.replacedBy) {
      if (e.replacement) throw replacementError(e, 'A replacement document cannot itself be replaced by another document.');
      src = e.replacedBy;
    }
    map.set(sourceKey(src.ref.schema, src.ref.name), src);
  }
  return map;
}

const SUPPORTED = new Set(['merge', 'replace', 'delete']);

/** An action path relative to `data`: `.data.a` and `$.data.a` mean `.a`. */
function actionSegments(doc: Document, action: LayeringAction, index: number): PathSegment[] {
  let p = typeof action.path === 'string' ? action.path : '';
  // Deckhand strips any `.data` prefix, so `.database` became `base`; strip only a whole `data` segment.
  const m = /^\$?\.data(?=$|[.[])/.exec(p);
  if (m) p = p.slice(m[0].length) || '.';
  if (!(p.startsWith('.') || p.startsWith('$'))) p = '.' + p;
  try {
    return parsePath(p);
  } catch (err) {
    const path: PathSegment[] = ['metadata', 'layeringDefinition', 'actions', index, 'path'];
    throw new InvalidDocumentFormat([
      {
        message: err instanceof PathSyntaxError ? err.message : String(err),
        error: true,
        name: DOCUMENT_SANITY_CHECK_FAILURE,
        level: 'Error',
        kind: 'ValidationMessage',
        documents: [refOf(doc)],
        path: `metadata.layeringDefinition.actions[${index}].path`,
        source: locate(doc, path) ?? sourceOf(doc),
      },
    ]);
  }
}

/** `data` without the value at the path (a list entry is spliced out). */
function removePath(data: unknown, segs: readonly PathSegment[]): unknown {
  const [seg, ...rest] = segs;
  if (Array.isArray(data) && typeof seg === 'number') {
    const i = seg < 0 ? data.length + seg : seg;
    const copy = data.slice();
    if (rest.length === 0) copy.splice(i, 1);
    else copy[i] = removePath(copy[i], rest) as JsonValue;
    return copy;
  }
  const obj = data as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...obj };
  if (rest.length === 0) delete copy[seg as string];
  else setOwn(copy, seg as string, removePath(obj[seg as string], rest));
  return copy;
}

/**
 * Where Deckhand's `deep_delete` strikes: the first value equal (Python's
 * `==`) to `target` in a depth-first walk, mappings in key order.
 */
function firstEqual(root: unknown, target: unknown): PathSegment[] | undefined {
  const walk = (node: unknown, path: PathSegment[]): PathSegment[] | undefined => {
    if (Array.isArray(node)) {
      const i = node.findIndex((v) => pythonEquals(v, target));
      for (let j = 0; j < node.length; j++) {
        if (j === i) return [...path, j];
        const found = walk(node[j], [...path, j]);
        if (found) return found;
      }
    } else if (isJsonObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (pythonEquals(v, target)) return [...path, k];
        const found = walk(v, [...path, k]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(root, []);
}

/**
 * The child's data layered onto its parent's: each action in turn, merge,
 * replace or delete at its path. Both inputs must be the caller's own
 * copies: the result shares structure with them. A value that is absent or null where the
 * action needs it raises MissingDocumentKey, as in Deckhand.
 *
 * Deckhand's delete removes the first value *equal* to the one at the path,
 * wherever it sits in the tree; this removes the value at the path, unless
 * `deckhandDelete` asks for Deckhand's behaviour.
 */
export function applyActions(
  child: Entry,
  parent: Entry,
  parentData: JsonValue,
  childData: JsonValue,
  opts: { deckhandDelete?: boolean } = {},
): JsonValue {
  let overall: JsonValue = parentData;
  const actions = actionsOf(child.raw);
  actions.forEach((action, index) => {
    const method = action?.method;
    if (!SUPPORTED.has(method)) {
      throw new UnsupportedActionMethod({
        document: child.ref,
        action,
        index,
        source: locate(child.raw, ['metadata', 'layeringDefinition', 'actions', index, 'method']),
      });
    }
    const segs = actionSegments(child.raw, action, index);
    const missing = () =>
      new MissingDocumentKey({
        document: child.ref,
        parent: parent.ref,
        action,
        index,
        source: locate(child.raw, ['metadata', 'layeringDefinition', 'actions', index, 'path']),
      });
    if (method === 'delete') {
      if (segs.length === 0) {
        overall = {};
        return;
      }
      const target = getPath(overall, segs);
      if (!target.found || target.value === null) throw missing();
      const where = opts.deckhandDelete ? firstEqual(overall, target.value) ?? segs : segs;
      overall = removePath(overall, where) as JsonValue;
      return;
    }
    const fromChild = getPath(childData, segs);
    if (!fromChild.found || fromChild.value === null) throw missing();
    let value = fromChild.value as JsonValue;
    if (method === 'merge') {
      const fromParent = getPath(overall, segs).value;
      if (isJsonObject(fromParent) && isJsonObject(value)) value = deepMerge(fromParent, value);
    }
    overall = writeChecked(overall, segs, value, child, index);
  });
  return overall;
}

function writeChecked(data: JsonValue, segs: PathSegment[], value: JsonValue, child: Entry, index: number): JsonValue {
  try {
    return writePath(data, segs, value) as JsonValue;
  } catch (err) {
    throw new InvalidDocumentFormat([
      {
        message: (err as Error).message,
        error: true,
        name: DOCUMENT_SANITY_CHECK_FAILURE,
        level: 'Error',
        kind: 'ValidationMessage',
        documents: [child.ref],
        path: `metadata.layeringDefinition.actions[${index}].path`,
        source: locate(child.raw, ['metadata', 'layeringDefinition', 'actions', index, 'path']),
      },
    ]);
  }
}
