/**
 * Reading a YAML stream as PyYAML's SafeLoader reads it, keeping where each
 * document starts so every later error can say file:line.
 */
import yaml from 'js-yaml';
import { PYYAML_SCHEMA } from './yaml-schema.js';
import { InvalidYamlError } from './errors.js';

export interface YamlDocument {
  value: unknown;
  /** 1-based line of the document's first node. */
  line: number;
}

type Listener = NonNullable<yaml.LoadOptions['listener']>;

/**
 * Where each document of a stream starts, found by scanning lines the way
 * YAML splits a stream: `---` opens a document, `...` closes one, and
 * content outside any document opens an implicit one.
 */
function documentLines(text: string): number[] {
  const starts: number[] = [];
  let inDoc = false;
  let pos = 0;
  let n = 0;
  const marker = (at: number, ch: number, end: number) =>
    text.charCodeAt(at) === ch &&
    text.charCodeAt(at + 1) === ch &&
    text.charCodeAt(at + 2) === ch &&
    (at + 3 >= end || text[at + 3] === ' ' || text[at + 3] === '\t' || text[at + 3] === '\r');
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    n++;
    if (marker(pos, 0x2d, end)) {
      starts.push(n);
      inDoc = true;
    } else if (marker(pos, 0x2e, end)) {
      inDoc = false;
    } else if (!inDoc && text.charCodeAt(pos) !== 0x25 /* % directive */) {
      // Content (not blank, not a comment) outside a document opens one.
      let i = pos;
      while (i < end && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
      if (i < end && text[i] !== '#') {
        starts.push(n);
        inDoc = true;
      }
    }
    pos = end + 1;
  }
  return starts;
}

/**
 * Parses every document of a stream. Empty documents (`---` with nothing
 * after it) come back with value null, as PyYAML yields None for them.
 */
export function parseYamlStream(text: string, file: string): YamlDocument[] {
  // js-yaml appends a newline to input lacking one; PyYAML does not, so a
  // block scalar that runs to the end of such a file keeps no final line
  // break there (`a: |\n  foo` is 'foo' to PyYAML, 'foo\n' to js-yaml).
  // Only such files need the (slower) parse with a listener.
  if (!needsEofFix(text)) {
    let values: unknown[];
    try {
      values = yaml.loadAll(text, null, { schema: PYYAML_SCHEMA, json: true, filename: file });
    } catch (err) {
      throw toYamlError(err, file);
    }
    const lines = documentLines(text);
    if (lines.length === values.length) {
      return values.map((value, i) => ({ value: value === undefined ? null : value, line: lines[i] }));
    }
  }
  return parseWithListener(text, file);
}

function parseWithListener(text: string, file: string): YamlDocument[] {
  const lines: number[] = [];
  const fixEof = needsEofFix(text);
  const opened: number[] = [];
  const listener: Listener = function (event, state) {
    const depth = (state as unknown as { depth: number }).depth;
    if (event === 'open') {
      if (depth === 1) lines.push(state.line + 1);
      if (fixEof) opened.push(state.position);
      return;
    }
    if (!fixEof) return;
    const start = opened.pop() ?? 0;
    if (
      state.kind === 'scalar' &&
      typeof state.result === 'string' &&
      state.result.endsWith('\n') &&
      state.position >= text.length &&
      isBlockScalarAt(state.input, start)
    ) {
      state.result = state.result.slice(0, -1);
    }
  };
  let values: unknown[];
  try {
    values = yaml.loadAll(text, null, { schema: PYYAML_SCHEMA, json: true, filename: file, listener });
  } catch (err) {
    throw toYamlError(err, file);
  }
  return values.map((value, i) => ({ value: value === undefined ? null : value, line: lines[i] ?? 1 }));
}

function needsEofFix(text: string): boolean {
  if (text.length === 0 || text.endsWith('\n') || text.endsWith('\r')) return false;
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  return lastLine.trim() !== '';
}

/** Whether the node starting at `pos` (after optional tag/anchor) is a `|` or `>` scalar. */
function isBlockScalarAt(input: string, pos: number): boolean {
  let i = pos;
  for (;;) {
    while (i < input.length && (input[i] === ' ' || input[i] === '\t' || input[i] === '\n' || input[i] === '\r')) i++;
    const c = input[i];
    if (c === '!' || c === '&') {
      while (i < input.length && !/\s/.test(input[i])) i++;
      continue;
    }
    return c === '|' || c === '>';
  }
}

function toYamlError(err: unknown, file: string): InvalidYamlError {
  if (err instanceof yaml.YAMLException) {
    const mark = (err as unknown as { mark?: { line: number; column: number } }).mark;
    const line = mark ? mark.line + 1 : 1;
    const column = mark ? mark.column + 1 : 1;
    return new InvalidYamlError(err.reason || err.message, { file, line, column });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new InvalidYamlError(message, { file, line: 1, column: 1 });
}
