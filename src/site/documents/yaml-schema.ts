/**
 * A js-yaml schema that resolves plain scalars the way PyYAML's SafeLoader
 * (YAML 1.1) does, because Deckhand and Pegleg read documents with PyYAML:
 * `0644` is the integer 420, `yes`/`no`/`on`/`off` are booleans, `1e3` and a
 * bare `.` stay strings, `1:30` is 90. The regular expressions are PyYAML's
 * (yaml/resolver.py), and like PyYAML a resolver is only tried when the
 * scalar's first character could start it.
 *
 * Where PyYAML would build a Python object JSON has no word for, we choose:
 * timestamps stay the string they were written as (a document's data must be
 * JSON), and tags nobody registered load as null, as Pegleg's loader makes
 * them (it adds a catch-all constructor returning None). `=` (YAML 1.1's
 * "value" type) also hits that catch-all in Pegleg, so it loads as null too.
 */
import yaml from 'js-yaml';

const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_RE = new RegExp(
  '^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?' +
    '|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?' +
    '|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*' +
    '|[-+]?\\.(?:inf|Inf|INF)' +
    '|\\.(?:nan|NaN|NAN))$',
);
const INT_RE = new RegExp(
  '^(?:[-+]?0b[0-1_]+' +
    '|[-+]?0[0-7_]+' +
    '|[-+]?(?:0|[1-9][0-9_]*)' +
    '|[-+]?0x[0-9a-fA-F_]+' +
    '|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$',
);
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE = new RegExp(
  '^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' +
    '|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?' +
    '(?:[Tt]|[ \\t]+)[0-9][0-9]?' +
    ':[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?' +
    '(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$',
);

/** First characters each resolver is registered for in PyYAML. */
const BOOL_FIRST = new Set('yYnNtTfFoO');
const FLOAT_FIRST = new Set('-+0123456789.');
const INT_FIRST = new Set('-+0123456789');
const NULL_FIRST = new Set('~nN');
const DIGITS = new Set('0123456789');

function isString(data: unknown): data is string {
  return typeof data === 'string';
}

/** Would PyYAML resolve this plain scalar to a bool? */
export function isYaml11Bool(s: string): boolean {
  return s.length > 0 && BOOL_FIRST.has(s[0]) && BOOL_RE.test(s);
}

export function isYaml11Float(s: string): boolean {
  return s.length > 0 && FLOAT_FIRST.has(s[0]) && FLOAT_RE.test(s);
}

export function isYaml11Int(s: string): boolean {
  return s.length > 0 && INT_FIRST.has(s[0]) && INT_RE.test(s);
}

export function isYaml11Null(s: string): boolean {
  return s === '' || (NULL_FIRST.has(s[0]) && NULL_RE.test(s));
}

export function isYaml11Timestamp(s: string): boolean {
  return s.length > 0 && DIGITS.has(s[0]) && TIMESTAMP_RE.test(s);
}

/**
 * Whether a plain (unquoted) scalar with this text would load as anything
 * but the same string under PyYAML's resolver. The emitter quotes these.
 */
export function resolvesAsNonString(s: string): boolean {
  // PyYAML tries, in order, bool, float, int, merge, null, timestamp, value.
  return (
    isYaml11Bool(s) || isYaml11Float(s) || isYaml11Int(s) || s === '<<' || isYaml11Null(s) || isYaml11Timestamp(s) || s === '='
  );
}

function constructBool(s: string): boolean {
  const c = s[0];
  return c === 'y' || c === 'Y' || c === 't' || c === 'T' || s === 'on' || s === 'On' || s === 'ON';
}

function constructInt(text: string): number {
  let s = text.replace(/_/g, '');
  let sign = 1;
  if (s[0] === '-') sign = -1;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  if (s === '0') return 0;
  if (s.startsWith('0b')) return sign * parseIntStrict(s.slice(2), 2, text);
  if (s.startsWith('0x')) return sign * parseIntStrict(s.slice(2), 16, text);
  if (s[0] === '0') return sign * parseIntStrict(s, 8, text);
  if (s.includes(':')) {
    let value = 0;
    for (const part of s.split(':')) value = value * 60 + parseInt(part, 10);
    return sign * value;
  }
  return sign * Number(s);
}

