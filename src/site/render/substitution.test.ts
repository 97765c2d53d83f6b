import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Document } from '../documents/index.js';
import {
  InvalidDocumentReplacement,
  MissingDocumentPattern,
  SubstitutionDependencyCycle,
  SubstitutionSourceDataNotFound,
  SubstitutionSourceNotFound,
  parseDocuments,
} from '../documents/index.js';
import { render } from './render.js';
import { redactValue } from './redaction.js';

const POLICY = `---
schema: deckhand/LayeringPolicy/v1
metadata: {schema: metadata/Control/v1, name: layering-policy}
data: {layerOrder: [global, site]}
`;

function doc(schema: string, name: string, opts: { layer?: string; subs?: string; extra?: string; data: string; policy?: string }): string {
  return `---
schema: ${schema}
metadata:
  schema: metadata/Document/v1
  name: ${name}
  storagePolicy: ${opts.policy ?? 'cleartext'}
  layeringDefinition:
    layer: ${opts.layer ?? 'site'}
${opts.extra ?? ''}${opts.subs ? `  substitutions:\n${opts.subs}` : ''}
data: ${opts.data}
`;
}

function sub(schema: string, name: string, srcPath: string, dest: string, srcExtra = ''): string {
  return `    - src: {schema: ${schema}, name: ${name}, path: "${srcPath}"${srcExtra}}\n      dest: ${dest}\n`;
}

function run(yaml: string, opts = {}) {
  const out = render(parseDocuments(POLICY + yaml, 'site/subs.yaml'), { failOnMissingSubSrc: true, ...opts });
  const data = Object.fromEntries(out.documents.map((d) => [d.metadata.name, d.data]));
  const docs = Object.fromEntries(out.documents.map((d) => [d.metadata.name, d]));
  return { data, docs, warnings: out.warnings };
}

test('chained substitutions resolve in any input order', () => {
  const c = doc('ex/C/v1', 'c', { data: '{value: from-c}' });
  const b = doc('ex/B/v1', 'b', { subs: sub('ex/C/v1', 'c', '.value', '{path: .got}'), data: '{}' });
  const a = doc('ex/A/v1', 'a', { subs: sub('ex/B/v1', 'b', '.got', '{path: .deep.got}'), data: '{own: 1}' });
  for (const order of [a + b + c, c + b + a, b + a + c]) {
    assert.deepEqual(run(order).data.a, { own: 1, deep: { got: 'from-c' } });
  }
});

test('a dependency cycle is an error naming the documents in it', () => {
  const a = doc('ex/A/v1', 'a', { subs: sub('ex/B/v1', 'b', '.x', '{path: .y}'), data: '{x: 1}' });
  const b = doc('ex/B/v1', 'b', { subs: sub('ex/A/v1', 'a', '.x', '{path: .y}'), data: '{x: 2}' });
  assert.throws(
    () => run(a + b),
    (e: unknown) => {
      assert.ok(e instanceof SubstitutionDependencyCycle);
      assert.equal(e.status, 400);
      assert.match(e.message, /\[ex\/A\/v1, site\] a -> \[ex\/B\/v1, site\] b -> \[ex\/A\/v1, site\] a/);
      return true;
    },
  );
  const self = doc('ex/A/v1', 'a', { subs: sub('ex/A/v1', 'a', '.x', '{path: .y}'), data: '{x: 1}' });
  assert.throws(() => run(self), SubstitutionDependencyCycle);
});

test('a missing source document is a warning by default, SubstitutionSourceNotFound (409) when strict', () => {
  const a = doc('ex/A/v1', 'a', { subs: sub('ex/Missing/v1', 'gone', '.', '{path: .x}') + sub('ex/A2/v1', 'a2', '.', '{path: .y}'), data: '{}' });
  const a2 = doc('ex/A2/v1', 'a2', { data: 'text' });
  const lenient = run(a + a2, { failOnMissingSubSrc: false });
  assert.deepEqual(lenient.data.a, { y: 'text' });
  assert.equal(lenient.warnings.length, 1);
  assert.equal(lenient.warnings[0].code, 'SubstitutionSourceNotFound');
  assert.equal(lenient.warnings[0].path, 'metadata.substitutions[0].src');
  assert.equal(lenient.warnings[0].source?.file, 'site/subs.yaml');
  assert.throws(
    () => run(a + a2),
    (e: unknown) => {
      assert.ok(e instanceof SubstitutionSourceNotFound);
      assert.equal(e.status, 409);
      assert.match(e.message, /Required substitution source document \[ex\/Missing\/v1\] gone was not found, yet is referenced by \[ex\/A\/v1\] a/);
      assert.match(e.message, /at metadata\.substitutions\[0\]\.src \(site\/subs\.yaml:\d+\)/);
      return true;
    },
  );
});

