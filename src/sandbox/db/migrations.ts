/**
 * The sandbox module's table: one row per sandbox the servers run, so that
 * `ls` works across servers and a restarted server knows which sandboxes
 * died with its predecessor. Portable types only (text, integer, bigint;
 * JSON as text; times as epoch ms).
 */
import type { Kysely } from 'kysely';
import type { Migrations } from '../../core/index.js';

export const sandboxMigrations: Migrations = {
  '001-sandboxes': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sandboxes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // the library's id on the owning host (names its state dir, netns, cgroups); set once started
        .addColumn('local_id', 'text')
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('runtime', 'text', (c) => c.notNull())
        .addColumn('runtime_class', 'text')
        .addColumn('image', 'text', (c) => c.notNull())
        // the spec as asked for, with environment values left out (they may be secrets)
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('host', 'text', (c) => c.notNull())
        // the server process that runs it: "pid@host#start-ticks", unique per process life
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('owner_pid', 'integer', (c) => c.notNull())
        .addColumn('owner_url', 'text')
        .addColumn('one_shot', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sandboxes_project').on('sandboxes').columns(['project', 'created_at']).execute();
      await db.schema.createIndex('sandboxes_host_state').on('sandboxes').columns(['host', 'state']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('sandboxes').execute();
    },
  },
};
