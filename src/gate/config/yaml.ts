// YAML as Zuul reads it: PyYAML's safe loader (YAML 1.1 resolution: `yes`/`on`
// are booleans, `0644` is octal, `1_000` is an int, `1e3` is a string), Zuul's
// own tags (`!encrypted/pkcs1-oaep`, `!override`, `!inherit`), duplicate keys
// rejected, and a line number recorded for every mapping and sequence (and
// for every key and list item inside them) so that errors say file:line.

import yaml from 'js-yaml';
import { ConfigYamlError, type ConfigLocation } from './errors.js';
import { constructBool, constructFloat, constructInt, isYaml11Bool, isYaml11Float, isYaml11Int, isYaml11Null } from '../../core/yaml/index.js';

/** An `!encrypted/pkcs1-oaep` value, kept opaque (base64 chunks, not decrypted). */
export class EncryptedValue {
  readonly ciphertext: string | string[];
  constructor(ciphertext: string | string[]) {
    this.ciphertext = ciphertext;
  }
  /** The base64 chunks with the whitespace of folded scalars removed. */
  chunks(): string[] {
    const list = Array.isArray(this.ciphertext) ? this.ciphertext : [this.ciphertext];
    return list.map((c) => c.replace(/\s+/g, ''));
  }
  toJSON(): unknown {
    return { '!encrypted/pkcs1-oaep': this.chunks() };
  }
}

/** A value tagged `!override` (override: true) or `!inherit` (override: false). */
export class OverrideValue {
  readonly value: unknown;
  readonly override: boolean;
  constructor(value: unknown, override: boolean) {
    this.value = value;
    this.override = override;
  }
}

/** Where a node starts; for mappings, where each key is; for sequences, each item. */
export interface NodeMark {
  line: number; // 1-based
  column: number; // 1-based
  keyLines?: Record<string, number>;
  itemLines?: number[];
}

/** Line numbers of the objects of one parsed document. */
export class MarkTable {
  private readonly marks = new WeakMap<object, NodeMark>();

  set(obj: object, mark: NodeMark): void {
    if (!this.marks.has(obj)) this.marks.set(obj, mark);
  }

  get(obj: unknown): NodeMark | undefined {
    return obj !== null && typeof obj === 'object' ? this.marks.get(obj) : undefined;
  }

  line(obj: unknown): number | undefined {
    return this.get(obj)?.line;
  }

  /** Line of `key` inside mapping `obj`, falling back to the mapping's line. */
  keyLine(obj: unknown, key: string): number | undefined {
    const m = this.get(obj);
    return m?.keyLines?.[key] ?? m?.line;
  }

  /** Line of item `index` of sequence `obj`, falling back to the sequence's line. */
  itemLine(obj: unknown, index: number): number | undefined {
    const m = this.get(obj);
    return m?.itemLines?.[index] ?? m?.line;
  }
}

// --- YAML 1.1 scalar resolution, as PyYAML's resolver.py/constructor.py ---
// the regular expressions and conversions are PyYAML's, shared with the site's schema
const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: string | null) => data === null || isYaml11Null(data),
  construct: () => null,
  predicate: (o: unknown) => o === null,
  represent: () => 'null',
});

const boolType = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && isYaml11Bool(data),
  construct: constructBool,
  predicate: (o: unknown) => typeof o === 'boolean',
  represent: (o: object) => String(o),
});

const intType = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && isYaml11Int(data),
  construct: constructInt,
  predicate: (o: unknown) => typeof o === 'number' && Number.isInteger(o),
  represent: (o: object) => String(o),
});

const floatType = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && isYaml11Float(data),
  construct: constructFloat,
  predicate: (o: unknown) => typeof o === 'number' && !Number.isInteger(o),
  represent: (o: object) => String(o),
});

const encryptedScalar = new yaml.Type('!encrypted/pkcs1-oaep', {
  kind: 'scalar',
  construct: (data: string) => new EncryptedValue(data ?? ''),
  instanceOf: EncryptedValue,
});

const encryptedSequence = new yaml.Type('!encrypted/pkcs1-oaep', {
  kind: 'sequence',
  resolve: (data: unknown[] | null) => data !== null && data.every((x) => typeof x === 'string'),
  construct: (data: string[]) => new EncryptedValue(data ?? []),
  instanceOf: EncryptedValue,
});

function overrideTypes(tag: string, override: boolean): yaml.Type[] {
  return (['scalar', 'sequence', 'mapping'] as const).map((kind) => new yaml.Type(tag, {
    kind,
    resolve: (data: unknown) => kind !== 'scalar' || typeof data === 'string' || data === null,
    construct: (data: unknown) => new OverrideValue(
      kind === 'scalar' ? (data ?? '') : (data ?? (kind === 'sequence' ? [] : {})), override),
    instanceOf: OverrideValue,
  }));
}