test('a missing source path substitutes null with a warning, or is SubstitutionSourceDataNotFound (400)', () => {
  const src = doc('ex/S/v1', 'src', { data: '{a: AAA}' });
  const dest = doc('ex/D/v1', 'dest', { subs: sub('ex/S/v1', 'src', '.c', '{path: .out}'), data: '{d: DDD}' });
  const lenient = run(src + dest, { failOnMissingSubSrc: false });
  assert.deepEqual(lenient.data.dest, { d: 'DDD', out: null });
  assert.equal(lenient.warnings[0].code, 'SubstitutionSourceDataNotFound');
  assert.throws(() => run(src + dest), (e: unknown) => e instanceof SubstitutionSourceDataNotFound && e.status === 400);
});

test('src.pattern and match_group pick part of the value; no match takes all of it', () => {
  const src = doc('ex/S/v1', 's', { data: '{url: "http://10.0.0.1:8080/v1"}' });
  const dest = doc('ex/D/v1', 'd', {
    subs:
      sub('ex/S/v1', 's', '.url', '{path: .host}', ', pattern: "//([0-9.]+):([0-9]+)", match_group: 1') +
      sub('ex/S/v1', 's', '.url', '{path: .whole}', ', pattern: "//([0-9.]+):"') +
      sub('ex/S/v1', 's', '.url', '{path: .nomatch}', ', pattern: "zzz"'),
    data: '{}',
  });
  assert.deepEqual(run(src + dest).data.d, { host: '10.0.0.1', whole: '//10.0.0.1:', nomatch: 'http://10.0.0.1:8080/v1' });
});

test('one source feeds many destinations; dest.pattern replaces inside the string found there', () => {
  const src = doc('ex/S/v1', 's', { data: '{pw: s3cr3t, port: 8080}' });
  const dest = doc('ex/D/v1', 'd', {
    subs:
      sub('ex/S/v1', 's', '.pw', '[{path: .a}, {path: .url, pattern: PASSWORD}, {path: ".list[1]"}]') +
      sub('ex/S/v1', 's', '.port', '{path: .url, pattern: "P[O]RT"}') +
      sub('ex/S/v1', 's', '.pw', '{path: .untouched, pattern: ABSENT}'),
    data: '{url: "http://admin:PASSWORD@host:PORT/PASSWORD", list: [x, y], untouched: "no match here"}',
  });
  assert.deepEqual(run(src + dest).data.d, {
    a: 's3cr3t',
    url: 'http://admin:s3cr3t@host:8080/s3cr3t',
    list: ['x', 's3cr3t'],
    untouched: 'no match here',
  });
});

test('dest.pattern on something that is not a string: MissingDocumentPattern when strict, else a warning', () => {
  const src = doc('ex/S/v1', 's', { data: '{v: 1}' });
  const dest = doc('ex/D/v1', 'd', { subs: sub('ex/S/v1', 's', '.v', '{path: .m, pattern: X}'), data: '{m: {a: X}}' });
  assert.throws(() => run(src + dest), (e: unknown) => e instanceof MissingDocumentPattern && /at metadata\.substitutions\[0\]\.dest/.test(e.message));
  const lenient = run(src + dest, { failOnMissingSubSrc: false });
  assert.equal(lenient.warnings[0].code, 'MissingDocumentPattern');
  assert.deepEqual(lenient.data.d, { m: { a: 'X' } });
});

test('recurse replaces the pattern in every string below the path, down to a depth', () => {
  const src = doc('ex/S/v1', 's', { data: '{v: NEW}' });
  const data = '{top: {a: "x-OLD", b: {c: "OLD", d: [OLD, "no"]}}}';
  const all = doc('ex/D/v1', 'all', { subs: sub('ex/S/v1', 's', '.v', '{path: .top, pattern: OLD, recurse: {depth: -1}}'), data });
  const one = doc('ex/D/v1', 'one', { subs: sub('ex/S/v1', 's', '.v', '{path: .top, pattern: OLD, recurse: {depth: 1}}'), data });
  const out = run(src + all + one).data;
  assert.deepEqual(out.all, { top: { a: 'x-NEW', b: { c: 'NEW', d: ['NEW', 'no'] } } });
  assert.deepEqual(out.one, { top: { a: 'x-NEW', b: { c: 'OLD', d: ['OLD', 'no'] } } });
});

