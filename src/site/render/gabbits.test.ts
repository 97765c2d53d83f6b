/**
 * Deckhand's own engine output for every self-contained resource of its
 * functional tests (../shared/fixtures/deckhand-gabbits-rendered): the same
 * documents, the same number of warnings, and with fail_on_missing_sub_src
 * the same error class (errors.txt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Document } from '../documents/index.js';
import { DeckhandError, parseDocuments } from '../documents/index.js';
import { render } from './render.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const RENDERED = `${FIXTURES}deckhand-gabbits-rendered/`;
const RESOURCES = `${FIXTURES}deckhand-gabbits/resources/`;

function load(name: string): Document[] {
  const files = name.includes('+')
    ? name.replace(/-a\+b$/, '').split(' ').flatMap((base) => [`${base}-a`, `${base}-b`])
    : [name];
  return files.flatMap((f) => parseDocuments(readFileSync(`${RESOURCES}${f}.yaml`, 'utf8'), `${f}.yaml`));
}

function key(d: Document): string {
  return `${d.schema}|${d.metadata?.name}|${d.metadata?.layeringDefinition?.layer ?? ''}`;
}

/** Documents compared as sets, keyed by (schema, name, layer), through JSON as the reference was written. */
function assertSameDocuments(got: Document[], want: Document[], label: string): void {
  const g = new Map(got.map((d) => [key(d), JSON.parse(JSON.stringify(d))]));
  const w = new Map(want.map((d) => [key(d), d]));
  assert.deepEqual([...g.keys()].sort(), [...w.keys()].sort(), `${label}: the same documents`);
  for (const [k, d] of w) assert.deepEqual(g.get(k), d, `${label}: ${k}`);
}

interface Expectation {
  in: number;
  out: number;
  warnings: number;
  strict: string;
  validate: string;
}

function expectations(): Map<string, Expectation> {
  const lines = readFileSync(`${RENDERED}errors.txt`, 'utf8').split('\n');
  const out = new Map<string, Expectation>();
  let current: Expectation | undefined;
  for (const line of lines) {
    const head = /^(\S+)\tin=(\d+)\tout=(\d+)\twarnings=(\d+)/.exec(line);
    if (head) {
      current = { in: Number(head[2]), out: Number(head[3]), warnings: Number(head[4]), strict: '', validate: '' };
      out.set(head[1], current);
      continue;
    }
    const strict = /^\s+fail_on_missing_sub_src=True:\s+(.*)$/.exec(line);
    if (strict && current) current.strict = strict[1];
    const validate = /^\s+validate=True .*:\s+(.*)$/.exec(line);
    if (validate && current) current.validate = validate[1];
  }
  return out;
}

const expected = expectations();
const renderedFiles = readdirSync(RENDERED).filter((f) => f.endsWith('.rendered.json'));

test('the fixtures are there: every rendered resource and errors.txt', () => {
  assert.ok(renderedFiles.length >= 15, String(renderedFiles.length));
  assert.ok(expected.size >= 14, String(expected.size));
});

for (const file of renderedFiles) {
  const name = file.replace(/^gabbits-/, '').replace(/\.rendered\.json$/, '');
  test(`gabbits resource ${name}: rendered documents equal Deckhand's`, () => {
    const docs = load(name);
    const result = render(docs, { failOnMissingSubSrc: false });
    assertSameDocuments(result.documents, JSON.parse(readFileSync(`${RENDERED}${file}`, 'utf8')), name);
    const exp = expected.get(name);
    if (exp) {
      assert.equal(docs.length, exp.in, 'documents in');
      assert.equal(result.documents.length, exp.out, 'documents out');
      assert.equal(result.warnings.length, exp.warnings, 'warnings');
    }
  });
}

for (const [name, exp] of expected) {
  test(`gabbits resource ${name}: with fail_on_missing_sub_src, ${exp.strict.split(':')[0]}`, () => {
    const docs = load(name);
    if (exp.strict === 'OK') {
      assert.ok(render(docs, { failOnMissingSubSrc: true }));
    } else {
      const [cls] = exp.strict.split(':');
      assert.throws(
        () => render(docs, { failOnMissingSubSrc: true }),
        (e: unknown) => {
          assert.ok(e instanceof DeckhandError, String(e));
          assert.equal(e.code, cls);
          // Deckhand's message, word for word, then where: path and file:line.
          assert.ok(e.message.startsWith(exp.strict.slice(cls.length + 2)), `${e.message}\nvs ${exp.strict}`);
          assert.ok(e.source, 'names the file and line');
          return true;
        },
      );
    }
    if (exp.validate === 'OK') assert.ok(render(docs, { failOnMissingSubSrc: false, validate: true }));
  });
}
