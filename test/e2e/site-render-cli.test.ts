/**
 * `strata site render|lint|collect` as processes: documents on stdout (YAML
 * that PyYAML reads back as the same documents, or one JSON array), warnings
 * on stderr, and bad input answered with one line naming the document, the
 * path and file:line, and a non-zero exit.
 *
 * The command runs from bench/site-cli.ts, which mounts src/site/cli.ts as
 * src/cli/main.ts does; PyYAML is Debian's (/usr/bin/python3).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, '../shared/fixtures');
const TREASUREMAP = join(FIXTURES, 'treasuremap-v1.9');
const PYTHON = '/usr/bin/python3';

const temps: string[] = [];
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function strata(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/site-cli.ts'), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** PyYAML's reading of a YAML stream, as JSON. */
function pyyaml(text: string): unknown {
  const r = spawnSync(PYTHON, ['-c', 'import sys, json, yaml; json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)'], {
    input: text,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const key = (d: { schema: string; metadata: { name: string; layeringDefinition?: { layer?: string } } }) =>
  `${d.schema}|${d.metadata.name}|${d.metadata.layeringDefinition?.layer ?? ''}`;
const sortDocs = (docs: unknown) => [...(docs as Parameters<typeof key>[0][])].sort((a, b) => (key(a) < key(b) ? -1 : 1));

test('render seaworthy: YAML that PyYAML reads as the --json documents, equal to Deckhand\'s', () => {
  const yaml = strata(['site', 'render', 'seaworthy', '-r', TREASUREMAP]);
  assert.equal(yaml.status, 0, yaml.stderr);
  assert.equal(yaml.stderr, '');
  const json = strata(['site', 'render', 'seaworthy', '-r', TREASUREMAP, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const docs = JSON.parse(json.stdout);
  assert.deepEqual(pyyaml(yaml.stdout), docs);
  const reference = JSON.parse(readFileSync(join(FIXTURES, 'treasuremap-v1.9-rendered/seaworthy.redacted.json'), 'utf8'));
  assert.deepEqual(sortDocs(docs), sortDocs(reference));
  const clear = strata(['--json', 'site', 'render', 'seaworthy', '-r', TREASUREMAP, '--cleartext-secrets']);
  const cleartextReference = JSON.parse(readFileSync(join(FIXTURES, 'treasuremap-v1.9-rendered/seaworthy.json'), 'utf8'));
  assert.deepEqual(sortDocs(JSON.parse(clear.stdout)), sortDocs(cleartextReference));
});

test('render aiab: 40 warnings on stderr; with --strict a one-line error naming document, path and file:line', () => {
  const r = strata(['site', 'render', 'aiab', '-r', TREASUREMAP, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stderr.trim().split('\n');
  assert.equal(warnings.length, 40);
  for (const w of warnings) assert.match(w, /^strata: warning: .*treasuremap-v1\.9\/.*\.yaml:\d+: Could not find substitution source document \[deckhand\/\w+\/v1\] /);
  const strict = strata(['site', 'render', 'aiab', '-r', TREASUREMAP, '--strict']);
  assert.equal(strict.status, 1);
  assert.equal(strict.stdout, '');
  assert.equal(strict.stderr.trim().split('\n').length, 1);
  assert.match(strict.stderr, /^strata: Required substitution source document \[deckhand\/\w+\/v1\] \S+ was not found, yet is referenced by \[\S+\] \S+ at metadata\.substitutions\[\d+\]\.src \(.*\.yaml:\d+\)\n$/);
});

function site(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-site-e2e-'));
  temps.push(root);
  const all: Record<string, string> = {
    'global/policy.yaml': '---\nschema: deckhand/LayeringPolicy/v1\nmetadata: {schema: metadata/Control/v1, name: lp}\ndata: {layerOrder: [global, site]}\n',
    'site/s/site-definition.yaml':
      '---\nschema: pegleg/SiteDefinition/v1\nmetadata: {schema: metadata/Document/v1, name: s, storagePolicy: cleartext, layeringDefinition: {layer: site}}\ndata: {site_type: t}\n',
    ...files,
  };
  for (const [p, t] of Object.entries(all)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), t);
  }
  return root;
}

const chart = (name: string, layer: string, extra = '', data = '{}') =>
  `---\nschema: ex/Chart/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: ${name}\n  storagePolicy: cleartext\n  layeringDefinition:\n    layer: ${layer}\n${extra}data: ${data}\n`;

function failsWith(files: Record<string, string>, pattern: RegExp, extra: string[] = []): void {
  const r = strata(['site', 'render', 's', '-r', site(files), ...extra]);
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

test('bad input: each error is one line naming what and where', () => {
  failsWith({ 'site/s/bad.yaml': '---\na: 1\nb: [1, 2\nc: 3\n' }, /^strata: Invalid YAML: .* \(.*site\/s\/bad\.yaml:\d+:\d+\)$/);
  failsWith({ 'site/s/c.yaml': chart('c', 'moon') }, /^strata: Invalid layer 'moon' for document \[ex\/Chart\/v1\] c .* at metadata\.layeringDefinition\.layer \(.*site\/s\/c\.yaml:8\)$/);
  failsWith(
    {
      'site/s/a.yaml': chart('a', 'site', '  substitutions:\n    - {src: {schema: ex/Chart/v1, name: b, path: .x}, dest: {path: .y}}\n', '{x: 1}'),
      'site/s/b.yaml': chart('b', 'site', '  substitutions:\n    - {src: {schema: ex/Chart/v1, name: a, path: .x}, dest: {path: .y}}\n', '{x: 2}'),
    },
    /^strata: Cannot determine substitution order as a dependency cycle exists for the following documents: \[ex\/Chart\/v1, site\] a -> \[ex\/Chart\/v1, site\] b -> \[ex\/Chart\/v1, site\] a \(.*site\/s\/a\.yaml:1\)$/,
  );
  failsWith(
    {
      'global/schema.yaml': '---\nschema: deckhand/DataSchema/v1\nmetadata: {schema: metadata/Control/v1, name: ex/Chart/v1}\ndata: {type: object, properties: {port: {type: integer}}}\n',
      'site/s/c.yaml': chart('c', 'site', '', '{port: "80"}'),
    },
    /^strata: The provided documents failed schema validation: \[ex\/Chart\/v1, site\] c: '80' is not of type 'integer' at data\.port \(.*site\/s\/c\.yaml:9\)$/,
  );
  failsWith(
    { 'site/s/c.yaml': chart('c', 'site', '  substitutions:\n    - {src: {schema: ex/Gone/v1, name: g, path: .}, dest: {path: .x}}\n') },
    /^strata: Required substitution source document \[ex\/Gone\/v1\] g was not found, yet is referenced by \[ex\/Chart\/v1\] c at metadata\.substitutions\[0\]\.src \(.*site\/s\/c\.yaml:10\)$/,
    ['--strict'],
  );
  failsWith({ 'site/s/c.yaml': chart('c', 'site').replace('storagePolicy: cleartext', 'storagePolicy: open') }, /^strata: .*'open' is not one of \['encrypted', 'cleartext'\] at metadata\.storagePolicy \(.*c\.yaml:6\)$/);
  const missing = strata(['site', 'render', 'nosuch', '-r', TREASUREMAP]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^strata: site nosuch not found: site\/nosuch\/site-definition\.yaml does not exist in .* \(sites: aiab, airskiff, airskiff-suse, airsloop, seaworthy, seaworthy-virt\)\n$/);
  const noRepo = strata(['site', 'render', 's']);
  assert.notEqual(noRepo.status, 0);
  assert.match(noRepo.stderr, /--repository/);
});

test('lint: findings with codes and file:line, exit 1 on errors; -x and -w adjust', () => {
  const root = site({
    'site/s/secrets/pw.yaml': chart('pw', 'site', '', 'x').replace('ex/Chart/v1', 'deckhand/Passphrase/v1'),
    'site/s/wrong.yaml': chart('w', 'global'),
  });
  const r = strata(['site', 'lint', 's', '-r', root]);
  assert.equal(r.status, 1);
  const lines = r.stdout.trim().split('\n').sort();
  assert.equal(lines.length, 2, r.stdout);
  assert.match(lines[0], /^P001 error: .*site\/s\/secrets\/pw\.yaml:1: document deckhand\/Passphrase\/v1:pw is a secret, but has unexpected storagePolicy: "cleartext"$/);
  assert.match(lines[1], /^P008 error: .*site\/s\/wrong\.yaml:1: document ex\/Chart\/v1:w had unexpected layer "global", expected "site"$/);
  assert.match(r.stderr, /^strata: site s: lint found 2 error\(s\)\n$/);
  const relaxed = strata(['site', 'lint', 's', '-r', root, '-x', 'P001', '-w', 'P008', '--json']);
  assert.equal(relaxed.status, 0, relaxed.stderr);
  assert.deepEqual(JSON.parse(relaxed.stdout).map((f: { code: string; severity: string }) => [f.code, f.severity]), [['P008', 'warning']]);
});

test('lint seaworthy: its cleartext passphrases are P001, everything else passes', () => {
  const r = strata(['site', 'lint', 'seaworthy', '-r', TREASUREMAP, '--json']);
  const findings = JSON.parse(r.stdout) as { code: string; severity: string; file: string; line: number }[];
  const codes = new Set(findings.map((f) => f.code));
  assert.deepEqual([...codes].sort(), ['P001'], JSON.stringify(findings.filter((f) => f.code !== 'P001').slice(0, 3)));
  assert.ok(findings.every((f) => f.file.endsWith('.yaml') && f.line >= 1));
  assert.equal(r.status, 1);
  const excluded = strata(['site', 'lint', 'seaworthy', '-r', TREASUREMAP, '-x', 'P001']);
  assert.equal(excluded.status, 0, excluded.stderr);
});

test('collect: the files as written, per repository; they parse to the same documents', () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-collect-'));
  temps.push(root);
  cpSync(TREASUREMAP, join(root, 'treasuremap'), { recursive: true });
  const out = join(root, 'out');
  const r = strata(['site', 'collect', 'airsloop', '-r', join(root, 'treasuremap'), '-s', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(out, 'treasuremap.yaml'));
  const collected = readFileSync(join(out, 'treasuremap.yaml'), 'utf8');
  const json = strata(['site', 'collect', 'airsloop', '-r', join(root, 'treasuremap'), '--json']);
  assert.deepEqual(pyyaml(collected), JSON.parse(json.stdout));
  const stdout = strata(['site', 'collect', 'airsloop', '-r', join(root, 'treasuremap')]);
  assert.equal(stdout.stdout, collected);
});
