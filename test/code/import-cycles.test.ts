// The import graph of src/ has no cycles (type imports included: a cycle of
// types is still two files that cannot be understood one without the other),
// no file imports the index.ts of its own folder (index.ts is the folder's
// face to others), and a module reaches into another only through a face: an
// index.ts (the module's or one of its folders'), or, for the CLI composition
// in src/cli, the module's cli.ts. Cycles known and not yet broken are listed here,
// so a new one fails and a fixed one must be struck from the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../helpers/strata.js';

const SRC = join(REPO, 'src');
/** Cycles left for the hub splits (issue 8): each as its files, sorted, joined by " <-> ". */
const KNOWN: string[] = [];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm)) {
    const base = resolve(dirname(file), m[1]!).replace(/\.js$/, '');
    const hit = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => known.has(c));
    if (hit) out.push(hit);
  }
  return out;
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const files = sources(SRC);
const known = new Set(files);
const graph = new Map(files.map((f) => [f, importsOf(f, known)]));

test('src/ has no import cycles beyond the known ones', () => {
  const found = cycles(graph).map((c) => c.map((f) => relative(SRC, f)).sort().join(' <-> ')).sort();
  assert.deepEqual(found, [...KNOWN].sort());
});

test("no file imports its own folder's index.ts", () => {
  const bad = files.filter((f) => !f.endsWith('/index.ts') && (graph.get(f) ?? []).includes(join(dirname(f), 'index.ts')));
  assert.deepEqual(bad.map((f) => relative(SRC, f)), []);
});

/** The module a file belongs to: its first folder under src/ (files at src/ itself are the composition root). */
const moduleOf = (f: string) => relative(SRC, f).split('/').slice(0, -1)[0];

function intoInternals(from: string, to: string): boolean {
  const [a, b] = [moduleOf(from), moduleOf(to)];
  if (a === undefined || b === undefined || a === b) return false;
  if (to.endsWith('/index.ts')) return false;
  return !(a === 'cli' && relative(SRC, to) === `${b}/cli.ts`);
}

test("no module imports another module's internals, only its faces", () => {
  const bad = files.flatMap((f) => (graph.get(f) ?? []).filter((t) => intoInternals(f, t)).map((t) => `${relative(SRC, f)} -> ${relative(SRC, t)}`));
  assert.deepEqual(bad, []);
});

test('the internals rule tells a face from an internal file', () => {
  const at = (p: string) => join(SRC, p);
  assert.equal(intoInternals(at('metal/states.ts'), at('core/errors/index.ts')), false);
  assert.equal(intoInternals(at('metal/states.ts'), at('core/store/database.ts')), true);
  assert.equal(intoInternals(at('cli/commands.ts'), at('metal/cli.ts')), false);
  assert.equal(intoInternals(at('edge/cli.ts'), at('metal/cli.ts')), true);
  assert.equal(intoInternals(at('modules.ts'), at('metal/conductor/conductor.ts')), false);
  assert.equal(intoInternals(at('metal/api/nodes.ts'), at('metal/db/nodes.ts')), false);
});

test('the cycle finder finds a cycle', () => {
  assert.equal(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])).length, 1);
});
