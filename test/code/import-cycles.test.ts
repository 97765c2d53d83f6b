// The import graph of src/ has no cycles (type imports included: a cycle of
// types is still two files that cannot be understood one without the other),
// and no file imports the index.ts of its own folder (index.ts is the
// folder's face to others). Cycles known and not yet broken are listed here,
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

test('the cycle finder finds a cycle', () => {
  assert.equal(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])).length, 1);
});
