// Two servers on one PostgreSQL store: the second must run with the first's
// secret key, and says so when it does not; rotating the key re-seals every
// stored secret while the server runs, and each server restarts with the key
// it must have (the file in its data dir, or STRATA_SECRET_KEY with the old
// one as STRATA_SECRET_KEY_PREVIOUS during the switch).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, strata, type StrataServer } from '../helpers/strata.js';
import { startPostgres, type PostgresCluster } from '../../src/core/testing/index.js';

let pg: PostgresCluster | undefined;
const servers: StrataServer[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('a second server with the wrong key refuses to start and says what to do; key rotation re-seals online', async () => {
  pg = await startPostgres();
  const args = ['--database', pg.url, '--modules', 'fm,edge', '--edge-role', 'controller'];
  const one = await startServer({ args });
  servers.push(one);
  const keyOne = readFileSync(join(one.dataDir, 'secret.key'), 'utf8').trim();
  // a secret in the store: a subcloud's token, sealed at rest
  const sc = await fetch(`${one.url}/dcmanager/v1.0/subclouds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${one.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'far', endpoint: 'http://127.0.0.1:9', token: 'subcloud-admin-token' }),
  });
  assert.equal(sc.status, 200, await sc.text());

  const dataTwo = mkdtempSync(join(tmpdir(), 'strata-e2e-'));
  dirs.push(dataTwo);
  await assert.rejects(startServer({ args, dataDir: dataTwo }), /secret key is not the one the secrets in .* are sealed with.*set STRATA_SECRET_KEY to the key of the first server/s);
  const two = await startServer({ args, dataDir: dataTwo, env: { STRATA_SECRET_KEY: keyOne } });
  servers.push(two);

  const rotated = await strata(['--json', 'secrets', 'rotate-key'], { env: one.env });
  assert.equal(rotated.code, 0, rotated.stderr);
  const r = JSON.parse(rotated.stdout) as { resealed: number; tables: string[] };
  assert.ok(r.resealed >= 1 && r.tables.includes('settings'), rotated.stdout);
  assert.ok(r.tables.includes('edge_subclouds'), `the subcloud's token was re-sealed: ${r.tables}`);
  const keyNew = readFileSync(join(one.dataDir, 'secret.key'), 'utf8').trim();
  assert.notEqual(keyNew, keyOne);
  assert.equal(readFileSync(join(one.dataDir, 'secret.key.previous'), 'utf8').trim(), keyOne);

  // the rotating server goes on (and restarts) with its new key; the other needs it too
  await one.stop('SIGTERM', true);
  servers.push(await startServer({ args, dataDir: one.dataDir }));
  await two.stop('SIGTERM', true);
  await assert.rejects(startServer({ args, dataDir: dataTwo, env: { STRATA_SECRET_KEY: keyOne } }), /secret key is not the one/);
  servers.push(await startServer({ args, dataDir: dataTwo, env: { STRATA_SECRET_KEY: keyNew, STRATA_SECRET_KEY_PREVIOUS: keyOne } }));

  // a key from the environment cannot be replaced by the server: the new one comes in a file
  const last = servers.at(-1)!;
  const env = { ...last.env, STRATA_TOKEN: one.token };
  const refused = await strata(['secrets', 'rotate-key'], { env });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /comes from STRATA_SECRET_KEY: give the new key/);
  const file = join(dataTwo, 'new.key');
  writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  const viaFile = await strata(['secrets', 'rotate-key', '--new-key-file', file], { env });
  assert.equal(viaFile.code, 0, viaFile.stderr);
  assert.match(viaFile.stdout, /re-sealed \d+ secret\(s\).*set STRATA_SECRET_KEY to it on every server/);
  assert.doesNotMatch(viaFile.stdout + viaFile.stderr, new RegExp(readFileSync(file, 'utf8').slice(0, 16).replace(/[+/]/g, '.')), 'the key is never printed');
});
