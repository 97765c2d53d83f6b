import type { JsonValue } from '../documents/index.js';
import { isJsonObject } from '../documents/index.js';
import { setOwn } from './jsonpath.js';

/**
 * Deckhand's `deep_merge`: the child's keys win; where both sides hold a
 * mapping the merge recurses; anything else (lists included) is replaced by
 * the child's value. Deckhand's documentation says lists are appended; its
 * code replaces them, and that is what sites are written against.
 *
 * Returns a new mapping sharing unchanged subtrees with both inputs.
 */
export function deepMerge(parent: { [k: string]: JsonValue }, child: { [k: string]: JsonValue }): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = { ...parent };
  for (const key of Object.keys(child)) {
    const c = child[key];
    const p = Object.prototype.hasOwnProperty.call(parent, key) ? parent[key] : undefined;
    setOwn(out, key, isJsonObject(p) && isJsonObject(c) ? deepMerge(p, c) : c);
  }
  return out;
}
