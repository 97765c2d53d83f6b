/**
 * YAML output that PyYAML (YAML 1.1, as Deckhand and Pegleg read) and YAML
 * 1.2 parsers both read back as the same JSON value: block style, keys
 * sorted as PyYAML's safe_dump sorts them, and any string quoted that either
 * resolver would turn into something else (`'yes'`, `'0644'`, `'1e3'`,
 * `'null'`, `'2019-01-01'`). Multi-line strings are literal blocks.
 */
import { resolvesAsNonString } from './yaml-schema.js';

export interface EmitOptions {
  /** Sort mapping keys (PyYAML's default). Default true. */
  sortKeys?: boolean;
}

// YAML 1.2 core-schema forms a 1.2 reader would not keep as strings.
const CORE_12 = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[yYnN])$/;
// Characters that end or forbid a plain scalar, or need escapes.
const SPECIAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/;
const INDICATOR_START = /^[?:,[\]{}#&*!|>'"%@`\s]/;

function isPlainSafe(s: string): boolean {
  if (s === '') return false;
  if (INDICATOR_START.test(s)) return false;
  if (s[0] === '-' && (s.length === 1 || s[1] === ' ' || s.startsWith('---'))) return false;
  if (s.startsWith('...')) return false;
  if (/\s$/.test(s) || s.includes(': ') || s.includes(' #') || s.endsWith(':') || /[\t\n\r]/.test(s)) return false;
  if (SPECIAL.test(s)) return false;
  return !resolvesAsNonString(s) && !CORE_12.test(s);
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\x0b': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
  '\x85': '\\N',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

function doubleQuoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    const esc = ESCAPES[ch];
    if (esc) out += esc;
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xfeff || (c >= 0xd800 && c <= 0xdfff && !isPair(s, i))) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdbff) {
      out += s[i] + s[i + 1];
      i++;
    } else out += ch;
  }
  return out + '"';
}

function isPair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff;
  }
  return false;
}

// Most strings are names and paths: those need no further look unless
// their first letter could start a YAML 1.1 boolean or null.
const SIMPLE = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const KEYWORD_FIRST = new Set('yYnNtTfFoO');

/** A scalar string on one line: plain, single-quoted or double-quoted. */
export function quoteString(s: string): string {
  if (SIMPLE.test(s)) {
    if (!KEYWORD_FIRST.has(s[0]) || (!resolvesAsNonString(s) && !CORE_12.test(s))) return s;
    return `'${s}'`;
  }
  if (isPlainSafe(s)) return s;
  if (!SPECIAL.test(s) && !/[\n\r\t\x85]/.test(s)) return `'${s.replace(/'/g, "''")}'`;
  return doubleQuoted(s);
}

function canBeLiteral(s: string): boolean {
  if (!s.includes('\n') || s[0] === ' ' || s[0] === '\n' || s[0] === '\t') return false;
  if (/^\n*$/.test(s)) return false;
  // SPECIAL covers \r and \x85 too: line breaks a literal block would not keep.
  return !SPECIAL.test(s);
}

function literal(s: string, indent: string): string {
  let chomp = '';
  let body = s;
  if (!s.endsWith('\n')) chomp = '-';
  else if (s.endsWith('\n\n')) chomp = '+';
  if (body.endsWith('\n')) body = body.slice(0, -1);
  const lines = body.split('\n').map((l) => (l === '' ? '' : indent + l));
  return `|${chomp}\n${lines.join('\n')}\n`;
}

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  const s = String(n);
  if (Number.isInteger(n) && !/e/i.test(s)) return s;
  if (/e/i.test(s) && !s.includes('.')) return s.replace(/e/i, '.0e');
  return s;
}

function scalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return formatNumber(v);
  return undefined;
}

function keyText(k: string): string {
  return quoteString(k);
}

class Emitter {
  // One string grown with +=: V8 builds it as a rope, cheaper than pushing
  // thousands of small pieces and joining them.
  out = '';
  constructor(private readonly sortKeys: boolean) {}

  private keys(o: Record<string, unknown>): string[] {
    const keys = Object.keys(o);
    return this.sortKeys ? keys.sort() : keys;
  }

  /** Writes `value` after a key's `:` (`afterDash` false) or after a `- `. */
  private value(v: unknown, indent: string, afterDash: boolean): void {
    if (typeof v === 'string') {
      const lead = afterDash ? '' : ' ';
      if (v.includes('\n') && canBeLiteral(v)) this.out += lead + literal(v, indent + '  ');
      else this.out += lead + quoteString(v) + '\n';
      return;
    }
    const s = scalar(v);
    if (s !== undefined) {
      this.out += (afterDash ? s : ' ' + s) + '\n';
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) this.out += afterDash ? '[]\n' : ' []\n';
      else if (afterDash) this.sequence(v, indent + '  ', true); // `- - a`: the first item shares the line
      else {
        this.out += '\n';
        this.sequence(v, indent, false);
      }
      return;
    }
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = this.keys(o);
      if (keys.length === 0) this.out += afterDash ? '{}\n' : ' {}\n';
      else if (afterDash) this.mapping(o, keys, indent + '  ', true);
      else {
        this.out += '\n';
        this.mapping(o, keys, indent + '  ', false);
      }
      return;
    }
    throw new TypeError(`cannot write ${typeof v} as YAML`);
  }

  private sequence(items: unknown[], indent: string, firstInline: boolean): void {
    for (let i = 0; i < items.length; i++) {
      this.out += i === 0 && firstInline ? '- ' : indent + '- ';
      this.value(items[i], indent, true);
    }
  }

  private mapping(o: Record<string, unknown>, keys: string[], indent: string, firstInline: boolean): void {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const pad = i === 0 && firstInline ? '' : indent;
      // Implicit keys are limited to 1024 characters: a longer one is explicit.
      this.out += k.length > 1000 ? pad + '? ' + doubleQuoted(k) + '\n' + indent + ':' : pad + keyText(k) + ':';
      const v = o[k];
      // Sequences under a key are not indented (PyYAML's style).
      if (Array.isArray(v) && v.length > 0) {
        this.out += '\n';
        this.sequence(v, indent, false);
      } else this.value(v, indent, false);
    }
  }

  document(v: unknown): void {
    this.out += '---';
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      this.out += '\n';
      const o = v as Record<string, unknown>;
      this.mapping(o, this.keys(o), '', false);
    } else if (Array.isArray(v) && v.length > 0) {
      this.out += '\n';
      this.sequence(v, '', false);
    } else {
      this.value(v, '', false);
    }
    this.out += '...\n';
  }
}

/** A YAML stream, each value a document between `---` and `...`. */
export function dumpYamlStream(values: readonly unknown[], opts: EmitOptions = {}): string {
  const e = new Emitter(opts.sortKeys ?? true);
  for (const v of values) e.document(v);
  return e.out;
}
