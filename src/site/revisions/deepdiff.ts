/**
 * The report Python's `deepdiff.DeepDiff(old, new)` gives for JSON values,
 * in the shape Deckhand's deepdiff endpoint returns it (`to_json()` read
 * back): `values_changed`, `type_changes`, `dictionary_item_added`,
 * `dictionary_item_removed`, `iterable_item_added`, `iterable_item_removed`,
 * each keyed by paths such as `root['a'][0]`.
 *
 * Lists are compared position by position. Two deliberate simplifications
 * against the library: no unified `diff` text for changed multi-line
 * strings, and integral floats compare equal to ints (JSON cannot tell them
 * apart).
 */
import type { JsonValue } from '../documents/index.js';
import { pythonRepr } from '../documents/index.js';

export interface DeepDiffReport {
  values_changed?: Record<string, { new_value: JsonValue; old_value: JsonValue }>;
  type_changes?: Record<string, { old_type: string; new_type: string; old_value: JsonValue; new_value: JsonValue }>;
  dictionary_item_added?: string[];
  dictionary_item_removed?: string[];
  iterable_item_added?: Record<string, JsonValue>;
  iterable_item_removed?: Record<string, JsonValue>;
}

/** Python's type name of a JSON value. */
function pyType(v: JsonValue): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  return Array.isArray(v) ? 'list' : 'dict';
}

export function deepDiff(oldValue: JsonValue, newValue: JsonValue): DeepDiffReport {
  const report: DeepDiffReport = {};
  walk(oldValue, newValue, 'root', report);
  return report;
}

function walk(a: JsonValue, b: JsonValue, path: string, r: DeepDiffReport): void {
  const ta = pyType(a);
  const tb = pyType(b);
  if (ta !== tb && !(ta === 'int' && tb === 'float') && !(ta === 'float' && tb === 'int')) {
    (r.type_changes ??= {})[path] = { old_type: ta, new_type: tb, old_value: a, new_value: b };
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], `${path}[${i}]`, r);
    for (let i = n; i < b.length; i++) (r.iterable_item_added ??= {})[`${path}[${i}]`] = b[i];
    for (let i = n; i < a.length; i++) (r.iterable_item_removed ??= {})[`${path}[${i}]`] = a[i];
    return;
  }
  if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
    const ao = a as Record<string, JsonValue>;
    const bo = b as Record<string, JsonValue>;
    for (const k of Object.keys(bo)) {
      const p = `${path}[${pythonRepr(k)}]`;
      if (!(k in ao)) (r.dictionary_item_added ??= []).push(p);
      else walk(ao[k], bo[k], p, r);
    }
    for (const k of Object.keys(ao)) if (!(k in bo)) (r.dictionary_item_removed ??= []).push(`${path}[${pythonRepr(k)}]`);
    return;
  }
  if (a !== b) (r.values_changed ??= {})[path] = { new_value: b, old_value: a };
}
