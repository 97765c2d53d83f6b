/**
 * YAML text byte for byte as PyYAML's `safe_dump` / `safe_dump_all` writes
 * it with its defaults (block style, sorted keys, width 80, indent 2, ASCII
 * only), which is what Deckhand answers with. Clients that diff or hash
 * Deckhand's responses see the same bytes.
 *
 * The emitter follows PyYAML's: the same scalar analysis decides between
 * plain, single- and double-quoted styles, long scalars fold at spaces past
 * column 80, sequences under a mapping key are not indented, empty
 * collections are written in flow style (`{}`, `[]`). Values are JSON
 * (integral numbers print as Python ints). Shared sub-objects are written
 * out again rather than as anchors and aliases.
 */


// PyYAML's implicit resolvers (YAML 1.1), keyed by first character as it keys them.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const MERGE = /^(?:<<)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const VALUE = /^(?:=)$/;
const YAML_IND = /^(?:!|&|\*)$/;

const RESOLVERS: [string, RegExp][] = [
  ['yYnNtTfFoO', BOOL],
  ['-+0123456789.', FLOAT],
  ['-+0123456789', INT],
  ['<', MERGE],
  ['~nN', NULL],
  ['0123456789', TIMESTAMP],
  ['=', VALUE],
  ['!&*', YAML_IND],
];

/** Python's `re.match(r'^…$', s)`: `$` also matches before one final newline. */
function pyFullMatch(re: RegExp, s: string): boolean {
  return re.test(s) || (s.endsWith('\n') && re.test(s.slice(0, -1)));
}

