import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../../core/errors/index.js';
import { sourceOf } from '../documents/index.js';
import { assembleSite } from './assemble.js';
import { lintSite } from './lint.js';
import { collectByRepository } from './collect.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-site-test-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const doc = (schema: string, name: string, layer: string, extra = '', data = '{}') =>
  `---\nschema: ${schema}\nmetadata:\n  schema: metadata/Document/v1\n  name: ${name}\n  storagePolicy: cleartext\n  layeringDefinition:\n    layer: ${layer}\n${extra}data: ${data}\n`;

const SITE = {
  'global/layering-policy.yaml': '---\nschema: deckhand/LayeringPolicy/v1\nmetadata: {schema: metadata/Control/v1, name: lp}\ndata: {layerOrder: [global, type, site]}\n',
  'global/schemas/chart.yaml':
    '---\nschema: deckhand/DataSchema/v1\nmetadata: {schema: metadata/Control/v1, name: ex/Chart/v1}\ndata: {type: object, properties: {port: {type: integer}}}\n',
  'global/charts/base.yaml': doc('ex/Chart/v1', 'base', 'global', '  labels: {name: base}\n', '{port: 80, host: h}'),
  'type/small/charts/chart.yaml': doc('ex/Chart/v1', 'typed', 'type', '  labels: {name: typed}\n  layeringDefinition:\n    layer: type\n    parentSelector: {name: base}\n    actions: [{method: merge, path: .}]\n', '{port: 81}').replace('  layeringDefinition:\n    layer: type\n  labels', '  labels'),
  'type/other/x.yaml': doc('ex/Chart/v1', 'not-mine', 'type'),
  'site/demo/site-definition.yaml': '---\nschema: pegleg/SiteDefinition/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: demo\n  storagePolicy: cleartext\n  layeringDefinition: {abstract: false, layer: site}\ndata:\n  site_type: small\n',
  'site/demo/secrets/passphrases/pw.yaml': doc('deckhand/Passphrase/v1', 'pw', 'site', '', 'hunter2'),
  'site/demo/charts/chart.yaml': doc(
    'ex/Chart/v1',
    'site-chart',
    'site',
    '  layeringDefinition:\n    layer: site\n    parentSelector: {name: typed}\n    actions: [{method: merge, path: .}]\n  substitutions:\n    - {src: {schema: deckhand/Passphrase/v1, name: pw, path: .}, dest: {path: .password}}\n',
    '{}',
  ).replace('  layeringDefinition:\n    layer: site\n  layeringDefinition', '  layeringDefinition'),
  'site/demo/.hidden/skip.yaml': 'not: [valid',
  'site/demo/tools/skip.yaml': 'not: [valid',
  'site/demo/notes.txt': 'not yaml',
  'site/other/site-definition.yaml': '---\nschema: pegleg/SiteDefinition/v1\nmetadata: {schema: metadata/Document/v1, name: other}\ndata: {site_type: other}\n',
};

test('a site is global + type/<site_type> + site/<name>, Pegleg-filtered, in walk order', async () => {
  const root = repo(SITE);
  const site = await assembleSite({ site: 'demo', repository: root });
  assert.equal(site.siteType, 'small');
  assert.deepEqual(
    site.files.map((f) => f.path),
    [
      'global/layering-policy.yaml',
      'global/charts/base.yaml',
      'global/schemas/chart.yaml',
      'type/small/charts/chart.yaml',
      'site/demo/site-definition.yaml',
      'site/demo/charts/chart.yaml',
      'site/demo/secrets/passphrases/pw.yaml',
    ],
  );
  assert.equal(site.documents.length, 7);
  assert.equal(site.repositories[0].role, 'site');
  assert.match(sourceOf(site.documents[1])!.file, /global\/charts\/base\.yaml$/);
  const collected = [...collectByRepository(site).values()].join('');
  assert.ok(collected.startsWith('---\nschema: deckhand/LayeringPolicy/v1'));
});

