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


import { analyze, compareCodePoints, ESCAPES, isBreak, represent } from './pyyaml-scalars.js';

export { resolvesAsString } from './pyyaml-scalars.js';

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
