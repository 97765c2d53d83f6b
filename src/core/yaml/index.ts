/**
 * YAML 1.1 plain-scalar resolution as PyYAML's SafeLoader does it (its
 * resolver.py regular expressions, tried only when the first character
 * could start them, and constructor.py's conversions): `0644` is 420,
 * `yes`/`on` are true, `1e3` stays a string, `1:30` is 90. Zuul reads its
 * configuration and Deckhand and Pegleg their documents with PyYAML, so the
 * gate's and the site's schemas are both built from these.
 */
export const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
export const FLOAT_RE = new RegExp(
  '^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?' +
    '|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?' +
    '|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*' +
    '|[-+]?\\.(?:inf|Inf|INF)' +
    '|\\.(?:nan|NaN|NAN))$',
);
export const INT_RE = new RegExp(
  '^(?:[-+]?0b[0-1_]+' +
    '|[-+]?0[0-7_]+' +
    '|[-+]?(?:0|[1-9][0-9_]*)' +
    '|[-+]?0x[0-9a-fA-F_]+' +
    '|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$',
);
export const NULL_RE = /^(?:~|null|Null|NULL|)$/;
export const TIMESTAMP_RE = new RegExp(
  '^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' +
    '|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?' +
    '(?:[Tt]|[ \\t]+)[0-9][0-9]?' +
    ':[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?' +
    '(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$',
);

/** First characters each resolver is registered for in PyYAML. */
export const BOOL_FIRST = new Set('yYnNtTfFoO');
const FLOAT_FIRST = new Set('-+0123456789.');
const INT_FIRST = new Set('-+0123456789');
const NULL_FIRST = new Set('~nN');
const DIGITS = new Set('0123456789');

export function isString(data: unknown): data is string {
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

export function constructBool(s: string): boolean {
  const c = s[0];
  return c === 'y' || c === 'Y' || c === 't' || c === 'T' || s === 'on' || s === 'On' || s === 'ON';
}

export function constructInt(text: string): number {
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

export function constructFloat(text: string): number {
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

