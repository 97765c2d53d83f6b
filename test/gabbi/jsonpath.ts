/**
 * The JSONPath dialect gabbi evaluates (jsonpath-rw with jsonpath-rw-ext's
 * `len`), reduced to what Deckhand's gabbi files use:
 *
 *   $  .field  .'quoted field'  ."quoted"  [N]  [*]  .[N]  .[*]  .`len`
 *
 * Semantics follow jsonpath-rw: a field on a non-mapping matches nothing,
 * `[*]` on a mapping or scalar treats it as a one-element list, `len` is
 * the length of a list, string or mapping.
 */

export type Segment = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'len' };

export class JsonPathError extends Error {}

/** Parses a path into segments; throws JsonPathError naming the column of anything outside the subset. */
export function parseJsonPath(path: string): Segment[] {
  const p = path.trim();
  if (!p.startsWith('$')) throw new JsonPathError(`JSONPath ${path} must start with $`);
  const out: Segment[] = [];
  let i = 1;
  const fail = (what: string): never => {
    throw new JsonPathError(`JSONPath ${path}: ${what} at column ${i + 1}`);
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '[') {
      const close = p.indexOf(']', i);
      if (close < 0) fail('unclosed [');
      const inner = p.slice(i + 1, close).trim();
      if (inner === '*') out.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) out.push({ kind: 'index', index: Number(inner) });
      else fail(`unsupported subscript [${inner}]`);
      i = close + 1;
      continue;
    }
    if (c === '.') {
      i++;
      const d = p[i];
      if (d === '[') continue;
      if (d === '`') {
        const close = p.indexOf('`', i + 1);
        if (close < 0) fail('unclosed `');
        const ext = p.slice(i + 1, close);
        if (ext !== 'len') fail(`unsupported extension \`${ext}\``);
        out.push({ kind: 'len' });
        i = close + 1;
        continue;
      }
      if (d === "'" || d === '"') {
        const close = p.indexOf(d, i + 1);
        if (close < 0) fail(`unclosed ${d}`);
        out.push({ kind: 'field', name: p.slice(i + 1, close) });
        i = close + 1;
        continue;
      }
      const m = /^[A-Za-z0-9_\-$@]+/.exec(p.slice(i));
      if (!m) fail('expected a field name');
      if (m![0] === '*') fail('wildcard fields are not supported');
      out.push({ kind: 'field', name: m![0] });
      i += m![0].length;
      continue;
    }
    fail(`unexpected ${JSON.stringify(c)}`);
  }
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function step(values: unknown[], seg: Segment): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (seg.kind) {
      case 'field':
        if (isMapping(v) && Object.prototype.hasOwnProperty.call(v, seg.name)) out.push(v[seg.name]);
        break;
      case 'index':
        if (Array.isArray(v)) {
          const idx = seg.index < 0 ? v.length + seg.index : seg.index;
          if (idx >= 0 && idx < v.length) out.push(v[idx]);
        }
        break;
      case 'all':
        // jsonpath-rw: a falsy value matches nothing; a non-list counts as a one-element list.
        if (Array.isArray(v)) out.push(...v);
        else if (v !== null && v !== undefined && v !== false && v !== 0 && v !== '' && !(isMapping(v) && Object.keys(v).length === 0)) out.push(v);
        break;
      case 'len':
        if (Array.isArray(v) || typeof v === 'string') out.push(v.length);
        else if (isMapping(v)) out.push(Object.keys(v).length);
        break;
    }
  }
  return out;
}

/** Every value the path matches, in document order. */
export function findAll(data: unknown, path: string | Segment[]): unknown[] {
  const segments = typeof path === 'string' ? parseJsonPath(path) : path;
  return segments.reduce<unknown[]>((values, seg) => step(values, seg), [data]);
}

/**
 * gabbi's `extract_json_path_value`: one match is returned as itself,
 * several as a list; no match is an error naming the path.
 */
export function extract(data: unknown, path: string): unknown {
  const matches = findAll(data, path);
  if (matches.length === 0) throw new JsonPathError(`JSONPath '${path}' failed to match on data: ${JSON.stringify(data)?.slice(0, 500)}`);
  return matches.length === 1 ? matches[0] : matches;
}
