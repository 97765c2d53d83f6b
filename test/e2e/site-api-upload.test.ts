/**
 * `strata site upload`: a real site (treasuremap's seaworthy) assembled from
 * its repository and stored as a bucket of a real server; again unchanged;
 * then a broken copy refused, naming the file and line, with nothing written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, api, startServer, strata, type StrataServer } from '../helpers/strata.js';

const TREASUREMAP = join(FIXTURES, 'treasuremap-v1.9');
let server: StrataServer;
const work = mkdtempSync(join(tmpdir(), 'strata-upload-'));

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function json<T>(path: string): Promise<T> {
  return (await (await api(server, path, { headers: { accept: 'application/json' } })).json()) as T;
}
const revisions = async () => (await json<{ count: number }>('/deckhand/api/v1.0/revisions')).count;

test('upload stores the site as a bucket and prints the revision; the same site again is no change', async () => {
  const first = await strata(['--json', 'site', 'upload', 'seaworthy', '-r', TREASUREMAP], { env: server.env });
  assert.equal(first.code, 0, first.stderr);
  const out = JSON.parse(first.stdout);
  assert.equal(out.bucket, 'seaworthy');
  assert.equal(out.revision, 1);
  assert.equal(out.created, true);
  assert.ok(out.documents > 300, `seaworthy has hundreds of documents (got ${out.documents})`);

  const docs = await json<unknown[]>('/deckhand/api/v1.0/revisions/1/documents?status.bucket=seaworthy');
  assert.equal(docs.length, out.documents);
  const rendered = await api(server, '/deckhand/api/v1.0/revisions/1/rendered-documents?schema=pegleg/CommonAddresses/v1', { headers: { accept: 'application/json' } });
  assert.equal(rendered.status, 200);
  assert.equal(((await rendered.json()) as unknown[]).length, 1);

  const again = await strata(['site', 'upload', 'seaworthy', '-r', TREASUREMAP, '--bucket', 'seaworthy'], { env: server.env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^no change: bucket seaworthy already holds these \d+ documents \(revision 1\)\n$/);
  assert.equal(await revisions(), 1);
});

test('a site that would not render is refused with the file and line of the document; nothing is written', async () => {
  const copy = join(work, 'treasuremap');
  cpSync(TREASUREMAP, copy, { recursive: true });
  const file = join(copy, 'site/seaworthy/networks/common-addresses.yaml');
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^\s+layer: site\s*$/.test(l));
  assert.ok(at >= 0);
  lines[at] = lines[at].replace('layer: site', 'layer: moon');
  writeFileSync(file, lines.join('\n'));

  const r = await strata(['site', 'upload', 'seaworthy', '-r', copy], { env: server.env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`400 InvalidDocumentLayer: Invalid layer 'moon' .*\\[${file.replace(/[/.]/g, '\\$&')}:${at + 1} \\(metadata\\.layeringDefinition\\.layer\\)\\]`));
  assert.equal(await revisions(), 1);

  const forced = await strata(['--json', 'site', 'upload', 'seaworthy', '-r', copy, '--no-render-check'], { env: server.env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(JSON.parse(forced.stdout).revision, 2);
  const rendered = await api(server, '/deckhand/api/v1.0/revisions/2/rendered-documents');
  assert.equal(rendered.status, 400, 'the revision stored without the check does not render');
});

test('upload needs a server and says so in one line', async () => {
  const r = await strata(['site', 'upload', 'seaworthy', '-r', TREASUREMAP], { env: { ...server.env, STRATA_URL: 'http://127.0.0.1:9' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot reach Strata at http:\/\/127\.0\.0\.1:9/);
});