test('a mapping substituted at the root merges into the data; a scalar replaces it; missing paths are created', () => {
  const src = doc('ex/S/v1', 's', { data: '{m: {b: 2, c: 3}, s: text}' });
  const merge = doc('ex/D/v1', 'merge', { subs: sub('ex/S/v1', 's', '.m', '{path: .}'), data: '{a: 1, b: 1}' });
  const scalar = doc('ex/D/v1', 'scalar', { subs: sub('ex/S/v1', 's', '.s', '{path: .}'), data: '{a: 1}' });
  const create = doc('ex/D/v1', 'create', { subs: sub('ex/S/v1', 's', '.s', '{path: ".x.list[2].y"}'), data: '{}' });
  const out = run(src + merge + scalar + create).data;
  assert.deepEqual(out.merge, { a: 1, b: 2, c: 3 });
  assert.equal(out.scalar, 'text');
  assert.deepEqual(out.create, { x: { list: [{}, {}, { y: 'text' }] } });
});

test("values are shared with their source as in Deckhand (a later write shows in the source); src.deepcopy isolates", () => {
  const catalogue = doc('ex/Catalogue/v1', 'accounts', { data: '{svc: {admin: {username: root}}}' });
  const pw = doc('deckhand/Passphrase/v1', 'pw', { data: 'hunter2' });
  const chart = (name: string, deepcopy: string) =>
    doc('ex/Chart/v1', name, {
      subs: sub('ex/Catalogue/v1', 'accounts', '.svc', '{path: .auth}', deepcopy) + sub('deckhand/Passphrase/v1', 'pw', '.', '{path: .auth.admin.password}'),
      data: '{}',
    });
  const shared = run(catalogue + pw + chart('chart', '')).data;
  assert.deepEqual(shared.chart, { auth: { admin: { username: 'root', password: 'hunter2' } } });
  assert.deepEqual(shared.accounts, { svc: { admin: { username: 'root', password: 'hunter2' } } });
  const isolated = run(catalogue + pw + chart('chart', ', deepcopy: true')).data;
  assert.deepEqual(isolated.accounts, { svc: { admin: { username: 'root' } } });
});

test('a document fed by an encrypted source becomes encrypted with hashed paths, transitively; cleartext leaves it', () => {
  const secret = doc('deckhand/Passphrase/v1', 'pw', { data: 'hunter2', policy: 'encrypted' });
  const mid = doc('ex/Mid/v1', 'mid', { subs: sub('deckhand/Passphrase/v1', 'pw', '.', '{path: .pw}'), data: '{}' });
  const end = doc('ex/End/v1', 'end', { subs: sub('ex/Mid/v1', 'mid', '.pw', '[{path: .a}, {path: .b}]') + sub('ex/Plain/v1', 'plain', '.', '{path: .c}'), data: '{}' });
  const plain = doc('ex/Plain/v1', 'plain', { data: 'p' });
  const input = parseDocuments(POLICY + secret + mid + end + plain, 's.yaml');
  const before = JSON.stringify(input);
  const redacted = render(input, { failOnMissingSubSrc: true });
  const docs = Object.fromEntries(redacted.documents.map((d) => [d.metadata.name, d]));
  assert.equal(docs.mid.metadata.storagePolicy, 'encrypted');
  assert.deepEqual(docs.mid.metadata.substitutions, [
    { src: { schema: 'deckhand/Passphrase/v1', name: 'pw', path: redactValue('.') }, dest: { path: redactValue('.pw') } },
  ]);
  assert.equal(docs.end.metadata.storagePolicy, 'encrypted');
  assert.deepEqual(docs.end.metadata.substitutions?.[0].dest, [{ path: redactValue('.a') }, { path: redactValue('.b') }]);
  assert.equal(docs.end.metadata.substitutions?.[1].src.path, '.', 'a cleartext source keeps its path');
  assert.deepEqual(docs.end.data, { a: 'hunter2', b: 'hunter2', c: 'p' }, 'data is never redacted by rendering');
  assert.equal(JSON.stringify(input), before, 'the input is not modified');

  const clear = render(input, { failOnMissingSubSrc: true, cleartextSecrets: true });
  const cdocs = Object.fromEntries(clear.documents.map((d) => [d.metadata.name, d]));
  assert.equal(cdocs.mid.metadata.storagePolicy, 'cleartext');
  assert.equal(cdocs.end.metadata.storagePolicy, 'cleartext');
  assert.deepEqual(cdocs.end.data, docs.end.data);
});