// js-yaml exports its built-in types; @types/js-yaml does not declare them.
const builtin = (yaml as unknown as { types: Record<'timestamp' | 'merge' | 'binary' | 'omap' | 'pairs' | 'set', yaml.Type> }).types;

/**
 * PyYAML SafeLoader resolution plus Zuul's tags. Built from the failsafe
 * schema (str, seq, map) so js-yaml's YAML 1.2 core resolution never applies.
 */
export const ZUUL_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, builtin.timestamp, builtin.merge],
  explicit: [
    builtin.binary, builtin.omap, builtin.pairs, builtin.set,
    encryptedScalar, encryptedSequence,
    ...overrideTypes('!override', true),
    ...overrideTypes('!inherit', false),
  ],
});

/** The tenant file (main.yaml) is read with plain safe_load: no Zuul tags. */
export const SAFE_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, builtin.timestamp, builtin.merge],
  explicit: [builtin.binary, builtin.omap, builtin.pairs, builtin.set],
});

export interface ParsedYaml {
  data: unknown;
  marks: MarkTable;
}

interface Frame {
  line: number;
  column: number;
  children: Array<{ line: number; value: unknown }>;
}

interface LoaderState {
  input: string;
  position: number;
  line: number;
  lineStart: number;
  result: unknown;
  kind: string | null;
}

/** Skips whitespace, line breaks and comments from `state.position`; returns the 1-based line and column there. */
function contentStart(state: LoaderState): { line: number; column: number } {
  const input = state.input;
  let pos = state.position;
  let line = state.line;
  let lineStart = state.lineStart;
  for (;;) {
    const ch = input.charCodeAt(pos);
    if (ch === 0x20 || ch === 0x09) {
      pos++;
    } else if (ch === 0x0a) {
      pos++;
      line++;
      lineStart = pos;
    } else if (ch === 0x0d) {
      pos++;
      if (input.charCodeAt(pos) === 0x0a) pos++;
      line++;
      lineStart = pos;
    } else if (ch === 0x23 /* # */) {
      while (pos < input.length && input.charCodeAt(pos) !== 0x0a && input.charCodeAt(pos) !== 0x0d) pos++;
    } else {
      break;
    }
  }
  return { line: line + 1, column: pos - lineStart + 1 };
}

function isPlainMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function recordMark(marks: MarkTable, value: unknown, frame: Frame): void {
  if (value === null || typeof value !== 'object') return;
  const mark: NodeMark = { line: frame.line, column: frame.column };
  const target = value instanceof OverrideValue ? value.value : value;
  if (Array.isArray(target)) {
    mark.itemLines = frame.children.map((c) => c.line);
  } else if (isPlainMapping(target) && frame.children.length % 2 === 0) {
    const keyLines: Record<string, number> = {};
    for (let i = 0; i < frame.children.length; i += 2) {
      const k = frame.children[i].value;
      if (k !== null && typeof k !== 'object') {
        const key = String(k);
        if (!(key in keyLines)) keyLines[key] = frame.children[i].line;
      }
    }
    mark.keyLines = keyLines;
  }
  marks.set(value, mark);
  if (value instanceof OverrideValue && value.value !== null && typeof value.value === 'object') {
    marks.set(value.value, mark);
  }
}

export interface LoadYamlOptions {
  /** Where the text came from, for error messages. */
  location?: Omit<ConfigLocation, 'line' | 'column'>;
  schema?: yaml.Schema;
}

/**
 * Parses one YAML document. Throws ConfigYamlError (with the line and column
 * of the problem) on invalid YAML, duplicate keys or unknown tags.
 */
export function loadYaml(text: string, opts: LoadYamlOptions = {}): ParsedYaml {
  const marks = new MarkTable();
  const stack: Frame[] = [];
  const listener = (event: 'open' | 'close', state: LoaderState): void => {
    if (event === 'open') {
      const { line, column } = contentStart(state);
      stack.push({ line, column, children: [] });
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    const value = state.result;
    recordMark(marks, value, frame);
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push({ line: frame.line, value });
  };
  const location = opts.location ?? { path: '<string>' };
  let data: unknown;
  try {
    data = yaml.load(text, {
      schema: opts.schema ?? ZUUL_YAML_SCHEMA,
      filename: location.path,
      listener: listener as unknown as yaml.LoadOptions['listener'],
    });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { line?: number; column?: number } | undefined;
      const reason = (err.reason || err.message).replace(/^duplicated mapping key$/, 'duplicate mapping key');
      throw new ConfigYamlError(reason, {
        location: {
          ...location,
          line: mark?.line !== undefined ? mark.line + 1 : undefined,
          column: mark?.column !== undefined ? mark.column + 1 : undefined,
        },
      });
    }
    throw err;
  }
  return { data, marks };
}

/** A human description of a YAML value's type, in Python's words (Zuul's messages use them). */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (v instanceof EncryptedValue) return 'encrypted';
  if (v instanceof OverrideValue) return `!${v.override ? 'override' : 'inherit'}`;
  if (v instanceof Date) return 'date';
  return 'dict';
}
