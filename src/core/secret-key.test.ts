import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { coreMigrations, migrate, openStore } from './store/index.js';
import { SecretBox } from './secrets.js';
import { rotateSecretKey, verifySecretKey } from './secret-key.js';

async function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-key-'));
  const store = await openStore(join(dir, 'db.sqlite'));
  await migrate(store, { core: coreMigrations });
  await store.db.schema.createTable('things').addColumn('id', 'text').addColumn('secret', 'text').addColumn('info', 'text').addColumn('n', 'integer').execute();
  return { dir, store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('a server whose key differs from the store\'s refuses, saying what to do; the same key passes', async () => {
  const f = await fixture();
  try {
    await verifySecretKey(f.store, SecretBox.load(f.dir, {}));
    await verifySecretKey(f.store, SecretBox.load(f.dir, {}));
    const other = new SecretBox(randomBytes(32));
    await assert.rejects(verifySecretKey(f.store, other), /not the one the secrets in .* are sealed with.*set STRATA_SECRET_KEY to the key of the first server/);
  } finally {
    await f.close();
  }
});

test('rotation re-seals every sealed value (columns and fields inside JSON) under a new key, online and on disk', async () => {
  const f = await fixture();
  try {
    const box = SecretBox.load(f.dir, {});
    await verifySecretKey(f.store, box);
    const oldKey = readFileSync(join(f.dir, 'secret.key'), 'utf8');
    const json = JSON.stringify({ username: 'admin', password: box.seal('bmc-pass'), other: box.seal('x') });
    await f.store.db.insertInto('things').values([{ id: 'a', secret: box.seal('one'), info: json, n: 1 }, { id: 'b', secret: null, info: 'plain', n: 2 }]).execute();
    const r = await rotateSecretKey(f.store, box);
    assert.equal(r.resealed, 4, 'one column, two fields inside JSON, and the key check');
    assert.deepEqual(r.tables.sort(), ['settings', 'things']);
    const rows = await f.store.db.selectFrom('things').selectAll().orderBy('id').execute();
    const fresh = SecretBox.load(f.dir, {}); // the new key from disk, the old kept as .previous
    assert.notEqual(readFileSync(join(f.dir, 'secret.key'), 'utf8'), oldKey);
    assert.equal(readFileSync(join(f.dir, 'secret.key.previous'), 'utf8'), oldKey);
    assert.ok(!existsSync(join(f.dir, 'secret.key.next')));
    const onlyNew = new SecretBox(Buffer.from(readFileSync(join(f.dir, 'secret.key'), 'utf8').trim(), 'base64'));
    assert.equal(onlyNew.open(rows[0]!.secret as string), 'one');
    const info = JSON.parse(rows[0]!.info as string);
    assert.equal(onlyNew.open(info.password), 'bmc-pass');
    assert.equal(info.username, 'admin');
    assert.equal(rows[1]!.info, 'plain');
    assert.ok(box.opensWithCurrent(rows[0]!.secret as string), 'the running box seals and opens with the new key');
    const oldOnly = new SecretBox(Buffer.from(oldKey.trim(), 'base64'));
    assert.throws(() => oldOnly.open(rows[0]!.secret as string), /cannot decrypt/);
    await verifySecretKey(f.store, fresh);
    await assert.rejects(verifySecretKey(f.store, oldOnly), /not the one/);
  } finally {
    await f.close();
  }
});
