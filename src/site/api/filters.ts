/**
 * Deckhand's query parameters for listing documents and revisions
 * (deckhand/control/common.py `sanitize_params`, deckhand/common/utils.py
 * `deepfilter` and `multisort`): which parameters count, how `key=value`
 * labels become a mapping, how `schema` matches a namespace or kind
 * prefix, how `true`/`false` compare with booleans, and sorting by one or
 * more dotted paths.
 */
import { InvalidInputError } from '../../core/index.js';

/** One query parameter's values, in order (repeated parameters give several). */
export type QueryParams = Record<string, string[]>;

export function queryParams(url: string): QueryParams {
  const q = url.indexOf('?');
  const out: QueryParams = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) (out[k] ??= []).push(v);
  return out;
}

/** A filter value: one string, several (any may match), or a label mapping (all must match). */
export type FilterValue = string | string[] | Record<string, string>;

export interface ListOptions {
  filters: Record<string, FilterValue>;
  sort?: string[];
  order: 'asc' | 'desc';
  limit?: number;
  cleartextSecrets?: boolean;
}

/** Deckhand's renames from what users write to where the value lives. */
const MAPPING: Record<string, string> = {
  'status.bucket': 'bucket_name',
  'metadata.label': 'metadata.labels',
  tag: 'tags.[*].tag',
  createdAt: 'created_at',
};

export class InvalidParam extends InvalidInputError {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message, { parameter: param });
  }
}

/** falcon's get_param_as_bool. */
function asBool(name: string, v: string): boolean {
  const s = v.toLowerCase();
  if (['true', 't', 'yes', 'y', '1', 'on'].includes(s)) return true;
  if (['false', 'f', 'no', 'n', '0', 'off'].includes(s)) return false;
  throw new InvalidParam(name, `The value of the parameter "${name}" is invalid: it must be true or false`);
}

/**
 * Keeps the allowed parameters (others are ignored, as Deckhand ignores
 * them), turns `limit` into a non-negative integer (400 otherwise) and
 * `key=value` values into label mappings.
 */
export function listOptions(params: QueryParams, allowed: readonly string[]): ListOptions {
  const opts: ListOptions = { filters: {}, order: 'asc' };
  for (const [key, values] of Object.entries(params)) {
    if (!allowed.includes(key)) continue;
    if (key === 'limit') {
      const n = values.length === 1 && /^\s*[-+]?\d+\s*$/.test(values[0]) ? Math.abs(parseInt(values[0], 10)) : NaN;
      if (!Number.isFinite(n)) throw new InvalidParam('limit', 'Query parameter limit must be of type int.');
      opts.limit = n;
      continue;
    }
    if (key === 'sort') {
      opts.sort = values.map((v) => MAPPING[v] ?? v);
      continue;
    }
    if (key === 'order') {
      opts.order = values[values.length - 1] === 'desc' ? 'desc' : 'asc';
      continue;
    }
    if (key === 'cleartext-secrets') {
      opts.cleartextSecrets = asBool(key, values[values.length - 1]);
      continue;
    }
    const target = MAPPING[key] ?? key;
    if (values[0].includes('=')) {
      const labels: Record<string, string> = {};
      for (const v of values) {
        const [k, val] = v.split('=');
        if (val !== undefined) labels[k] = val;
      }
      opts.filters[target] = labels;
    } else opts.filters[target] = values.length === 1 ? values[0] : values;
  }
  return opts;
}

/** Values at a dotted path (`a.b`, `tags.[*].tag`); every match when `all`, else at most the first. */
export function valuesAt(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const part of path.replace(/^\$?\./, '').split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      if (part === '[*]') {
        if (Array.isArray(v)) next.push(...v);
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && part in (v as object)) {
        next.push((v as Record<string, unknown>)[part]);
      }
    }
    current = next;
  }
  return current;
}

/** `ast.literal_eval(value.title())` for booleans: 'true' → true, 'false' → false, anything else matches nothing. */
function boolFilter(v: string): boolean | undefined {
  const t = v.charAt(0).toUpperCase() + v.slice(1).toLowerCase();
  return t === 'True' ? true : t === 'False' ? false : undefined;
}

function schemaMatches(actual: unknown, wanted: string): boolean {
  if (typeof actual !== 'string') return false;
  const parts = actual.split('/').slice(0, 2);
  const namespace = parts[0] ?? '';
  const kind = parts[1] ?? '';
  return wanted === actual || `${namespace}/${kind}` === wanted || namespace === wanted;
}

/** deepfilter: whether `obj` satisfies every filter. */
export function matches(obj: unknown, filters: Record<string, FilterValue>): boolean {
  for (const [key, wanted] of Object.entries(filters)) {
    if (Array.isArray(wanted)) {
      const actual = valuesAt(obj, key);
      if (actual.length === 0) return false;
      const candidates = typeof actual[0] === 'boolean' ? wanted.map(boolFilter) : wanted;
      if (!actual.some((a) => candidates.includes(a as never))) return false;
      continue;
    }
    const all = valuesAt(obj, key);
    if (typeof wanted === 'object') {
      const actual = all[0];
      if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
      for (const [k, v] of Object.entries(wanted)) if ((actual as Record<string, unknown>)[k] !== v) return false;
      continue;
    }
    // A repeated-path filter (tags) matches when any value does.
    const candidates = key.includes('[*]') ? all : all.slice(0, 1);
    const ok = candidates.some((actual) => {
      if (typeof actual === 'boolean') return actual === boolFilter(wanted);
      if (key === 'schema' || key === 'metadata.schema') return schemaMatches(actual, wanted);
      return actual === wanted;
    });
    if (!ok) return false;
  }
  return true;
}

function compare(a: unknown, b: unknown): number {
  // Python would refuse to order None against a string; missing values sort first here.
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** multisort: stable, by each key in turn; `order=desc` reverses the order of keys, not of equal items. */
export function multisort<T>(items: readonly T[], keys: readonly string[], order: 'asc' | 'desc', view: (item: T) => unknown = (x) => x): T[] {
  const keyed = items.map((item, i) => ({ item, i, k: keys.map((key) => valuesAt(view(item), key)[0]) }));
  keyed.sort((x, y) => {
    for (let j = 0; j < keys.length; j++) {
      const c = compare(x.k[j], y.k[j]);
      if (c !== 0) return order === 'desc' ? -c : c;
    }
    // Python's sorted(reverse=True) keeps equal items in their original order too.
    return x.i - y.i;
  });
  return keyed.map((x) => x.item);
}