function parseIntStrict(digits: string, radix: number, text: string): number {
  // `0b_` passes PyYAML's regex but int('', 2) fails: reject it as PyYAML does.
  if (digits === '') throw new Error(`invalid integer ${JSON.stringify(text)}`);
  return parseInt(digits, radix);
}

function constructFloat(text: string): number {
  let s = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s[0] === '-') sign = -1;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  if (s === '.inf') return sign * Infinity;
  if (s === '.nan') return NaN;
  if (s.includes(':')) {
    let value = 0;
    for (const part of s.split(':')) value = value * 60 + parseFloat(part);
    return sign * value;
  }
  return sign * Number(s.endsWith('.') ? s + '0' : s);
}

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (d: unknown) => d === null || (isString(d) && isYaml11Null(d)),
  construct: () => null,
});

const boolType = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (d: unknown) => isString(d) && isYaml11Bool(d),
  construct: constructBool,
});

const intType = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (d: unknown) => isString(d) && isYaml11Int(d),
  construct: constructInt,
});

const floatType = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (d: unknown) => isString(d) && isYaml11Float(d),
  construct: constructFloat,
});

const timestampType = new yaml.Type('tag:yaml.org,2002:timestamp', {
  kind: 'scalar',
  resolve: (d: unknown) => isString(d) && isYaml11Timestamp(d),
  construct: (d: string) => d,
});

// js-yaml recognises merge keys by this tag when it builds a mapping.
const mergeType = new yaml.Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (d: unknown) => d === '<<',
});

const valueType = new yaml.Type('tag:yaml.org,2002:value', {
  kind: 'scalar',
  resolve: (d: unknown) => d === '=',
  construct: () => null,
});

// PyYAML builds bytes, which Pegleg decodes to str before rendering (its
// managed documents carry encrypted data this way); JSON needs a string too.
const binaryType = new yaml.Type('tag:yaml.org,2002:binary', {
  kind: 'scalar',
  resolve: (d: unknown) => typeof d === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(d),
  construct: (d: string) => {
    const bytes = Buffer.from(d.replace(/\s+/g, ''), 'base64');
    const text = bytes.toString('utf8');
    return Buffer.from(text, 'utf8').equals(bytes) ? text : bytes.toString('latin1');
  },
});

// Pegleg registers a constructor for every tag prefix that returns None.
const unknownTags = (['scalar', 'sequence', 'mapping'] as const).map(
  (kind) => new yaml.Type('', { kind, multi: true, construct: () => null }),
);

const NOT_RESOLVED = Symbol('string');

/**
 * All of PyYAML's implicit resolvers but merge in one function, dispatching
 * on the first character as PyYAML does: js-yaml would otherwise call seven
 * resolvers for every plain scalar, keys included. Same results, same order.
 */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
    if (FLOAT_RE.test(s)) return constructFloat(s);
    if (c !== 0x2e && INT_RE.test(s)) return constructInt(s);
    if (c >= 0x30 && c <= 0x39 && TIMESTAMP_RE.test(s)) return s;
    return NOT_RESOLVED;
  }
  if (s.length <= 5 && BOOL_FIRST.has(s[0]) && BOOL_RE.test(s)) return constructBool(s);
  if (s.length <= 4 && (c === 0x7e || c === 0x6e || c === 0x4e) && NULL_RE.test(s)) return null;
  if (s === '=') return null;
  return NOT_RESOLVED;
}

// js-yaml calls resolve and then construct on the same scalar, back to back.
let resolved: unknown;
const plainType = new yaml.Type('tag:strata,2024:yaml11-plain', {
  kind: 'scalar',
  resolve: (d: unknown) => {
    if (typeof d !== 'string' || d === '') return false;
    resolved = resolvePlain(d);
    return resolved !== NOT_RESOLVED;
  },
  construct: () => resolved,
});

/**
 * PyYAML SafeLoader resolution, in PyYAML's resolver order. The single
 * types stay registered for explicit tags (`!!int "0644"`).
 */
export const PYYAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [mergeType, plainType],
  explicit: [boolType, floatType, intType, nullType, timestampType, valueType, binaryType, ...unknownTags],
});