test('replacement: the replacing child takes its parent\'s place for output, children and substitution', () => {
  const parent = doc('ex/Chart/v1', 'chart', { layer: 'global', extra: '  labels: {name: parent}\n', data: '{a: 1, b: 1}' });
  const repl = doc('ex/Chart/v1', 'chart', {
    extra: '  replacement: true\n  layeringDefinition:\n    layer: site\n    parentSelector: {name: parent}\n    actions: [{method: merge, path: .}]\n',
    data: '{b: 2}',
  }).replace('  layeringDefinition:\n    layer: site\n  replacement', '  replacement');
  const sibling = doc('ex/Chart/v1', 'sibling', {
    extra: '  layeringDefinition:\n    layer: site\n    parentSelector: {name: parent}\n    actions: [{method: merge, path: .}]\n',
    data: '{c: 3}',
  }).replace('  layeringDefinition:\n    layer: site\n  layeringDefinition', '  layeringDefinition');
  const user = doc('ex/User/v1', 'user', { subs: sub('ex/Chart/v1', 'chart', '.b', '{path: .b}'), data: '{}' });
  const out = render(parseDocuments(POLICY + user + sibling + repl + parent, 'r.yaml'), { failOnMissingSubSrc: true });
  const charts = out.documents.filter((d) => d.schema === 'ex/Chart/v1').map((d) => [d.metadata.name, d.metadata.layeringDefinition?.layer, d.data]);
  assert.deepEqual(charts, [
    ['sibling', 'site', { a: 1, b: 2, c: 3 }],
    ['chart', 'site', { a: 1, b: 2 }],
  ]);
  assert.deepEqual(out.documents.find((d) => d.metadata.name === 'user')?.data, { b: 2 });
});

test('replacement rules are enforced with InvalidDocumentReplacement', () => {
  const orphan = doc('ex/Chart/v1', 'x', { extra: '  replacement: true\n', data: '{}' });
  assert.throws(() => run(orphan), (e: unknown) => e instanceof InvalidDocumentReplacement && /have a parent/.test(e.message));
  const twins = doc('ex/Chart/v1', 'x', { layer: 'global', data: '{}' }) + doc('ex/Chart/v1', 'x', { data: '{}' });
  assert.throws(() => run(twins), (e: unknown) => e instanceof InvalidDocumentReplacement && /More than one document with the same name and schema/.test(e.message));
  const parent = doc('ex/Chart/v1', 'x', { layer: 'global', extra: '  labels: {n: p}\n', data: '{}' });
  const sameName = doc('ex/Chart/v1', 'x', {
    extra: '  layeringDefinition:\n    layer: site\n    parentSelector: {n: p}\n    actions: [{method: merge, path: .}]\n',
    data: '{}',
  }).replace('  layeringDefinition:\n    layer: site\n  layeringDefinition', '  layeringDefinition');
  assert.throws(() => run(parent + sameName), (e: unknown) => e instanceof InvalidDocumentReplacement && /Non-replacement documents cannot have the same/.test(e.message));
  const otherName = doc('ex/Chart/v1', 'y', {
    extra: '  replacement: true\n  layeringDefinition:\n    layer: site\n    parentSelector: {n: p}\n    actions: [{method: merge, path: .}]\n',
    data: '{}',
  }).replace('  layeringDefinition:\n    layer: site\n  replacement', '  replacement');
  assert.throws(() => run(parent + otherName), (e: unknown) => e instanceof InvalidDocumentReplacement && /same `schema` and `metadata.name`/.test(e.message));
});

test('substitutions in control documents are not applied (Deckhand skips them)', () => {
  const control = `---
schema: deckhand/DataSchema/v1
metadata:
  schema: metadata/Control/v1
  name: ex/Thing/v1
  substitutions:
    - {src: {schema: ex/S/v1, name: s, path: .}, dest: {path: .x}}
data: {type: object}
`;
  const out = render(parseDocuments(POLICY + control + doc('ex/S/v1', 's', { data: 'v' }), 'c.yaml'), { failOnMissingSubSrc: true });
  assert.deepEqual((out.documents.find((d: Document) => d.schema === 'deckhand/DataSchema/v1') as Document).data, { type: 'object' });
});
