import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlStream } from './yaml.js';
import { resolvesAsNonString } from './yaml-schema.js';

function value(text: string): unknown {
  return (parseYamlStream(`v: ${text}\n`, 't.yaml')[0].value as { v: unknown }).v;
}

test('integers resolve as PyYAML (YAML 1.1) resolves them', () => {
  const cases: [string, unknown][] = [
    ['0644', 420],
    ['-0644', -420],
    ['0', 0],
    ['-0', 0],
    ['+12', 12],
    ['1_000', 1000],
    ['0x1F', 31],
    ['0b101', 5],
    ['1:30', 90],
    ['-1:00:01', -3601],
    ['09', '09'],
    ['0o644', '0o644'],
    ['1e3', '1e3'],
  ];
  for (const [text, want] of cases) assert.deepEqual(value(text), want, text);
});

test('floats need a dot, as in PyYAML', () => {
  const cases: [string, unknown][] = [
    ['1.5', 1.5],
    ['1.', 1],
    ['.5', 0.5],
    ['1.0e+3', 1000],
    ['1.5e-7', 1.5e-7],
    ['1:30.5', 90.5],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['1e+3', '1e+3'],
    ['.', '.'],
    ['._', '._'],
  ];
  for (const [text, want] of cases) assert.deepEqual(value(text), want, text);
  assert.ok(Number.isNaN(value('.nan')));
});

test('booleans are yes/no/on/off/true/false in three cases; y and n stay strings', () => {
  for (const t of ['yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']) assert.equal(value(t), true, t);
  for (const t of ['no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']) assert.equal(value(t), false, t);
  for (const t of ['y', 'n', 'Y', 'N', 'yEs', 'oN']) assert.equal(value(t), t, t);
});

test('null, and quoted scalars never resolve', () => {
  for (const t of ['~', 'null', 'Null', 'NULL', '']) assert.equal(value(t), null, JSON.stringify(t));
  assert.equal(value("'0644'"), '0644');
  assert.equal(value('"yes"'), 'yes');
  assert.equal(value('nULL'), 'nULL');
});

test('timestamps stay the text they were written as; = and unknown tags load as null (as Pegleg loads them)', () => {
  assert.equal(value('2001-12-14'), '2001-12-14');
  assert.equal(value('2001-12-14t21:59:43.10-05:00'), '2001-12-14t21:59:43.10-05:00');
  assert.equal(value('='), null);
  assert.equal(value('!encrypted/pkcs1-oaep abc'), null);
  assert.deepEqual(parseYamlStream('v: !custom\n  a: 1\n', 't')[0].value, { v: null });
});

test('explicit tags: !!str keeps text, !!int resolves, !!binary decodes to text', () => {
  assert.equal(value('!!str 0644'), '0644');
  assert.equal(value('!!int "0644"'), 420);
  assert.equal(value('!!binary aGVsbG8='), 'hello');
});

test('merge keys and duplicate keys behave as in PyYAML (later key wins)', () => {
  const [doc] = parseYamlStream('base: &b {a: 1, b: 2}\nv:\n  <<: *b\n  b: 3\nd: 1\nd: 2\n', 't');
  assert.deepEqual(doc.value, { base: { a: 1, b: 2 }, v: { a: 1, b: 3 }, d: 2 });
});

test('resolvesAsNonString flags what the emitter must quote', () => {
  for (const s of ['yes', 'off', '0644', '1_0', '0x1f', '.5', '~', '', '<<', '=', '2020-01-01', '1:20']) assert.ok(resolvesAsNonString(s), s);
  for (const s of ['.', 'y', 'n', '1e3', 'abc', '0o17', 'a: b']) assert.ok(!resolvesAsNonString(s), s);
});
