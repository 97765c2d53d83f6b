import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigYamlError } from './errors.js';
import { EncryptedValue, loadYaml, OverrideValue } from './yaml.js';

const value = (text: string) => (loadYaml(`v: ${text}\n`).data as { v: unknown }).v;

describe('loadYaml', () => {
  it('resolves scalars as PyYAML does (YAML 1.1)', () => {
    const cases: Array<[string, unknown]> = [
      ['yes', true], ['No', false], ['on', true], ['OFF', false], ['true', true], ['y', 'y'], ['n', 'n'],
      ['0644', 420], ['0x1f', 31], ['0b101', 5], ['1_000', 1000], ['-12', -12], ['1:30', 90], ['09', '09'],
      ['1.5', 1.5], ['1e3', '1e3'], ['1.0e+3', 1000], ['.inf', Infinity], ['-.Inf', -Infinity], ['.', '.'],
      ['~', null], ['null', null], ['', null], ["'yes'", 'yes'], ['"0644"', '0644'], ['2.10', 2.1],
    ];
    for (const [text, expected] of cases) assert.deepEqual(value(text), expected, text);
    assert.ok(Number.isNaN(value('.nan')));
    assert.ok(value('2024-01-02') instanceof Date);
  });

  it('keeps !encrypted/pkcs1-oaep values opaque, scalar or list', () => {
    const scalar = value('!encrypted/pkcs1-oaep QUJD');
    assert.ok(scalar instanceof EncryptedValue);
    assert.deepEqual(scalar.chunks(), ['QUJD']);
    const list = (loadYaml('v: !encrypted/pkcs1-oaep\n  - AB\n    CD\n  - EF\n').data as { v: EncryptedValue }).v;
    assert.deepEqual(list.chunks(), ['ABCD', 'EF']);
  });

  it('reads !override and !inherit on lists, maps and strings', () => {
    const o = value('!override [a]');
    assert.ok(o instanceof OverrideValue && o.override === true);
    assert.deepEqual((o as OverrideValue).value, ['a']);
    const i = value('!inherit {a: 1}');
    assert.ok(i instanceof OverrideValue && i.override === false);
    assert.deepEqual((value('!override x') as OverrideValue).value, 'x');
  });

  it('records the line of every mapping, key and list item', () => {
    const { data, marks } = loadYaml('# c\n- job:\n    name: a\n\n    vars:\n      k: 1\n- project:\n    check:\n      jobs:\n        - a\n        - b: {voting: false}\n');
    const list = data as Array<Record<string, Record<string, unknown>>>;
    assert.deepEqual([marks.itemLine(list, 0), marks.itemLine(list, 1)], [2, 7]);
    assert.equal(marks.keyLine(list[0], 'job'), 2);
    assert.equal(marks.keyLine(list[0].job, 'vars'), 5);
    assert.equal(marks.line(list[0].job.vars), 6);
    const jobs = (list[1].project.check as { jobs: unknown[] }).jobs;
    assert.deepEqual([marks.itemLine(jobs, 0), marks.itemLine(jobs, 1)], [10, 11]);
  });

  it('rejects duplicate keys, unknown tags and bad syntax with the line', () => {
    const where = { location: { project: 'org/a', branch: 'master', path: 'zuul.yaml' } };
    const check = (text: string, line: number, re: RegExp) => assert.throws(() => loadYaml(text, where),
      (e: unknown) => e instanceof ConfigYamlError && e.location?.line === line && re.test(e.reason) && e.location.project === 'org/a');
    check('a: 1\nb: 2\na: 3\n', 3, /duplicate mapping key/);
    check('a: !unsafe x\n', 1, /unknown tag/);
    check('a:\n  - x\n  y: 1\n', 3, /bad indentation/);
  });
});
