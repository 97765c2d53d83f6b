/**
 * The secret key and the store agree, or the server does not start: a
 * sealed check value in `settings` tells a server whose key differs from the
 * one the store's secrets were sealed with (a second server on the same
 * PostgreSQL with its own data dir) before it fails on some secret later.
 * And key rotation: every sealed value in every table re-sealed under a new
 * key in one transaction, while the server runs.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { StrataError } from './errors/index.js';
import { SecretBox } from './secrets.js';
import type { Store } from './store/index.js';

const CHECK = 'secret_key_check';
const CHECK_PLAIN = 'strata secret key check';

export async function verifySecretKey(store: Store, box: SecretBox): Promise<void> {
  await store.db.insertInto('settings').values({ name: CHECK, value: box.seal(CHECK_PLAIN) }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await store.db.selectFrom('settings').select('value').where('name', '=', CHECK).executeTakeFirstOrThrow();
  let ok = false;
  try {
    ok = box.open(row.value as string) === CHECK_PLAIN;
  } catch {
    ok = false;
  }
  if (!ok)
    throw new StrataError(
      `this server's secret key is not the one the secrets in ${store.location} are sealed with. ` +
        `Every server on one database needs the same key: set STRATA_SECRET_KEY to the key of the first server ` +
        `(the base64 text in its <data>/secret.key, or its own STRATA_SECRET_KEY) and start again`,
      { code: 'secret_key_mismatch' },
    );
}

async function tables(db: Kysely<any>, dialect: Store['dialect']): Promise<string[]> {
  const q =
    dialect === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`;
  return (await q.execute(db)).rows.map((r) => r.name);
}

/**
 * Re-seals every sealed value under `next` (whole columns, and sealed
 * fields inside JSON text), then seals with it from now on. Returns how many
 * values moved. Values are matched by their old text, which a random IV
 * makes unique, so no table needs a known primary key.
 */
export async function rotateSecretKey(store: Store, box: SecretBox, next: Buffer = randomBytes(32)): Promise<{ resealed: number; tables: string[] }> {
  const probe = new SecretBox(next);
  // the new key is on disk before any value needs it, so a crash mid-rotation loses nothing (load() tries it)
  const file = 'file' in box.source ? box.source.file : undefined;
  if (file) writeFileSync(`${file}.next`, next.toString('base64') + '\n', { mode: 0o600 });
  let resealed = 0;
  const touched = new Set<string>();
  await store.db.transaction().execute(async (trx) => {
    for (const table of await tables(trx, store.dialect)) {
      const rows = (await trx.selectFrom(table).selectAll().execute()) as Array<Record<string, unknown>>;
      for (const row of rows)
        for (const [column, value] of Object.entries(row)) {
          if (typeof value !== 'string' || !value.includes('enc:v1:')) continue;
          const updated = value.replace(SecretBox.SEALED, (sealed) => {
            resealed++;
            return probe.seal(box.open(sealed));
          });
          await trx.updateTable(table).set({ [column]: updated }).where(column, '=', value).execute();
          touched.add(table);
        }
    }
  });
  // the store now holds values only the new key opens: this process switches, and keeps the old one for stragglers
  box.rotate(next);
  if (file) {
    renameSync(file, `${file}.previous`);
    renameSync(`${file}.next`, file);
  }
  return { resealed, tables: [...touched] };
}
