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

import {
  BOOL_FIRST,
  BOOL_RE,
  FLOAT_RE,
  INT_RE,
  NULL_RE,
  TIMESTAMP_RE,
  constructBool,
  constructFloat,
  constructInt,
  isString,
  isYaml11Bool,
  isYaml11Float,
  isYaml11Int,
  isYaml11Null,
  isYaml11Timestamp,
} from '../../core/yaml/index.js';

export { resolvesAsNonString } from '../../core/yaml/index.js';

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
