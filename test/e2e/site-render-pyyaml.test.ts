/**
 * Strata reads YAML as PyYAML does (Debian's python3-yaml, the library
 * Deckhand and Pegleg use), checked against PyYAML itself: every YAML file
 * of the shared fixtures and a set of YAML 1.1 corner cases load to the same
 * values, and what Strata writes PyYAML reads back unchanged. PyYAML loads
 * with Pegleg's catch-all for unknown tags (they become None).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpYamlStream, parseYamlStream } from '../../src/site/documents/index.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const PYTHON = '/usr/bin/python3';

const LOADER = `
import sys, json, yaml
from yaml.constructor import SafeConstructor
SafeConstructor.add_multi_constructor('', lambda loader, suffix, node: None)
out = {}
for path in json.load(sys.stdin):
    with open(path, newline='') as f:
        try:
            out[path] = list(yaml.safe_load_all(f))
        except yaml.YAMLError as e:
            out[path] = {'__error__': str(e).split(chr(10))[0]}
# bytes (!!binary) as Pegleg decodes them; dates as written
json.dump(out, sys.stdout, default=lambda o: o.decode() if isinstance(o, bytes) else str(o))
`;

function pyyamlLoad(paths: string[]): Record<string, unknown> {
  const r = spawnSync(PYTHON, ['-c', LOADER], { input: JSON.stringify(paths), encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  assert.equal(r.status, 0, `PyYAML (${PYTHON}) must be installed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function ours(path: string): unknown {
  try {
    return JSON.parse(JSON.stringify(parseYamlStream(readFileSync(path, 'utf8'), path).map((d) => d.value)));
  } catch (err) {
    return { __error__: (err as Error).message };
  }
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (e.name.endsWith('.yaml') || e.name.endsWith('.yml')) out.push(p);
  }
  return out;
}

const CASES: Record<string, string> = {
  ints: 'a: 0644\nb: 0o644\nc: 0x1F\nd: 0b101\ne: 1_000\nf: 1:30\ng: -1:00:01\nh: 09\ni: 1e3\nj: +12\nk: -0\nl: 0_7\n',
  floats: 'a: 1.0e+3\nb: .5\nc: .\nd: 1.\ne: 1.5e-7\nf: 1:30.5\nh: 1_0.5\ni: 6.8523015e+5\nj: 685.230_15e+03\n',
  bools: 'a: [yes, Yes, YES, no, No, NO, on, On, ON, off, Off, OFF, true, True, TRUE, false, False, FALSE]\nb: [y, Y, n, N, yEs, oN, tRUE]\n',
  nulls: 'a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: [~, null, ]\ng: nULL\n',
  dates: 'a: 2001-12-14\nb: [2002-12-14, "2003-01-01"]\n',
  tags: 'a: !foo bar\nb: !!str 0644\nc: !!int "017"\nd: !custom {x: 1}\ne: =\nf: !!binary aGVsbG8gd29ybGQ=\n',
  merge: 'base: &b {a: 1, b: 2}\nover:\n  <<: *b\n  b: 3\nmulti:\n  <<: [*b, {c: 4}]\ndup: 1\ndup: 2\n',
  'eof-literal': 'a: |\n  foo\n  bar',
  'eof-keep': 'a: |+\n  foo',
  'eof-strip': 'a: |-\n  foo',
  'eof-folded': 'a: >\n  folded\n  text\n\n  more',
  'eof-seq': '- x\n- |\n  line one\n  line two',
  'eof-spaces': 'a: |\n  foo\n  ',
  'eof-comment': 'a: |\n  foo\n# done',
  'eof-quoted': 'a: "x\\n"',
  'keep-trailing': 'a: |+\n  foo\n\n\nb: 1\n',
  streams: '# leading\n---\na: 1\n...\n---\n---\nb: 2\n--- text\n---\n- l\n',
  crlf: 'a: |\r\n  one\r\n  two\r\nb: 0644\r\n',
  flow: '{a: [1, yes, no, 0x10], b: {c: ~, d: "0644"}, "e f": .5}\n',
  quoting: "a: \"\\u00e9\\t\\x41\"\nb: 'it''s'\nc: 'multi\n  line'\nd: \"folded\n  \\\n  escaped\"\ne: ключ\n",
  folded: 'a: >\n  one\n    more indented\n  two\n\n  three\n',
  indicators: 'a: -foo\nb: "- item"\nc: a:b\nd: "a: b"\ne: x #comment\nf: "#hash"\ng: [a, b]\n',
};

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-pyyaml-'));
  for (const [name, text] of Object.entries(CASES)) writeFileSync(join(dir, `${name}.yaml`), text);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('YAML 1.1 corner cases load as PyYAML loads them', () => {
  const paths = Object.keys(CASES).map((n) => join(dir, `${n}.yaml`));
  const py = pyyamlLoad(paths);
  for (const p of paths) assert.deepEqual(ours(p), py[p], p.replace(dir, ''));
});

test('every YAML file of the shared fixtures loads as PyYAML loads it', () => {
  const paths = ['treasuremap-v1.9', 'deckhand-gabbits', 'zuul-openstack-project-config'].flatMap((d) => yamlFiles(join(FIXTURES, d)));
  assert.ok(paths.length > 900, String(paths.length));
  const py = pyyamlLoad(paths);
  const differing = paths.filter((p) => {
    try {
      assert.deepEqual(ours(p), py[p]);
      return false;
    } catch {
      return true;
    }
  });
  assert.deepEqual(differing, []);
});

test('what Strata writes, PyYAML reads back as the same values', () => {
  const values: unknown[] = yamlFiles(join(FIXTURES, 'treasuremap-v1.9')).flatMap((p) => parseYamlStream(readFileSync(p, 'utf8'), p).map((d) => d.value));
  values.push({
    strings: ['yes', 'no', 'on', 'off', 'y', 'n', '0644', '0o17', '1e3', '1_000', '1:30', '.5', '.', '~', 'null', '', '<<', '=', '2020-01-01', '- x', ': y', '#c', ' lead', 'trail ', 'tab\there', 'é', 'a: b', 'x #y', '"q"', "'s'", '%', '@', '`'],
    multiline: ['a\nb', 'a\nb\n', 'a\n\n', '\nlead', ' indented\nx', 'x\n  y\n', 'bell\x07', 'cr\r\nlf'],
    numbers: [0, -1, 420, 0.1, 1.5e-7, 1e21, 34.8],
    nested: { '0644': { yes: [[], {}, null, true] } },
  });
  const text = dumpYamlStream(values);
  const file = join(dir, 'emitted.yaml');
  writeFileSync(file, text);
  const py = pyyamlLoad([file])[file];
  assert.deepEqual(py, JSON.parse(JSON.stringify(values)));
});
