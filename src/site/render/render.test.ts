import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Document } from '../documents/index.js';
import {
  IndeterminateDocumentParent,
  InvalidDocumentFormat,
  InvalidDocumentLayer,
  InvalidDocumentParent,
  LayeringPolicyNotFound,
  MissingDocumentKey,
  UnsupportedActionMethod,
  parseDocuments,
} from '../documents/index.js';
import { render } from './render.js';

const POLICY = `---
schema: deckhand/LayeringPolicy/v1
metadata: {schema: metadata/Control/v1, name: layering-policy}
data: {layerOrder: [global, region, site]}
`;

function docs(yaml: string, file = 'test.yaml'): Document[] {
  return parseDocuments(POLICY + yaml, file);
}

function byName(result: { documents: Document[] }): Record<string, unknown> {
  return Object.fromEntries(result.documents.filter((d) => d.schema !== 'deckhand/LayeringPolicy/v1').map((d) => [d.metadata.name, d.data]));
}

function chart(name: string, layer: string, extra: string, data: string): string {
  return `---
schema: example/Chart/v1
metadata:
  schema: metadata/Document/v1
  name: ${name}
  storagePolicy: cleartext
  layeringDefinition:
    layer: ${layer}
${extra}
data: ${data}
`;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

test('without a LayeringPolicy nothing renders (409)', () => {
  assert.throws(() => render(parseDocuments(chart('a', 'site', '', '{}'), 't.yaml')), (e: unknown) => e instanceof LayeringPolicyNotFound && e.status === 409);
});

test('a layer missing from layerOrder is an error naming the document and file:line', () => {
  assert.throws(
    () => render(docs(chart('a', 'moon', '', '{}'), 'site/a.yaml')),
    (e: unknown) => {
      assert.ok(e instanceof InvalidDocumentLayer);
      assert.equal(e.status, 400);
      assert.match(e.message, /Invalid layer 'moon' for document \[example\/Chart\/v1\] a was not found in layerOrder: global, region, site/);
      assert.match(e.message, /at metadata\.layeringDefinition\.layer \(site\/a\.yaml:12\)/);
      return true;
    },
  );
});

test('the closest layer wins: a site child layers onto its region parent, which layered onto global', () => {
  const input = docs(
    chart('g', 'global', '  labels: {name: base}\n  layeringDefinition: {layer: global, abstract: true}', '{a: {x: 1, y: 2}, list: [1, 2], keep: true}') +
      chart('r', 'region', '  labels: {name: base, tier: region}\n  layeringDefinition:\n    layer: region\n    abstract: true\n    parentSelector: {name: base}\n    actions: [{method: merge, path: .}]', '{a: {y: 20, z: 30}, list: [9]}') +
      chart('s', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: base}\n    actions: [{method: merge, path: .a}, {method: replace, path: .extra}]', '{a: {x: 100}, extra: [e], ignored: 1}'),
  );
  const out = render(deepFreeze(input), { failOnMissingSubSrc: true });
  assert.deepEqual(byName(out), {
    s: { a: { x: 100, y: 20, z: 30 }, list: [9], keep: true, extra: ['e'] },
  });
  assert.deepEqual(out.warnings, []);
});

test('a child with a parent but no actions keeps its own data; a selector matching nothing leaves the document alone', () => {
  const out = render(
    docs(
      chart('g', 'global', '  labels: {name: p}', '{a: 1}') +
        chart('s', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}', '{b: 2}') +
        chart('t', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: nobody}\n    actions: [{method: merge, path: .}]', '{c: 3}'),
    ),
  );
  assert.deepEqual(byName(out), { g: { a: 1 }, s: { b: 2 }, t: { c: 3 } });
});

test('two parents in the closest layer are ambiguous (IndeterminateDocumentParent, 400)', () => {
  const input = docs(
    chart('g1', 'global', '  labels: {name: p}', '{}') +
      chart('g2', 'global', '  labels: {name: p, other: x}', '{}') +
      chart('s', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}\n    actions: [{method: merge, path: .}]', '{}'),
    'site/s.yaml',
  );
  assert.throws(
    () => render(input),
    (e: unknown) => {
      assert.ok(e instanceof IndeterminateDocumentParent);
      assert.equal(e.status, 400);
      assert.match(e.message, /Too many parent documents found for document \[example\/Chart\/v1, site\] s\. Found: 2/);
      assert.match(e.message, /g1.*g2/);
      assert.match(e.message, /site\/s\.yaml:\d+/);
      return true;
    },
  );
  // A closer parent settles it.
  const settled = docs(
    chart('g1', 'global', '  labels: {name: p}', '{a: 1}') +
      chart('g2', 'global', '  labels: {name: p}', '{a: 2}') +
      chart('r', 'region', '  labels: {name: p}\n  layeringDefinition: {layer: region}', '{a: 3}') +
      chart('s', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}\n    actions: [{method: merge, path: .}]', '{b: 1}'),
  );
  assert.deepEqual(byName(render(settled)).s, { a: 3, b: 1 });
});

test('a matching document of another schema, or in the same layer, is an invalid parent', () => {
  const otherSchema = docs(
    '---\nschema: other/Thing/v1\nmetadata: {schema: metadata/Document/v1, name: o, storagePolicy: cleartext, labels: {name: p}, layeringDefinition: {layer: global}}\ndata: {}\n' +
      chart('s', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}\n    actions: [{method: merge, path: .}]', '{}'),
  );
  assert.throws(() => render(otherSchema), (e: unknown) => e instanceof InvalidDocumentParent && /schema`s do not match/.test(e.message));
  const sameLayer = docs(
    chart('a', 'site', '  labels: {name: p}', '{}') +
      chart('s', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}\n    actions: [{method: merge, path: .}]', '{}'),
  );
  assert.throws(() => render(sameLayer), (e: unknown) => e instanceof InvalidDocumentParent && /must be lower than the parent layer/.test(e.message));
});

function layered(actions: string, parent: string, child: string, opts = {}) {
  const input = docs(
    chart('p', 'global', '  labels: {name: p}', parent) +
      chart('c', 'site', `  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}\n    actions: ${actions}`, child),
  );
  return byName(render(input, opts)).c;
}

test('merge replaces lists and non-mappings (Deckhand code, not its docs), merging mappings deeply', () => {
  assert.deepEqual(layered('[{method: merge, path: .}]', '{l: [1, 2], m: {a: 1, b: {c: 1}}, s: x}', '{l: [3], m: {b: {d: 2}}, s: {now: map}}'), {
    l: [3],
    m: { a: 1, b: { c: 1, d: 2 } },
    s: { now: 'map' },
  });
  assert.deepEqual(layered('[{method: merge, path: .new.deep}]', '{a: 1}', '{new: {deep: {x: 1}}}'), { a: 1, new: { deep: { x: 1 } } });
});

test('replace and delete at paths, including the whole data section and list indices', () => {
  assert.deepEqual(layered('[{method: replace, path: .m}]', '{m: {a: 1}, n: 1}', '{m: {b: 2}}'), { m: { b: 2 }, n: 1 });
  assert.deepEqual(layered('[{method: replace, path: .}]', '{m: {a: 1}}', '{z: 1}'), { z: 1 });
  assert.deepEqual(layered('[{method: replace, path: ".l[1]"}]', '{l: [a, b, c]}', '{l: [x, y]}'), { l: ['a', 'y', 'c'] });
  assert.deepEqual(layered('[{method: delete, path: .m.a}]', '{m: {a: 1, b: 2}}', '{}'), { m: { b: 2 } });
  assert.deepEqual(layered('[{method: delete, path: ".l[0]"}]', '{l: [a, b]}', '{}'), { l: ['b'] });
  assert.deepEqual(layered('[{method: delete, path: .}, {method: merge, path: .}]', '{m: 1}', '{n: 2}'), { n: 2 });
  assert.deepEqual(layered('[{method: merge, path: .data.m}]', '{m: {a: 1}}', '{m: {b: 2}}'), { m: { a: 1, b: 2 } }, '.data prefix');
  assert.deepEqual(layered('[{method: merge, path: .database}]', '{database: {a: 1}}', '{database: {b: 2}}'), { database: { a: 1, b: 2 } }, 'not .data + base');
});

test("delete removes the value at the path; Deckhand's delete (opt-in) removes the first equal value anywhere", () => {
  const parent = '{labels: {server: {k: v}, exporter: {k: v}}}';
  assert.deepEqual(layered('[{method: delete, path: .labels.exporter}]', parent, '{}'), { labels: { server: { k: 'v' } } });
  assert.deepEqual(layered('[{method: delete, path: .labels.exporter}]', parent, '{}', { deckhandDelete: true }), { labels: { exporter: { k: 'v' } } });
});

test('a path an action needs that is absent or null is MissingDocumentKey naming child, parent and action', () => {
  for (const [actions, parent, child] of [
    ['[{method: merge, path: .c}]', '{c: 1}', '{a: 1}'],
    ['[{method: replace, path: .c}]', '{c: 1}', '{c: null}'],
    ['[{method: delete, path: .b}]', '{a: 1}', '{b: 1}'],
  ]) {
    assert.throws(
      () => layered(actions, parent, child),
      (e: unknown) => {
        assert.ok(e instanceof MissingDocumentKey, String(e));
        assert.equal(e.status, 400);
        assert.match(e.message, /parent \[example\/Chart\/v1, global\] p or child \[example\/Chart\/v1, site\] c/);
        assert.match(e.message, /at metadata\.layeringDefinition\.actions\[0\]\.path \(test\.yaml:\d+\)/);
        return true;
      },
    );
  }
});

test('an unknown action method is UnsupportedActionMethod; a malformed path is InvalidDocumentFormat', () => {
  assert.throws(() => layered('[{method: squash, path: .}]', '{}', '{}'), (e: unknown) => e instanceof UnsupportedActionMethod && e.status === 400);
  assert.throws(() => layered('[{method: merge, path: ".a[*]"}]', '{}', '{a: 1}'), (e: unknown) => e instanceof InvalidDocumentFormat);
});

test('abstract documents render for their children but are not output; control documents pass through untouched', () => {
  const out = render(
    docs(chart('g', 'global', '  labels: {name: p}\n  layeringDefinition: {layer: global, abstract: true}', '{a: 1}') +
      chart('s', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}\n    actions: [{method: merge, path: .}]', '{b: 2}')),
  );
  assert.deepEqual(out.documents.map((d) => d.metadata.name), ['layering-policy', 's']);
  assert.deepEqual(out.documents[0].data, { layerOrder: ['global', 'region', 'site'] });
});

test('duplicates and extra layering policies are warnings (the first wins), as Deckhand renders without validation', () => {
  const input = docs(chart('a', 'site', '', '{v: 1}') + chart('a', 'site', '', '{v: 2}') + POLICY.replace('layering-policy', 'second'));
  const out = render(input);
  assert.deepEqual(byName(out).a, { v: 1 });
  assert.deepEqual(out.warnings.map((w) => w.code).sort(), ['DuplicateDocument', 'MultipleLayeringPolicies']);
  assert.throws(() => render(input, { validate: true }), (e: unknown) => e instanceof InvalidDocumentFormat && /Duplicate document exists/.test(e.message));
});

test('validate: true checks documents before and DataSchemas after rendering', () => {
  const schema = `---
schema: deckhand/DataSchema/v1
metadata: {schema: metadata/Control/v1, name: example/Chart/v1}
data: {type: object, properties: {port: {type: integer}}}
`;
  const good = docs(schema + chart('p', 'global', '  labels: {name: p}', '{port: "x"}') +
    chart('c', 'site', '  layeringDefinition:\n    layer: site\n    parentSelector: {name: p}\n    actions: [{method: merge, path: .}]', '{port: 80}'));
  // p itself violates the schema; c, layered, does not.
  assert.throws(() => render(good, { validate: true }), (e: unknown) => e instanceof InvalidDocumentFormat && /\] p: 'x' is not of type 'integer'/.test(e.message));
  const fixed = good.filter((d) => d.metadata.name !== 'p' || d.schema !== 'example/Chart/v1');
  assert.ok(render(fixed, { validate: true }));
});

test('without validation, a document missing its skeleton is still named, not a crash', () => {
  const input = docs(chart('ok', 'site', '', '{}'));
  const broken = { schema: 'ex/Chart/v1', metadata: null, data: {} } as unknown as Document;
  assert.throws(
    () => render([...input, broken]),
    (e: unknown) => e instanceof InvalidDocumentFormat && /None is not of type 'object'/.test(e.message) && e.status === 400,
  );
});