/** Whether PyYAML reads `s`, written plain, back as a string. */
export function resolvesAsString(s: string): boolean {
  if (s === '') return !pyFullMatch(NULL, s);
  for (const [first, re] of RESOLVERS) {
    if (first.includes(s[0]) && pyFullMatch(re, s)) return false;
  }
  return true;
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

function isBreak(c: number): boolean {
  return c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
}

function isSpaceOrBreak(c: number): boolean {
  return c === 0x00 || c === 0x20 || c === 0x09 || c === 0x0d || isBreak(c);
}

/**
 * PyYAML's analyze_scalar. It walks code points; walking UTF-16 units gives
 * the same answer here because every unit of a non-ASCII character is
 * "special" (ASCII-only output) and every indicator is ASCII.
 */
function analyze(s: string): Analysis {
  const n = s.length;
  if (n === 0) return { empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true };
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = n === 1 || isSpaceOrBreak(s.charCodeAt(1));
  let previousSpace = false;
  let previousBreak = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (i === 0) {
      // # , [ ] { } & * ! | > ' " % @ `
      if (c === 0x23 || c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x26 || c === 0x2a || c === 0x21 || c === 0x7c || c === 0x3e || c === 0x27 || c === 0x22 || c === 0x25 || c === 0x40 || c === 0x60) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (c === 0x3f || c === 0x3a) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (c === 0x2d && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (c === 0x2c || c === 0x3f || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) flowIndicators = true;
      if (c === 0x3a) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (c === 0x23 && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    const brk = isBreak(c);
    if (brk) lineBreaks = true;
    // ASCII only (allow_unicode is off): anything else needs escapes.
    if (!(c === 0x0a || (c >= 0x20 && c <= 0x7e))) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (brk) {
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isSpaceOrBreak(c);
    followedByWhitespace = i + 2 >= n || isSpaceOrBreak(s.charCodeAt(i + 2));
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\t': 't',
  '\n': 'n',
  '\x0b': 'v',
  '\x0c': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

/** Python's `repr(float)` lower-cased, with PyYAML's `.0` fix for `1e17`-like forms. */
export function pyyamlFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  let s: string;
  const [mant, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    s = `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else {
    const digits = mant.replace(/^-/, '').replace('.', '').length;
    s = n.toFixed(Math.max(0, digits - 1 - exp));
    if (!s.includes('.')) s += '.0';
  }
  if (!s.includes('.') && s.includes('e')) s = s.replace('e', '.0e');
  return s;
}

/** A scalar as the representer hands it to the emitter: its text and whether plain text reads back the same. */
function represent(v: unknown): { text: string; implicitPlain: boolean } {
  if (v === null || v === undefined) return { text: 'null', implicitPlain: true };
  if (v === true) return { text: 'true', implicitPlain: true };
  if (v === false) return { text: 'false', implicitPlain: true };
  if (typeof v === 'number') {
    // JSON cannot tell 1.0 from 1: integral values are Python ints, as Deckhand's parsed YAML mostly has them.
    if (Number.isSafeInteger(v)) return { text: String(v), implicitPlain: true };
    return { text: pyyamlFloat(v), implicitPlain: true };
  }
  if (typeof v === 'bigint') return { text: v.toString(), implicitPlain: true };
  if (typeof v === 'string') return { text: v, implicitPlain: resolvesAsString(v) };
  throw new TypeError(`cannot write a ${typeof v} as YAML`);
}

function compareCodePoints(a: string, b: string): number {
  // Python sorts str by code point; JavaScript's `<` compares UTF-16 units.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

class Emitter {
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;
  private readonly width = 80;

  text(): string {
    return this.out;
  }

  private write(data: string): void {
    this.out += data;
  }

  private indicator(text: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? text : ' ' + text;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += data.length;
    this.openEnded = false;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
      this.column = indent;
    }
  }

  private lineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.write(data);
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? 2 : 0;
    else if (!indentless) this.indent += 2;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  stream(values: readonly unknown[]): void {
    values.forEach((v, i) => this.document(v, i === 0));
    if (this.openEnded) {
      this.indicator('...', true);
      this.writeIndent();
    }
  }

  private document(v: unknown, first: boolean): void {
    if (!first) {
      this.writeIndent();
      this.indicator('---', true);
    }
    this.node(v, { root: true, sequence: false, mapping: false, simpleKey: false });
    this.writeIndent();
  }

  private node(v: unknown, ctx: { root: boolean; sequence: boolean; mapping: boolean; simpleKey: boolean }): void {
    if (Array.isArray(v)) {
      if (this.flowLevel > 0 || v.length === 0) this.flowSequence(v);
      else this.blockSequence(v, ctx.mapping);
      return;
    }
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v).sort(compareCodePoints);
      if (this.flowLevel > 0 || keys.length === 0) this.flowMapping(v as Record<string, unknown>, keys);
      else this.blockMapping(v as Record<string, unknown>, keys);
      return;
    }
    this.increaseIndent(true);
    this.scalar(v, ctx.root, ctx.simpleKey);
    this.popIndent();
  }

  private flowSequence(items: unknown[]): void {
    this.indicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    items.forEach((item, i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > this.width) this.writeIndent();
      this.node(item, { root: false, sequence: true, mapping: false, simpleKey: false });
    });
    this.popIndent();
    this.flowLevel--;
    this.indicator(']', false);
  }

  private flowMapping(o: Record<string, unknown>, keys: string[]): void {
    this.indicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    keys.forEach((k, i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > this.width) this.writeIndent();
      if (this.isSimpleKey(k)) {
        this.node(k, { root: false, sequence: false, mapping: true, simpleKey: true });
        this.indicator(':', false);
      } else {
        this.indicator('?', true);
        this.node(k, { root: false, sequence: false, mapping: true, simpleKey: false });
        if (this.column > this.width) this.writeIndent();
        this.indicator(':', true);
      }
      this.node(o[k], { root: false, sequence: false, mapping: true, simpleKey: false });
    });
    this.popIndent();
    this.flowLevel--;
    this.indicator('}', false);
  }

  private blockSequence(items: unknown[], mappingContext: boolean): void {
    this.increaseIndent(false, mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item, { root: false, sequence: true, mapping: false, simpleKey: false });
    }
    this.popIndent();
  }

  private blockMapping(o: Record<string, unknown>, keys: string[]): void {
    this.increaseIndent(false);
    for (const k of keys) {
      this.writeIndent();
      if (this.isSimpleKey(k)) {
        this.node(k, { root: false, sequence: false, mapping: true, simpleKey: true });
        this.indicator(':', false);
      } else {
        this.indicator('?', true, false, true);
        this.node(k, { root: false, sequence: false, mapping: true, simpleKey: false });
        this.writeIndent();
        this.indicator(':', true, false, true);
      }
      this.node(o[k], { root: false, sequence: false, mapping: true, simpleKey: false });
    }
    this.popIndent();
  }

  private isSimpleKey(k: string): boolean {
    // PyYAML counts the key's code points plus its (unwritten) tag `!!str`: under 128.
    if (k.length >= 123 && Array.from(k).length >= 123) return false;
    const a = analyze(k);
    return !a.empty && !a.multiline;
  }

  private scalar(v: unknown, root: boolean, simpleKey: boolean): void {
    const { text, implicitPlain } = represent(v);
    const a = analyze(text);
    let style: '' | "'" | '"' = '"';
    if (
      implicitPlain &&
      !(simpleKey && (a.empty || a.multiline)) &&
      ((this.flowLevel > 0 && a.allowFlowPlain) || (this.flowLevel === 0 && a.allowBlockPlain))
    ) {
      style = '';
    } else if (a.allowSingleQuoted && !(simpleKey && a.multiline)) {
      style = "'";
    }
    const split = !simpleKey;
    if (style === '') this.plain(text, split, root);
    else if (style === "'") this.singleQuoted(text, split);
    else this.doubleQuoted(text, split);
  }

  // Plain and single-quoted scalars are printable ASCII (and line breaks):
  // anything else forces double quotes, so these walk UTF-16 units.
  private plain(text: string, split: boolean, root: boolean): void {
    if (root) this.openEnded = true;
    if (!text) return;
    if (!this.whitespace) {
      this.column += 1;
      this.write(' ');
    }
    this.whitespace = false;
    this.indention = false;
    if (!text.includes(' ') && !/[\n\x85\u2028\u2029]/.test(text)) {
      this.column += text.length;
      this.write(text);
      return;
    }
    let spaces = false;
    let breaks = false;
    let start = 0;
    const n = text.length;
    for (let end = 0; end <= n; end++) {
      const c = end < n ? text.charCodeAt(end) : -1;
      if (spaces) {
        if (c !== 0x20) {
          if (start + 1 === end && this.column > this.width && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.column += end - start;
            this.write(text.slice(start, end));
          }
          start = end;
        }
      } else if (breaks) {
        if (c === -1 || !isBreak(c)) {
          if (text[start] === '\n') this.lineBreak();
          for (let k = start; k < end; k++) this.lineBreak(text[k]);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (c === -1 || c === 0x20 || isBreak(c)) {
        this.column += end - start;
        this.write(text.slice(start, end));
        start = end;
      }
      if (c !== -1) {
        spaces = c === 0x20;
        breaks = isBreak(c);
      }
    }
  }

  private singleQuoted(text: string, split: boolean): void {
    this.indicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    const n = text.length;
    for (let end = 0; end <= n; end++) {
      const c = end < n ? text.charCodeAt(end) : -1;
      if (spaces) {
        if (c !== 0x20) {
          if (start + 1 === end && this.column > this.width && split && start !== 0 && end !== n) {
            this.writeIndent();
          } else {
            this.column += end - start;
            this.write(text.slice(start, end));
          }
          start = end;
        }
      } else if (breaks) {
        if (c === -1 || !isBreak(c)) {
          if (text[start] === '\n') this.lineBreak();
          for (let k = start; k < end; k++) this.lineBreak(text[k]);
          this.writeIndent();
          start = end;
        }
      } else if (c === -1 || c === 0x20 || isBreak(c) || c === 0x27) {
        if (start < end) {
          this.column += end - start;
          this.write(text.slice(start, end));
          start = end;
        }
      }
      if (c === 0x27) {
        this.column += 2;
        this.write("''");
        start = end + 1;
      }
      if (c !== -1) {
        spaces = c === 0x20;
        breaks = isBreak(c);
      }
    }
    this.indicator("'", false);
  }

  private doubleQuoted(text: string, split: boolean): void {
    this.indicator('"', true);
    const chars = Array.from(text);
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : null;
      if (ch === null || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !(ch >= '\x20' && ch <= '\x7e')) {
        if (start < end) {
          this.column += end - start;
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
        if (ch !== null) {
          const cp = ch.codePointAt(0)!;
          let data: string;
          if (ESCAPES[ch] !== undefined) data = '\\' + ESCAPES[ch];
          else if (cp <= 0xff) data = '\\x' + cp.toString(16).toUpperCase().padStart(2, '0');
          else if (cp <= 0xffff) data = '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
          else data = '\\U' + cp.toString(16).toUpperCase().padStart(8, '0');
          this.column += data.length;
          this.write(data);
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > this.width && split) {
        const data = chars.slice(start, end).join('') + '\\';
        if (start < end) start = end;
        this.column += data.length;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === ' ') {
          this.column += 1;
          this.write('\\');
        }
      }
    }
    this.indicator('"', false);
  }
}

/** `yaml.safe_dump_all(values)`: '' for an empty list. */
export function safeDumpAll(values: readonly unknown[]): string {
  const e = new Emitter();
  e.stream(values);
  return e.text();
}

/** `yaml.safe_dump(value)`. */
export function safeDump(value: unknown): string {
  return safeDumpAll([value]);
}

/** Deckhand's `safe_yaml_dump`: a list is a stream of documents, anything else one document. */
export function deckhandYamlDump(data: unknown): string {
  return Array.isArray(data) ? safeDumpAll(data) : safeDump(data);
}
