/**
 * The Deckhand-compatible API of real `strata server` processes beyond what
 * Deckhand's own suite checks: bad input answers 4xx in Deckhand's format
 * naming document and path and writes nothing (SQLite and PostgreSQL),
 * concurrent writers from two processes, secrets at rest and in responses,
 * roles, the render check on upload, validations, JSON responses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, strata, type StrataServer } from '../helpers/strata.js';
import { startPostgres, type PostgresCluster } from '../../src/core/testing/index.js';

const API = '/deckhand/api/v1.0';
const servers: StrataServer[] = [];
const clusters: PostgresCluster[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const c of clusters) c.stop();
});

async function start(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<StrataServer> {
  const s = await startServer({ args, env });
  servers.push(s);
  return s;
}

interface Call {
  status: number;
  text: string;
  headers: Headers;
}

async function call(s: StrataServer, method: string, path: string, opts: { body?: string; token?: string; type?: string; accept?: string } = {}): Promise<Call> {
  const headers: Record<string, string> = {};
  const token = opts.token ?? s.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/x-yaml';
  if (opts.accept) headers.accept = opts.accept;
  const res = await fetch(s.url + API + path, { method, headers, body: opts.body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const put = (s: StrataServer, bucket: string, body: string, opts: { token?: string; query?: string } = {}) =>
  call(s, 'PUT', `/buckets/${bucket}/documents${opts.query ?? ''}`, { body, token: opts.token });

async function revisionCount(s: StrataServer): Promise<number> {
  const r = await call(s, 'GET', '/revisions', { accept: 'application/json' });
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text).count;
}

const LP = `---
schema: deckhand/LayeringPolicy/v1
metadata:
  schema: metadata/Control/v1
  name: layering-policy
data:
  layerOrder: [global, site]
`;

function docYaml(name: string, data: string, meta = ''): string {
  return `---
schema: example/Kind/v1
metadata:
  schema: metadata/Document/v1
  name: ${name}
  storagePolicy: cleartext
  layeringDefinition:
    abstract: false
    layer: site
${meta}data: ${data}
`;
}

function assertStatusDoc(r: Call, code: string, pattern: RegExp): void {
  assert.equal(r.headers.get('content-type'), 'application/x-yaml');
  assert.match(r.text, new RegExp(`^code: ${code}$`, 'm'), r.text);
  assert.match(r.text, /^kind: Status$/m);
  assert.match(r.text, /^status: Failure$/m);
  assert.match(r.text, pattern, r.text);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`bad input writes nothing (${dialect})`, () => {
    let s: StrataServer;
    before(async () => {
      const args = ['--body-limit', String(256 * 1024)];
      if (dialect === 'postgres') {
        const pg = await startPostgres();
        clusters.push(pg);
        args.push('--database', pg.url);
      }
      s = await start(args);
      const first = await put(s, 'base', LP + docYaml('one', '{a: 1}'));
      assert.equal(first.status, 200, first.text);
      assert.equal(first.headers.get('x-strata-revision'), '1');
    });

    const unchanged = async () => assert.equal(await revisionCount(s), 1);

    test('invalid YAML: 400 naming the line', async () => {
      const r = await put(s, 'x', 'a: [1\nb: 2\n');
      assert.equal(r.status, 400);
      assertStatusDoc(r, '400 Bad Request', /source: request body:2:1/);
      await unchanged();
    });

    test('a document that is not a mapping: 400 naming its position', async () => {
      const r = await put(s, 'x', '--- [1, 2]\n');
      assert.equal(r.status, 400);
      assertStatusDoc(r, '400 Bad Request', /document 1 of request body is a list/);
      await unchanged();
    });

    test('schema violations: 400 listing each document, path and line', async () => {
      const body = docYaml('bad-layer', '{}').replace('layer: site', 'layer: 5') + '---\nschema: example/Kind/v1\nmetadata:\n  schema: metadata/Document/v1\n  storagePolicy: cleartext\ndata: {}\n';
      const r = await put(s, 'x', body);
      assert.equal(r.status, 400);
      assertStatusDoc(r, '400 Bad Request', /errorType: InvalidDocumentFormat/);
      assert.match(r.text, /name: bad-layer\n {6}schema: example\/Kind\/v1/);
      assert.match(r.text, /path: metadata\.layeringDefinition\.layer/);
      assert.match(r.text, /''name'' is a required property/);
      assert.match(r.text, /source: request body:\d+/);
      await unchanged();
    });

    test('the same document twice in one body: 400', async () => {
      const r = await put(s, 'x', docYaml('twice', '{}') + docYaml('twice', '{b: 2}'));
      assert.equal(r.status, 400);
      assertStatusDoc(r, '400 Bad Request', /Duplicate document/);
      await unchanged();
    });

    test('a document that lives in another bucket: 409 naming it and the bucket', async () => {
      const r = await put(s, 'x', docYaml('one', '{a: 1}'));
      assert.equal(r.status, 409);
      assertStatusDoc(r, '409 Conflict', /Document \[example\/Kind\/v1, site\] one already exists in bucket: base/);
      assert.match(r.text, /errorType: DuplicateDocumentExists/);
      await unchanged();
    });

    test('a second LayeringPolicy: 409', async () => {
      const r = await put(s, 'x', LP.replace('name: layering-policy', 'name: another'));
      assert.equal(r.status, 409);
      assertStatusDoc(r, '409 Conflict', /SingletonDocumentConflict/);
      await unchanged();
    });

    test('a body over the limit: 413 in Deckhand’s format', async () => {
      const r = await put(s, 'x', docYaml('huge', `"${'x'.repeat(300 * 1024)}"`));
      assert.equal(r.status, 413);
      assertStatusDoc(r, '413 Payload Too Large', /HTTPPayloadTooLarge/);
      await unchanged();
    });

    test('a body that is not YAML: 415', async () => {
      const r = await put(s, 'x', docYaml('y', '{}')).then(() => call(s, 'PUT', '/buckets/x/documents', { body: 'x', type: 'text/plain' }));
      assert.equal(r.status, 415);
      assertStatusDoc(r, '415 Unsupported Media Type', /Unexpected content type: text\/plain/);
      const noType = await fetch(s.url + API + '/buckets/x/documents', { method: 'PUT', headers: { authorization: `Bearer ${s.token}` }, body: new Uint8Array(Buffer.from('a: 1')) });
      assert.equal(noType.status, 400);
      assert.match(await noType.text(), /The Content-Type header is required/);
      assert.equal(await revisionCount(s), 2, 'only the valid PUT before it made a revision');
      // Put the state back for the tests after this one.
      assert.equal((await put(s, 'x', '')).status, 200);
    });

    test('the same documents again: 200, no new revision, the current one named', async () => {
      const before = await revisionCount(s);
      const r = await put(s, 'base', LP + docYaml('one', '{a: 1}'));
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-strata-revision-created'), 'false');
      assert.equal(await revisionCount(s), before);
      assert.match(r.text, new RegExp(`revision: ${before}\\n`));
    });

    test('with ?render=true a change after which the site would not render is refused: unknown layer, cycle, missing source', async () => {
      const before = await revisionCount(s);
      const unknownLayer = await put(s, 'r', docYaml('in-nowhere', '{}').replace('layer: site', 'layer: moon'), { query: '?render=true' });
      assert.equal(unknownLayer.status, 400, unknownLayer.text);
      assertStatusDoc(unknownLayer, '400 Bad Request', /Invalid layer ''moon'' for document \[example\/Kind\/v1\] in-nowhere/);
      assert.match(unknownLayer.text, /path: metadata\.layeringDefinition\.layer/);
      assert.match(unknownLayer.text, /source: request body:\d+/, 'the line in the request body');

      const sub = (from: string) => `  substitutions:\n  - src: {schema: example/Kind/v1, name: ${from}, path: .v}\n    dest: {path: .v}\n`;
      const cycle = await put(s, 'r', docYaml('c1', '{v: 1}', sub('c2')) + docYaml('c2', '{v: 2}', sub('c1')), { query: '?render=true' });
      assert.equal(cycle.status, 400, cycle.text);
      assertStatusDoc(cycle, '400 Bad Request', /dependency cycle/);

      const missing = await put(s, 'r', docYaml('needs', '{}', sub('nobody')), { query: '?render=true' });
      assert.equal(missing.status, 409, missing.text);
      assertStatusDoc(missing, '409 Conflict', /substitution source document \[example\/Kind\/v1\] nobody was not found/);
      assert.match(missing.text, /name: needs/);
      assert.match(missing.text, /path: metadata\.substitutions\[0\]/);
      assert.equal(await revisionCount(s), before);

      // Without the check Deckhand's behaviour stands: the PUT succeeds, rendering reports the error.
      const plain = await put(s, 'r', docYaml('needs', '{}', sub('nobody')));
      assert.equal(plain.status, 200);
      const rendered = await call(s, 'GET', `/revisions/${before + 1}/rendered-documents`);
      assert.equal(rendered.status, 409);
      assertStatusDoc(rendered, '409 Conflict', /SubstitutionSourceNotFound/);
    });
  });
}

test('two server processes on one PostgreSQL store: concurrent PUTs to different buckets each make a revision', async () => {
  const pg = await startPostgres();
  clusters.push(pg);
  const env = { STRATA_SECRET_KEY: randomBytes(32).toString('base64') };
  const a = await start(['--database', pg.url], env);
  const b = await start(['--database', pg.url], env);
  const both = [a, b];
  const results = await Promise.all(
    Array.from({ length: 16 }, (_, i) => put(both[i % 2], `bucket-${i}`, docYaml(`doc-${i}`, `{i: ${i}}`), { token: a.token })),
  );
  for (const r of results) assert.equal(r.status, 200, r.text);
  const ids = results.map((r) => Number(r.headers.get('x-strata-revision'))).sort((x, y) => x - y);
  assert.deepEqual(ids, Array.from({ length: 16 }, (_, i) => i + 1));
  const docs = await call(b, 'GET', '/revisions/16/documents', { token: a.token, accept: 'application/json' });
  assert.equal(JSON.parse(docs.text).length, 16);
});

test('two server processes on one SQLite file: concurrent PUTs each make a revision', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sqlite-shared-'));
  try {
    const db = join(dir, 'shared.db');
    const env = { STRATA_SECRET_KEY: randomBytes(32).toString('base64') };
    const a = await start(['--database', db], env);
    const b = await start(['--database', db], env);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(i % 2 ? b : a, `b${i}`, docYaml(`d${i}`, '{}'), { token: a.token })));
    for (const r of results) assert.equal(r.status, 200, r.text);
    assert.deepEqual(results.map((r) => Number(r.headers.get('x-strata-revision'))).sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => i + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('secrets and roles', () => {
  let s: StrataServer;
  let member = '';
  let reader = '';
  before(async () => {
    s = await start();
    const m = await strata(['token', 'create', '--role', 'member', '--project', 'p'], { env: s.env });
    const r = await strata(['token', 'create', '--role', 'reader', '--project', 'p'], { env: s.env });
    assert.equal(m.code, 0, m.stderr);
    member = m.stdout.trim();
    reader = r.stdout.trim();
  });

  const secretDocs =
    LP +
    `---
schema: deckhand/Passphrase/v1
metadata:
  schema: metadata/Document/v1
  name: db-password
  storagePolicy: encrypted
  layeringDefinition: {abstract: false, layer: site}
data: correct-horse-battery-staple
---
schema: example/Kind/v1
metadata:
  schema: metadata/Document/v1
  name: uses-secret
  storagePolicy: cleartext
  layeringDefinition: {abstract: false, layer: site}
  substitutions:
  - src: {schema: deckhand/Passphrase/v1, name: db-password, path: .}
    dest: {path: .password}
data: {user: admin}
`;

  test('only an admin may store encrypted documents; a member gets 403 in Deckhand’s format', async () => {
    const denied = await put(s, 'secrets', secretDocs, { token: member });
    assert.equal(denied.status, 403);
    assertStatusDoc(denied, '403 Forbidden', /create_encrypted_documents/);
    const ok = await put(s, 'secrets', secretDocs);
    assert.equal(ok.status, 200, ok.text);
    assert.ok(!ok.text.includes('correct-horse'), 'the PUT response redacts the secret');
  });

  test('the secret is encrypted at rest', () => {
    const files = readdirSync(s.dataDir).filter((f) => f.startsWith('strata.db'));
    assert.ok(files.length > 0);
    for (const f of files) assert.ok(!readFileSync(join(s.dataDir, f)).includes('correct-horse-battery-staple'), `${f} holds the plaintext`);
  });

  test('documents and rendered documents are redacted unless an admin asks for cleartext-secrets', async () => {
    for (const path of ['/revisions/1/documents', '/revisions/1/rendered-documents']) {
      const plain = await call(s, 'GET', `${path}?sort=metadata.name`, { accept: 'application/json' });
      assert.equal(plain.status, 200, plain.text);
      assert.ok(!plain.text.includes('correct-horse'), `${path} leaks the secret by default`);
      const secret = JSON.parse(plain.text).find((d: { metadata: { name: string } }) => d.metadata.name === 'db-password');
      assert.match(secret.data, /^[0-9a-f]{64}$/);
      const asReader = await call(s, 'GET', `${path}?cleartext-secrets=true`, { token: reader });
      assert.equal(asReader.status, 200);
      assert.ok(!asReader.text.includes('correct-horse'), `${path} shows a reader the secret`);
      const asAdmin = await call(s, 'GET', `${path}?cleartext-secrets=true`);
      assert.ok(asAdmin.text.includes('correct-horse-battery-staple'), `${path} hides the secret from an admin who asked`);
    }
    const rendered = JSON.parse((await call(s, 'GET', '/revisions/1/rendered-documents?metadata.name=uses-secret', { accept: 'application/json' })).text);
    assert.equal(rendered[0].metadata.storagePolicy, 'encrypted', 'a document fed by a secret is treated as secret');
    assert.match(rendered[0].data, /^[0-9a-f]{64}$/);
    const clear = JSON.parse((await call(s, 'GET', '/revisions/1/rendered-documents?metadata.name=uses-secret&cleartext-secrets=true', { accept: 'application/json' })).text);
    assert.deepEqual(clear[0].data, { user: 'admin', password: 'correct-horse-battery-staple' });
  });

  test('a reader may read but not write; deleting all revisions needs an admin', async () => {
    assert.equal((await call(s, 'GET', '/revisions', { token: reader })).status, 200);
    const w = await put(s, 'other', docYaml('x', '{}'), { token: reader });
    assert.equal(w.status, 403);
    assertStatusDoc(w, '403 Forbidden', /member required/);
    const d = await call(s, 'DELETE', '/revisions', { token: member });
    assert.equal(d.status, 403);
    const noToken = await call(s, 'GET', '/revisions', { token: '' });
    assert.equal(noToken.status, 401);
    assert.equal((await call(s, 'GET', '/health', { token: '' })).status, 204);
  });
});

describe('validations, tags, JSON', () => {
  let s: StrataServer;
  before(async () => {
    s = await start(['--noauth']);
    const policy = `---
schema: deckhand/ValidationPolicy/v1
metadata:
  schema: metadata/Control/v1
  name: site-deploy-ready
data:
  validations:
  - name: deckhand-schema-validation
  - name: drydock-site-validation
`;
    assert.equal((await put(s, 'mop', LP + policy + docYaml('x', '{}'))).status, 200);
  });

  test('validations against the ValidationPolicy: expected but missing fails, unexpected is ignored', async () => {
    let r = await call(s, 'GET', '/revisions/1/validations');
    assert.equal(r.text, 'count: 2\nresults:\n- name: deckhand-schema-validation\n  status: success\n- name: drydock-site-validation\n  status: failure\n');
    r = await call(s, 'POST', '/revisions/1/validations/drydock-site-validation', { body: 'status: success\nvalidator:\n  name: drydock\n  version: v1\n' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.text, 'status: success\nvalidator:\n  name: drydock\n  version: v1\n');
    r = await call(s, 'POST', '/revisions/1/validations/armada', { body: 'status: failure\nvalidator: {name: armada}\n' });
    assert.equal(r.status, 201);
    r = await call(s, 'GET', '/revisions/1/validations', { accept: 'application/json' });
    assert.deepEqual(JSON.parse(r.text).results, [
      { name: 'armada', status: 'ignored [failure]' },
      { name: 'deckhand-schema-validation', status: 'success' },
      { name: 'drydock-site-validation', status: 'success' },
    ]);
    r = await call(s, 'GET', '/revisions/1/validations/armada/entries/0', { accept: 'application/json' });
    assert.equal(JSON.parse(r.text).status, 'ignored [failure]');
    assert.equal((await call(s, 'GET', '/revisions/1/validations/armada/entries/5')).status, 404);
    assert.equal((await call(s, 'POST', '/revisions/1/validations/x', { body: 'status: success\n' })).status, 400);
    const show = await call(s, 'GET', '/revisions/1', { accept: 'application/json' });
    assert.deepEqual(JSON.parse(show.text).validationPolicies.map((p: { name: string; status: string }) => p.name), ['site-deploy-ready']);
    const detail = JSON.parse((await call(s, 'GET', '/revisions/1/validations/detail', { accept: 'application/json' })).text);
    assert.equal(detail.count, 3);
  });

  test('tag data must be a mapping; non-integer and unknown revisions are 400 and 404', async () => {
    const bad = await call(s, 'POST', '/revisions/1/tags/t', { body: '- a\n- b\n' });
    assert.equal(bad.status, 400);
    assertStatusDoc(bad, '400 Bad Request', /RevisionTagBadFormat/);
    assert.equal((await call(s, 'POST', '/revisions/1/tags/t', { body: 'k: v\n' })).status, 201);
    assert.equal((await call(s, 'GET', '/revisions/1/tags/t')).text, 't:\n  k: v\n');
    const nonInt = await call(s, 'GET', '/revisions/abc/documents');
    assert.equal(nonInt.status, 400);
    assertStatusDoc(nonInt, '400 Bad Request', /invalid input: abc/);
    const missing = await call(s, 'GET', '/revisions/99');
    assert.equal(missing.status, 404);
    assertStatusDoc(missing, '404 Not Found', /The requested revision=99 was not found/);
    assert.equal((await call(s, 'GET', '/revisions/0/documents')).status, 404);
  });

  test('Accept: application/json gets JSON, errors included', async () => {
    const r = await call(s, 'GET', '/revisions/1/documents?schema=example', { accept: 'application/json' });
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    const docs = JSON.parse(r.text);
    assert.equal(docs[0].metadata.name, 'x');
    assert.equal(docs[0].metadata.replacement, false, "Deckhand's metadata defaults are filled in");
    const e = await call(s, 'GET', '/revisions/77', { accept: 'application/json' });
    assert.equal(JSON.parse(e.text).code, '404 Not Found');
  });
});
