import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpYamlStream, formatNumber, quoteString } from './yaml-emit.js';
import { parseYamlStream } from './yaml.js';

function roundTrip(value: unknown): any {
  const text = dumpYamlStream([value]);
  const docs = parseYamlStream(text, 'out.yaml');
  assert.equal(docs.length, 1, text);
  return docs[0].value;
}

test('strings that YAML 1.1 or 1.2 would read as something else are quoted', () => {
  for (const s of ['yes', 'No', 'on', 'OFF', 'y', 'n', '0644', '0o644', '1e3', '0x1F', '1_000', '1:30', '.5', '.inf', '.nan', '~', 'null', '', '<<', '=', '2020-01-01', 'true', '-1', '+1']) {
    assert.notEqual(quoteString(s), s, s);
    assert.equal(roundTrip({ k: s }).k, s, s);
  }
  assert.equal(quoteString('plain-text_1.0/x'), 'plain-text_1.0/x');
  assert.equal(quoteString('http://host:8080/v1'), 'http://host:8080/v1');
  assert.equal(quoteString('.'), '.');
});

test('indicators, spaces and control characters survive', () => {
  const strings = [
    '- item', '-foo', '---', '...x', ': x', 'a: b', 'a #b', 'a#b', '#c', '&a', '*a', '!t', '|', '>', "'q'", '"dq"', '%p', '@x', '`b',
    ' lead', 'trail ', '\ttab', 'a\tb', 'x\x01y', 'bell\x07', 'é ü', '\u2028', 'line\rbreak', '{a}', '[1]', 'a,b', '?q', 'k:',
  ];
  for (const s of strings) assert.equal(roundTrip({ [s]: s })[s as never], s, JSON.stringify(s));
});

test('multi-line strings are literal blocks that read back exactly', () => {
  const strings = ['a\nb\n', 'a\nb', 'a\n\n', 'a\n\nb\n\n\n', 'a\n  indented\n', 'x\n   \n', '\nstarts with a newline', ' leading space\nsecond', '#!/bin/sh\necho "hi"\n'];
  for (const s of strings) {
    assert.equal(roundTrip({ v: s }).v, s, JSON.stringify(s));
    assert.deepEqual(roundTrip([s, { k: [s] }]), [s, { k: [s] }], JSON.stringify(s));
  }
  assert.match(dumpYamlStream([{ v: 'a\nb\n' }]), /v: \|\n {2}a\n {2}b\n/);
});

test('numbers read back as numbers of the same value', () => {
  for (const n of [0, -3, 420, 1.5, 0.1, 1e-7, 1.5e-7, 1e21, 2 ** 53, -0.25, 34.8]) {
    assert.equal(roundTrip({ n }).n, n, String(n));
  }
  assert.equal(formatNumber(1e-7), '1.0e-7');
  assert.equal(formatNumber(Infinity), '.inf');
  assert.ok(Number.isNaN(roundTrip({ n: NaN }).n as number));
});

test('nested structures, empties and nulls', () => {
  const value = {
    schema: 'a/B/v1',
    metadata: { name: 'x', labels: {}, list: [] },
    data: { a: [[1, 2], [], {}, { b: null, c: [{ d: true }] }], 'key with: colon': 'v', '0644': 420, nested: { deep: { deeper: 'z' } } },
  };
  assert.deepEqual(roundTrip(value), value);
  assert.deepEqual(roundTrip([]), []);
  assert.deepEqual(roundTrip('scalar doc'), 'scalar doc');
  assert.deepEqual(roundTrip(null), null);
});

test('a stream: each document framed by --- and ..., keys sorted like PyYAML', () => {
  const text = dumpYamlStream([{ b: 1, a: 2 }, { c: 3 }]);
  assert.equal(text, '---\na: 2\nb: 1\n...\n---\nc: 3\n...\n');
  assert.equal(dumpYamlStream([{ b: 1, a: 2 }], { sortKeys: false }), '---\nb: 1\na: 2\n...\n');
});

test('keys longer than YAML allows for implicit keys are written explicitly', () => {
  const key = 'k'.repeat(1500);
  assert.deepEqual(roundTrip({ [key]: 1 }), { [key]: 1 });
});
