// The gate's tables. Portable types only (text, integer, bigint; JSON as
// text; times as epoch ms) so one migration serves SQLite and PostgreSQL.

import type { Kysely } from 'kysely';
import type { Migrations } from '../../core/index.js';

export const gateMigrations: Migrations = {
  '001-review': {
    async up(db: Kysely<any>) {
      // Sequences (change numbers, event ids) as counters bumped by a conditional UPDATE … RETURNING.
      await db.schema
        .createTable('gate_counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('gate_counters').values([{ name: 'change', value: 0 }, { name: 'event', value: 0 }, { name: 'message', value: 0 }, { name: 'build', value: 0 }]).execute();

      await db.schema
        .createTable('gate_changes')
        .addColumn('number', 'integer', (c) => c.primaryKey())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('topic', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('current_patchset', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('gate_changes_status').on('gate_changes').columns(['status', 'project']).execute();

      await db.schema
        .createTable('gate_patchsets')
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('patchset', 'integer', (c) => c.notNull())
        .addColumn('commit_sha', 'text', (c) => c.notNull())
        .addColumn('parents', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('uploader', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gate_patchsets_pk', ['number', 'patchset'])
        .execute();
      await db.schema.createIndex('gate_patchsets_commit').on('gate_patchsets').columns(['commit_sha']).execute();

      await db.schema
        .createTable('gate_approvals')
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('patchset', 'integer', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('value', 'integer', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gate_approvals_pk', ['number', 'patchset', 'label', 'username'])
        .execute();

      await db.schema
        .createTable('gate_messages')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('patchset', 'integer', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('tag', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('gate_messages_change').on('gate_messages').columns(['number', 'seq']).execute();

      await db.schema
        .createTable('gate_events')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '002-scheduler': {
    async up(db: Kysely<any>) {
      // How far each tenant's scheduler has processed the event log.
      await db.schema
        .createTable('gate_cursors')
        .addColumn('tenant', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('gate_pipelines')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gate_pipelines_pk', ['tenant', 'name'])
        .execute();
      await db.schema
        .createTable('gate_items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('gate_items_pipeline').on('gate_items').columns(['tenant', 'pipeline']).execute();
      await db.schema
        .createTable('gate_builds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('buildset', 'text', (c) => c.notNull())
        .addColumn('job', 'text', (c) => c.notNull())
        .addColumn('uid', 'text', (c) => c.notNull())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('branch', 'text')
        .addColumn('ref', 'text')
        .addColumn('change_key', 'text')
        .addColumn('change_number', 'integer')
        .addColumn('changes', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('voting', 'integer', (c) => c.notNull())
        .addColumn('launch_time', 'bigint', (c) => c.notNull())
        .addColumn('start_time', 'bigint')
        .addColumn('end_time', 'bigint')
        .addColumn('message', 'text')
        .addColumn('request', 'text')
        .execute();
      await db.schema.createIndex('gate_builds_change').on('gate_builds').columns(['change_number', 'seq']).execute();
      await db.schema.createIndex('gate_builds_status').on('gate_builds').columns(['tenant', 'status']).execute();
      // Submits: recorded before the branch moves and marked done after, so a crash between is repaired on start.
      await db.schema
        .createTable('gate_merges')
        .addColumn('buildset', 'text', (c) => c.notNull())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('changes', 'text', (c) => c.notNull())
        .addColumn('old_sha', 'text', (c) => c.notNull())
        .addColumn('new_sha', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gate_merges_pk', ['buildset', 'project', 'branch'])
        .execute();
      // Final reports sent, so that a restart never reports an item twice.
      await db.schema
        .createTable('gate_reports')
        .addColumn('buildset', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('merged', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // One scheduler per tenant across processes: a lease row claimed by a conditional UPDATE.
      await db.schema
        .createTable('gate_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '003-project-keys': {
    async up(db: Kysely<any>) {
      // Zuul's per-project key pairs; the private key sealed with the server's secret box.
      await db.schema
        .createTable('gate_project_keys')
        .addColumn('project', 'text', (c) => c.primaryKey())
        .addColumn('public_pem', 'text', (c) => c.notNull())
        .addColumn('private_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '004-autoholds': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('gate_autoholds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('job', 'text', (c) => c.notNull())
        .addColumn('ref_filter', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('max_count', 'integer', (c) => c.notNull())
        .addColumn('current_count', 'integer', (c) => c.notNull())
        .addColumn('node_expiration', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('nodes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

/** Next value of a counter; run inside the transaction that uses it. */
export async function nextValue(db: Kysely<any>, name: string): Promise<number> {
  const row = await db
    .updateTable('gate_counters')
    .set((eb: any) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', name)
    .returning(['value'])
    .executeTakeFirstOrThrow();
  return Number(row.value);
}
