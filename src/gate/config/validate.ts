// A small schema language for configuration objects, in the spirit of the
// voluptuous schemas Zuul declares in configloader.py: checks are plain
// functions, composed; a failed check names the attribute path, which the
// caller turns into a line number through the document's MarkTable.

import { ConfigSchemaError, type ConfigLocation } from './errors.js';
import { EncryptedValue, OverrideValue, typeName, type MarkTable } from './yaml.js';

export type Path = ReadonlyArray<string | number>;

export interface Issue {
  path: Path;
  message: string;
}

export type Check = (value: unknown, path: Path) => Issue | null;

export function formatPath(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : (s ? `.${p}` : p);
  return s;
}

function issue(path: Path, message: string): Issue {
  return { path, message };
}

export const any: Check = () => null;

export const str: Check = (v, p) => (typeof v === 'string' ? null : issue(p, `expected str, got ${typeName(v)}`));

export const bool: Check = (v, p) => (typeof v === 'boolean' ? null : issue(p, `expected bool, got ${typeName(v)}`));

export const int: Check = (v, p) =>
  (typeof v === 'number' && Number.isInteger(v) ? null : issue(p, `expected int, got ${typeName(v)}`));

export const float: Check = (v, p) => (typeof v === 'number' ? null : issue(p, `expected float, got ${typeName(v)}`));

export const nullValue: Check = (v, p) => (v === null ? null : issue(p, `expected null, got ${typeName(v)}`));

export const encrypted: Check = (v, p) =>
  (v instanceof EncryptedValue ? null : issue(p, `expected an !encrypted/pkcs1-oaep value, got ${typeName(v)}`));

export function intRange(min: number, max = Infinity): Check {
  return (v, p) => {
    const e = int(v, p);
    if (e) return e;
    const n = v as number;
    if (n < min) return issue(p, `value must be at least ${min}`);
    if (n > max) return issue(p, `value must be at most ${max}`);
    return null;
  };
}

export function oneOf(...values: ReadonlyArray<string | number | boolean>): Check {
  return (v, p) => (values.includes(v as string) ? null
    : issue(p, `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v)}`));
}

export function regexMatch(re: RegExp, what: string): Check {
  return (v, p) => {
    const e = str(v, p);
    if (e) return e;
    return re.test(v as string) ? null : issue(p, `invalid ${what} "${String(v)}"`);
  };
}

/** Tries each alternative; reports the failure that got deepest into the value. */
export function anyOf(...checks: Check[]): Check {
  return (v, p) => {
    let best: Issue | null = null;
    for (const c of checks) {
      const e = c(v, p);
      if (!e) return null;
      if (!best || e.path.length > best.path.length) best = e;
    }
    return best;
  };
}

export function listOf(item: Check): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return issue(p, `expected a list, got ${typeName(v)}`);
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], [...p, i]);
      if (e) return e;
    }
    return null;
  };
}

/** Zuul's to_list(x): a single x or a list of x. */
export function toList(item: Check): Check {
  return (v, p) => (Array.isArray(v) ? listOf(item)(v, p) : item(v, p));
}

/** Accepts a value wrapped in !override / !inherit as well as a bare one. */
export function overridable(check: Check): Check {
  return (v, p) => check(v instanceof OverrideValue ? v.value : v, p);
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) &&
    !(v instanceof EncryptedValue) && !(v instanceof OverrideValue) && !(v instanceof Date);
}

export interface DictOptions {
  required?: readonly string[];
  /** Check for keys not listed in `fields`; absent means extra keys are an error. */
  extra?: Check;
  /** Check applied to the names of extra keys. */
  extraKey?: Check;
}

export function dict(fields: Record<string, Check>, opts: DictOptions = {}): Check {
  return (v, p) => {
    if (!isMapping(v)) return issue(p, `expected a dictionary, got ${typeName(v)}`);
    for (const k of opts.required ?? []) {
      if (!(k in v)) return issue(p, `required key "${k}" not provided`);
    }
    for (const [k, val] of Object.entries(v)) {
      const f = Object.prototype.hasOwnProperty.call(fields, k) ? fields[k] : undefined;
      if (f) {
        const e = f(val, [...p, k]);
        if (e) return e;
      } else if (opts.extra) {
        if (opts.extraKey) {
          const ek = opts.extraKey(k, [...p, k]);
          if (ek) return ek;
        }
        const e = opts.extra(val, [...p, k]);
        if (e) return e;
      } else {
        return issue([...p, k], `extra key "${k}" not allowed`);
      }
    }
    return null;
  };
}

/** A mapping whose values all pass `value`. */
export function dictOf(value: Check, key?: Check): Check {
  return dict({}, { extra: value, extraKey: key });
}

/** Finds the line of the node at `path` under `root`. */
export function lineAt(marks: MarkTable, root: unknown, path: Path): number | undefined {
  let node: unknown = root;
  let line = marks.line(root);
  for (const p of path) {
    if (node instanceof OverrideValue) node = node.value;
    if (typeof p === 'number' && Array.isArray(node)) {
      line = marks.itemLine(node, p) ?? line;
      node = node[p];
    } else if (typeof p === 'string' && isMapping(node)) {
      line = marks.keyLine(node, p) ?? line;
      node = node[p];
    } else {
      break;
    }
  }
  return line;
}

/**
 * Runs `check` on an object read from a file; throws ConfigSchemaError
 * located at the offending attribute.
 */
export function validate(check: Check, value: unknown, where: { marks: MarkTable; location: ConfigLocation; stanza?: string; name?: string; basePath?: Path }): void {
  const e = check(value, where.basePath ?? []);
  if (!e) return;
  const rel = e.path.slice((where.basePath ?? []).length);
  const line = rel.length ? lineAt(where.marks, value, rel) ?? where.location.line : where.location.line;
  const attrPath = formatPath(e.path);
  throw new ConfigSchemaError(attrPath ? `${e.message} (at ${attrPath})` : e.message, {
    location: { ...where.location, line },
    stanza: where.stanza,
    objectName: where.name,
    attr: typeof e.path[0] === 'string' ? e.path[0] : undefined,
  });
}

/** Zuul's as_list: null/undefined -> [], scalar -> [scalar], list -> list. */
export function asList<T>(v: T | T[] | null | undefined): T[] {
  if (v === null || v === undefined || (v as unknown) === '' || (v as unknown) === false) return [];
  return Array.isArray(v) ? v : [v];
}
