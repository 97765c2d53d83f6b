import type { Kysely } from 'kysely';
import { isPostgres, type Migrations } from './migrations.js';

/** Tables core owns: API tokens, durable tasks, settings. */
export const coreMigrations: Migrations = {
  '001-tokens': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '002-tasks': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('progress', 'text')
        .addColumn('owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('run_after', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tasks_claim').on('tasks').columns(['state', 'run_after']).execute();
      await db.schema.createIndex('tasks_subject').on('tasks').columns(['subject']).execute();
    },
  },
  '003-settings': {
    async up(db: Kysely<any>) {
      // small facts about the whole installation, e.g. the secret key check
      await db.schema.createTable('settings').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();
    },
  },
  '004-state-history': {
    async up(db: Kysely<any>) {
      // Every move made through state-writes.ts, oldest first by seq. A plain
      // rowid key on SQLite: AUTOINCREMENT's bookkeeping made each move a
      // third slower, and seq only orders the rows.
      const t = db.schema.createTable('state_history');
      await (isPostgres(db) ? t.addColumn('seq', 'bigserial', (c) => c.primaryKey()) : t.addColumn('seq', 'integer', (c) => c.primaryKey()))
        .addColumn('machine', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('by_whom', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('state_history_resource').on('state_history').columns(['machine', 'resource', 'seq']).execute();
    },
  },
};
