/**
 * Small pieces every Ironic resource uses: links, times, Ironic's boolean
 * and integer parsing, limit/sort validation, and JSON Schema checks whose
 * messages read like Ironic's ("Schema error for node: …").
 */
import AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { invalid, invalidParameter } from '../conductor/errors.js';

export interface Link {
  href: string;
  rel: string;
  type?: string;
}

/** Ironic's link.build_url: `{url}/v1/{res}/{args}`, or `{url}/{res}/{args}` for a bookmark. */
export function buildUrl(base: string, resource: string, args: string, bookmark = false): string {
  const head = bookmark ? `${base}/${resource}` : `${base}/v1/${resource}`;
  return args.startsWith('?') ? head + args : `${head}/${args}`;
}

export function makeLink(rel: string, base: string, resource: string, args: string, bookmark = false): Link {
  return { href: buildUrl(base, resource, args, bookmark), rel };
}

/** The self and bookmark links of a resource. */
export function selfLinks(base: string, resource: string, args: string): Link[] {
  return [makeLink('self', base, resource, args), makeLink('bookmark', base, resource, args, true)];
}

/** Times as Ironic renders them: ISO 8601 with an explicit UTC offset. */
export function isoTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

const TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/** oslo's bool_from_string(strict=True), as Ironic's args.boolean applies it. */
export function toBool(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw invalidParameter(
    `Invalid ${name}: Unrecognized value '${String(value)}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`,
  );
}

export function optBool(name: string, value: unknown): boolean | undefined {
  return value === undefined || value === null || value === '' ? undefined : toBool(name, value);
}

export function toInt(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  throw invalidParameter(`Expected an integer for ${name}: ${String(value)}`);
}

/** Ironic's validate_limit: positive, at most max_limit; none means max_limit. */
export function validateLimit(value: unknown, maxLimit: number): number {
  if (value === undefined || value === null || value === '') return maxLimit;
  const n = toInt('limit', value);
  if (n <= 0) throw invalid('Limit must be positive');
  return Math.min(n, maxLimit);
}

export function validateSortDir(value: unknown): 'asc' | 'desc' {
  const v = value === undefined || value === '' ? 'asc' : String(value);
  if (v !== 'asc' && v !== 'desc') throw invalid(`Invalid sort direction: ${v}. Acceptable values are 'asc' or 'desc'`);
  return v;
}

export function sortKeyChecked(key: unknown, sortable: Readonly<Record<string, unknown>>, fallback = 'id'): string {
  const k = key === undefined || key === '' ? fallback : String(key);
  if (!Object.prototype.hasOwnProperty.call(sortable, k)) throw invalidParameter(`The sort_key value "${k}" is an invalid field for sorting`);
  return k;
}

/** `fields=a,b,c` as a list (Ironic's args.string_list); undefined when absent. */
export function fieldList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list;
}

// ---------------------------------------------------------------------------
// JSON Schema with jsonschema-like messages
// ---------------------------------------------------------------------------

const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const ajv = new (Ajv as any)({ allErrors: false, strict: false }) as import('ajv').default;
const compiled = new WeakMap<object, ValidateFunction>();

function describe(e: ErrorObject): string {
  const at = e.instancePath ? ` (at ${e.instancePath})` : '';
  switch (e.keyword) {
    case 'required':
      return `'${(e.params as { missingProperty: string }).missingProperty}' is a required property${at}`;
    case 'additionalProperties':
      return `Additional properties are not allowed ('${(e.params as { additionalProperty: string }).additionalProperty}' was unexpected)${at}`;
    case 'type': {
      const t = (e.params as { type: string | string[] }).type;
      const types = (Array.isArray(t) ? t : String(t).split(',')).map((x) => `'${x}'`).join(', ');
      return `${JSON.stringify(e.data)} is not of type ${types}${at}`;
    }
    case 'maxLength':
      return `${JSON.stringify(e.data)} is too long${at}`;
    case 'minLength':
      return `${JSON.stringify(e.data)} is too short${at}`;
    case 'enum':
      return `${JSON.stringify(e.data)} is not one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}${at}`;
    case 'pattern':
      return `${JSON.stringify(e.data)} does not match '${(e.params as { pattern: string }).pattern}'${at}`;
    default:
      return `${e.message ?? 'is invalid'}${at}`;
  }
}

/** Validates `value` against `schema`; throws 400 "Schema error for NAME: …" as Ironic's args.schema does. */
export function checkSchema(name: string, schema: object, value: unknown): void {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile({ ...schema, $async: false });
    compiled.set(schema, v);
  }
  if (!v(value)) {
    const e = v.errors?.[0];
    throw invalidParameter(`Schema error for ${name}: ${e ? describe({ ...e, data: e.data ?? pick(value, e.instancePath) }) : 'invalid'}`);
  }
}

function pick(value: unknown, pointer: string): unknown {
  let cur = value;
  for (const part of pointer.split('/').slice(1)) {
    if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    else return undefined;
  }
  return cur;
}

const MAC_RE = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

/** Ironic's validate_and_normalize_mac: lower case, colon-separated. */
export function normalizeMac(value: unknown): string {
  if (typeof value !== 'string' || !MAC_RE.test(value)) throw invalidParameter(`Expected a MAC address but received ${String(value)}.`);
  return value.toLowerCase().replace(/-/g, ':');
}

/** Ironic's is_valid_logical_name (RFC 3986 unreserved characters, up to 255). */
export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && /^[A-Za-z0-9._~-]+$/.test(name);
}

export const UUID_STRICT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
