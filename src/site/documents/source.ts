/**
 * Where each document came from. The parser records file, line and the
 * file's text for every document it builds, keyed by the document object, so
 * that any later stage (validation, layering, substitution) can name
 * file:line without threading locations through pure code. The line of a
 * path inside a document is found lazily, by parsing that file again with
 * position tracking: errors are rare, and the common path stays fast.
 */
import yaml from 'js-yaml';
import { PYYAML_SCHEMA } from './yaml-schema.js';
import type { SourceLocation } from './errors.js';

interface SourceInfo {
  file: string;
  line: number;
  /** Position of the document in its file (0-based, counting empty documents). */
  index: number;
  text?: string;
}

const registry = new WeakMap<object, SourceInfo>();

export function recordSource(doc: object, info: SourceInfo): void {
  registry.set(doc, info);
}

/** Copies the source of `from` to `to` (a rendered document keeps its raw document's origin). */
export function inheritSource(to: object, from: object): void {
  const info = registry.get(from);
  if (info) registry.set(to, info);
}

export function sourceOf(doc: unknown): SourceLocation | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const info = registry.get(doc);
  return info ? { file: info.file, line: info.line } : undefined;
}

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `data.values.images[0]`, with odd keys quoted: `data["a.b"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

interface Located {
  line: number;
  keys?: Map<string, number>;
  items?: number[];
}

let cache: { text: string; file: string; docs: unknown[]; nodes: WeakMap<object, Located> } | undefined;

function positions(text: string, file: string) {
  if (cache && cache.text === text && cache.file === file) return cache;
  const nodes = new WeakMap<object, Located>();
  interface Frame {
    line: number;
    children: { line: number; value: unknown }[];
  }
  const stack: Frame[] = [];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  // A node opens before the whitespace and comments ahead of it: its line is that of its first character.
  const lineAt = (pos: number): number => {
    let i = pos;
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '#') {
        const nl = text.indexOf('\n', i);
        if (nl < 0) break;
        i = nl + 1;
      } else break;
    }
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const listener = function (event: 'open' | 'close', state: yaml.State) {
    if (event === 'open') {
      stack.push({ line: lineAt(state.position), children: [] });
      return;
    }
    const frame = stack.pop()!;
    const result = state.result as unknown;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push({ line: frame.line, value: result });
    if (result === null || typeof result !== 'object') return;
    // js-yaml sometimes tries one more key at the end of a mapping and finds nothing.
    if (frame.children.length % 2 === 1 && frame.children[frame.children.length - 1].value === null) frame.children.pop();
    if (Array.isArray(result)) {
      nodes.set(result, { line: frame.line, items: frame.children.map((c) => c.line) });
    } else if (frame.children.length % 2 === 0) {
      const keys = new Map<string, number>();
      for (let i = 0; i < frame.children.length; i += 2) keys.set(String(frame.children[i].value), frame.children[i].line);
      nodes.set(result, { line: frame.line, keys });
    } else {
      nodes.set(result, { line: frame.line });
    }
  };
  const docs = yaml.loadAll(text, null, { schema: PYYAML_SCHEMA, json: true, filename: file, listener });
  cache = { text, file, docs, nodes };
  return cache;
}

/**
 * The file:line of `path` inside `doc` (a parsed document): the line of the
 * deepest part of the path that exists in the file as written. Falls back
 * to the document's own line.
 */
export function locate(doc: unknown, path: readonly PathSegment[]): SourceLocation | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const info = registry.get(doc);
  if (!info) return undefined;
  if (!info.text || path.length === 0) return { file: info.file, line: info.line };
  let line = info.line;
  try {
    const { docs, nodes } = positions(info.text, info.file);
    let node: unknown = docs[info.index];
    for (const seg of path) {
      if (node === null || typeof node !== 'object') break;
      const loc = nodes.get(node);
      if (!loc) break;
      if (typeof seg === 'number' && Array.isArray(node)) {
        if (seg >= node.length) break;
        line = loc.items?.[seg] ?? line;
        node = node[seg];
      } else if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, String(seg))) {
        line = loc.keys?.get(String(seg)) ?? line;
        node = (node as Record<string, unknown>)[String(seg)];
      } else break;
    }
  } catch {
    /* the text parsed once; if it does not now, the document's line will do */
  }
  return { file: info.file, line };
}