test('an unknown site names the sites there are', async () => {
  const root = repo(SITE);
  await assert.rejects(assembleSite({ site: 'nope', repository: root }), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    assert.match(e.message, /site nope not found: site\/nope\/site-definition\.yaml does not exist .* \(sites: demo, other\)/);
    return true;
  });
  await assert.rejects(assembleSite({ site: 'demo', repository: join(root, 'missing') }), /does not exist/);
});

test('lint reports Pegleg codes with file:line; exclude and warn adjust them', async () => {
  const root = repo({
    ...SITE,
    'site/demo/charts/noheader.yaml': doc('ex/Chart/v1', 'noheader', 'site').slice(4),
    'site/demo/charts/wrong-layer.yaml': doc('ex/Chart/v1', 'wrong', 'global'),
    'site/demo/charts/key.yaml': doc('deckhand/CertificateKey/v1', 'key', 'site', '', 'KEY').replace('storagePolicy: cleartext', 'storagePolicy: encrypted'),
    'site/demo/schemas/dup.yaml':
      '---\nschema: deckhand/DataSchema/v1\nmetadata: {schema: metadata/Control/v1, name: ex/Chart/v1}\ndata: {type: object}\n',
    'site/demo/broken.yaml': '---\na: 1\nb: [unclosed\n',
  });
  const site = await assembleSite({ site: 'demo', repository: root, tolerant: true });
  const findings = lintSite(site);
  const summary = findings.map((f) => `${f.code} ${f.severity} ${f.file?.replace(/^.*?(site|global|type)\//, '$1/')}:${f.line}`);
  assert.deepEqual(summary.sort(), [
    'P001 error site/demo/secrets/passphrases/pw.yaml:1',
    'P004 error site/demo/schemas/dup.yaml:1',
    // The two DataSchemas also share (schema, layer, name): Deckhand's duplicate check.
    'P005 error site/demo/schemas/dup.yaml:1',
    'P006 error site/demo/charts/noheader.yaml:1',
    'P007 error site/demo/broken.yaml:4',
    'P008 error site/demo/charts/wrong-layer.yaml:1',
    'P009 error site/demo/charts/key.yaml:1',
  ]);
  const relaxed = lintSite(site, { exclude: ['P001', 'P004', 'P005'], warn: ['P006'] });
  assert.deepEqual(relaxed.map((f) => `${f.code} ${f.severity}`).sort(), ['P006 warning', 'P007 error', 'P008 error', 'P009 error']);
});

test('lint runs the render with validation: failures are P005 with the document, path and line', async () => {
  const root = repo({
    ...SITE,
    'site/demo/charts/bad-port.yaml': doc('ex/Chart/v1', 'bad-port', 'site', '', '{port: eighty}'),
    'site/demo/charts/missing-src.yaml': doc('ex/Chart/v1', 'needs', 'site', '  substitutions:\n    - {src: {schema: ex/Gone/v1, name: g, path: .}, dest: {path: .x}}\n'),
  });
  const site = await assembleSite({ site: 'demo', repository: root });
  const findings = lintSite(site, { exclude: ['P001'] });
  const p005 = findings.filter((f) => f.code === 'P005');
  assert.deepEqual(
    p005.map((f) => [f.severity, f.path, f.line, f.message.replace(/ \(.*$/, '')]),
    [
      ['warning', 'metadata.substitutions[0].src', 10, 'SubstitutionSourceNotFound: Could not find substitution source document [ex/Gone/v1] g among the provided substitution sources.'],
      ['error', 'data.port', 9, "ex/Chart/v1:bad-port at data.port: 'eighty' is not of type 'integer'"],
    ],
  );
  const strict = lintSite(site, { exclude: ['P001'], failOnMissingSubSrc: true }).filter((f) => f.code === 'P005');
  assert.equal(strict.length, 1);
  assert.match(strict[0].message, /^SubstitutionSourceNotFound: Required substitution source document \[ex\/Gone\/v1\] g was not found/);
});
