/**
 * The JSONPath subset Deckhand documents use (`.a.b[0]`, `$.a`, `.'dotted.key'`,
 * `.` for the whole data section), read as jsonpath_ng reads it, and the two
 * operations Deckhand builds on it: read the first match, and write a value,
 * creating the missing mappings and list entries on the way as Deckhand's
 * `jsonpath_replace` does.
 *
 * Writes never mutate: they copy the containers along the path and share
 * everything else, so rendering needs no deep copies of document data.
 */

export type PathSegment = string | number;

/** A path the grammar does not accept (wildcards, filters, syntax errors). */
export class PathSyntaxError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`invalid path ${JSON.stringify(path)}: ${reason}`);
  }
}

/** A write that cannot go through: the path runs into a scalar or a list where a mapping is needed. */
export class PathConflictError extends Error {
  constructor(
    readonly path: string,
    readonly at: PathSegment[],
    found: string,
  ) {
    super(`cannot create path ${path}: ${displayPath(at)} is ${found}`);
  }
}

const ID = /[a-zA-Z_@][a-zA-Z0-9_@-]*/y;
const INDEX = /\[\s*(-?\d+)\s*\]/y;
const BRACKET_QUOTED = /\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/y;
const QUOTED = /(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/y;

const cache = new Map<string, PathSegment[]>();

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** `.a.b[0]` → ['a', 'b', 0]; `.` and `$` → []. */
export function parsePath(path: string): PathSegment[] {
  const hit = cache.get(path);
  if (hit) return hit;
  if (typeof path !== 'string') throw new PathSyntaxError(String(path), 'not a string');
  let s = path.trim();
  if (s === '.' || s === '$') return remember(path, []);
  if (s.startsWith('$')) s = s.slice(1);
  else if (!s.startsWith('.')) throw new PathSyntaxError(path, 'must begin with "." or "$"');
  const segs: PathSegment[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      i++;
      ID.lastIndex = i;
      QUOTED.lastIndex = i;
      let m = ID.exec(s);
      if (m) {
        segs.push(m[0]);
        i = ID.lastIndex;
        continue;
      }
      m = QUOTED.exec(s);
      if (m) {
        segs.push(unescape(m[1] ?? m[2]));
        i = QUOTED.lastIndex;
        continue;
      }
      throw new PathSyntaxError(path, `unexpected ${JSON.stringify(s.slice(i, i + 1) || 'end')} at ${i + 1}`);
    }
    if (c === '[') {
      INDEX.lastIndex = i;
      let m = INDEX.exec(s);
      if (m) {
        segs.push(Number(m[1]));
        i = INDEX.lastIndex;
        continue;
      }
      BRACKET_QUOTED.lastIndex = i;
      m = BRACKET_QUOTED.exec(s);
      if (m) {
        segs.push(unescape(m[1] ?? m[2]));
        i = BRACKET_QUOTED.lastIndex;
        continue;
      }
      throw new PathSyntaxError(path, 'only [N] indices and quoted keys are supported in brackets');
    }
    throw new PathSyntaxError(path, `unexpected ${JSON.stringify(c)} at ${i + 1}`);
  }
  return remember(path, segs);
}

function remember(path: string, segs: PathSegment[]): PathSegment[] {
  if (cache.size > 10000) cache.clear();
  cache.set(path, segs);
  return segs;
}

export function displayPath(segs: readonly PathSegment[]): string {
  if (segs.length === 0) return '.';
  return segs.map((s) => (typeof s === 'number' ? `[${s}]` : /^[a-zA-Z_@][a-zA-Z0-9_@-]*$/.test(s) ? `.${s}` : `.'${s}'`)).join('');
}

/** `obj[key] = value` that also works for a key named `__proto__` (YAML allows it). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** A fresh copy of a JSON value, sharing nothing with it. */
export function deepCopy<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const a = new Array(v.length);
    for (let i = 0; i < v.length; i++) a[i] = deepCopy(v[i]);
    return a as T;
  }
  const o: Record<string, unknown> = {};
  const src = v as Record<string, unknown>;
  for (const k in src) {
    if (k === '__proto__') setOwn(o, k, deepCopy(src[k]));
    else o[k] = deepCopy(src[k]);
  }
  return o as T;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function at(list: unknown[], i: number): number {
  return i < 0 ? list.length + i : i;
}

/** The first match of the path, as jsonpath_ng finds it; `found` is false when nothing matches. */
export function getPath(data: unknown, segs: readonly PathSegment[]): { found: boolean; value: unknown } {
  let cur = data;
  for (const seg of segs) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return { found: false, value: undefined };
      const i = at(cur, seg);
      if (i < 0 || i >= cur.length) return { found: false, value: undefined };
      cur = cur[i];
    } else {
      if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false, value: undefined };
      cur = cur[seg];
    }
  }
  return { found: true, value: cur };
}

/** Deckhand's `jsonpath_parse`: the value at the path, or undefined when absent (a null there reads as null). */
export function readPath(data: unknown, segs: readonly PathSegment[]): unknown {
  return getPath(data, segs).value;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

/**
 * `data` with `value` at the path (not at the root: callers decide what a
 * root write means). Missing keys become mappings and missing list entries
 * `{}`, as Deckhand's path expansion makes them. Shares all untouched
 * structure with `data`.
 */
export function writePath(data: unknown, segs: readonly PathSegment[], value: unknown, path = displayPath(segs)): unknown {
  if (segs.length === 0) return value;
  return writeAt(data, segs, 0, value, path);
}

function writeAt(node: unknown, segs: readonly PathSegment[], k: number, value: unknown, path: string): unknown {
  const seg = segs[k];
  const last = k === segs.length - 1;
  if (typeof seg === 'number') {
    if (!Array.isArray(node)) throw new PathConflictError(path, segs.slice(0, k) as PathSegment[], describe(node));
    const copy = node.slice();
    const i = seg < 0 ? copy.length + seg : seg;
    if (i < 0) throw new PathConflictError(path, segs.slice(0, k + 1) as PathSegment[], 'out of range');
    while (copy.length <= i) copy.push({});
    copy[i] = last ? value : writeAt(copy[i], segs, k + 1, value, path);
    return copy;
  }
  if (!isObject(node)) throw new PathConflictError(path, segs.slice(0, k) as PathSegment[], describe(node));
  const copy: Record<string, unknown> = { ...node };
  if (last) setOwn(copy, seg, value);
  else {
    let child = Object.prototype.hasOwnProperty.call(node, seg) ? node[seg] : undefined;
    // A missing key becomes a mapping, or a list when an index follows.
    if (child === undefined) child = typeof segs[k + 1] === 'number' ? [] : {};
    setOwn(copy, seg, writeAt(child, segs, k + 1, value, path));
  }
  return copy;
}
