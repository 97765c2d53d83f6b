import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { api, startServer, strata, type StrataServer } from '../helpers/strata.js';
import { startPostgres, type PostgresCluster } from '../../src/core/testing/index.js';

const servers: StrataServer[] = [];
let pg: PostgresCluster | undefined;
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  pg?.stop();
});

test('first start: SQLite in the data dir, admin token written 0600, /healthz public, the rest authenticated', async () => {
  const s = await startServer();
  servers.push(s);
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(statSync(join(s.dataDir, 'admin-token')).mode & 0o777, 0o600);
  assert.equal(statSync(join(s.dataDir, 'strata.db')).isFile(), true);
  const health = (await (await fetch(`${s.url}/healthz`)).json()) as { status: string; store: string };
  assert.equal(health.status, 'ok');
  assert.equal(health.store, 'sqlite');
  assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
  assert.equal((await api(s, '/metrics')).status, 200);
});

test('the CLI creates scoped tokens; roles are enforced; errors are one line with a non-zero exit', async () => {
  const s = await startServer();
  servers.push(s);
  const created = await strata(['token', 'create', '--role', 'reader', '--project', 'lab'], { env: s.env });
  assert.equal(created.code, 0, created.stderr);
  const reader = created.stdout.trim();
  assert.match(reader, /^strata_[A-Za-z0-9_-]+$/);

  const denied = await strata(['token', 'list'], { env: { ...s.env, STRATA_TOKEN: reader } });
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /^strata: GET \/auth\/v1\/tokens: 403 .*admin required\n$/);

  const listed = await strata(['--json', 'token', 'list'], { env: s.env });
  assert.equal(listed.code, 0);
  const tokens = JSON.parse(listed.stdout);
  assert.deepEqual(tokens.map((t: { role: string }) => t.role).sort(), ['admin', 'reader']);
  assert.ok(!listed.stdout.includes(reader), 'token values are never listed');

  const bad = await strata(['token', 'create', '--role', 'root', '--project', 'lab'], { env: s.env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /400 .*role/);

  const unreachable = await strata(['token', 'list'], { env: { ...s.env, STRATA_URL: 'http://127.0.0.1:9' } });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot reach Strata at http:\/\/127\.0\.0\.1:9/);
});

test('a restart keeps the store and does not mint another admin token', async () => {
  const first = await startServer();
  await first.stop('SIGTERM', true);
  const again = await startServer({ dataDir: first.dataDir });
  servers.push(again);
  assert.equal(again.token, first.token);
  assert.equal((await api(again, '/auth/v1/whoami')).status, 200);
});

test('--noauth is refused on a non-loopback address and accepted on loopback', async () => {
  const refused = await strata(['server', '--noauth', '--listen', '0.0.0.0:0', '--data', '/tmp/strata-never']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--noauth is accepted only when listening on loopback/);
  const s = await startServer({ args: ['--noauth'] });
  servers.push(s);
  const r = await fetch(`${s.url}/auth/v1/whoami`);
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { role: string }).role, 'admin');
});

test('--database postgres://… runs on PostgreSQL', async () => {
  pg = await startPostgres();
  const s = await startServer({ args: ['--database', pg.url] });
  servers.push(s);
  const health = (await (await fetch(`${s.url}/healthz`)).json()) as { status: string; store: string };
  assert.equal(health.store, 'postgres');
  const created = await strata(['--json', 'token', 'create', '--role', 'member', '--project', 'p'], { env: s.env });
  assert.equal(created.code, 0, created.stderr);
  assert.equal(JSON.parse(created.stdout).project, 'p');
});

test('--modules runs a subset of the all-in-one; an unknown name is refused', async () => {
  const s = await startServer({ args: ['--modules', 'metal'] });
  servers.push(s);
  const health = (await (await fetch(`${s.url}/healthz`)).json()) as { modules: string[] };
  assert.deepEqual(health.modules, ['metal']);
  assert.equal((await api(s, '/deckhand/api/v1.0/revisions')).status, 404, 'the site module is not mounted');
  const bad = await strata(['server', '--modules', 'metal,warp', '--listen', '127.0.0.1:0', '--data', '/tmp/strata-never']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--modules: unknown module warp \(known: fm, site, metal, sandbox, accel, gate, edge, web\)/);
});
