/**
 * How PyYAML sees a scalar: its implicit resolvers (YAML 1.1), the analysis
 * that decides which styles (plain, single-, double-quoted, folded) can
 * carry a string, its escapes, and its float spelling. The emitter in
 * pyyaml-dump.ts asks these.
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

export function isBreak(c: number): boolean {
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
export function analyze(s: string): Analysis {
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

export const ESCAPES: Record<string, string> = {
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
export function represent(v: unknown): { text: string; implicitPlain: boolean } {
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

export function compareCodePoints(a: string, b: string): number {
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
