// The edge module's tables: on a system controller, its subclouds and
// subcloud groups (dcmanager's model); on every server, which of its
// tokens came from a controller (identity sync). Portable types only.
import type { Kysely } from 'kysely';
import { createTableWithId, type Migrations } from '../../core/index.js';

export const edgeMigrations: Migrations = {
  '001-subclouds': {
    async up(db: Kysely<any>) {
      await createTableWithId(db, 'edge_subcloud_groups')
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('update_apply_type', 'text', (c) => c.notNull())
        .addColumn('max_parallel_subclouds', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();
      // dcmanager's Default group (id 1), which a subcloud added without a group joins.
      await db.insertInto('edge_subcloud_groups').values({ name: 'Default', description: 'Default Subcloud Group', update_apply_type: 'parallel', max_parallel_subclouds: 2, created_at: Date.now(), updated_at: null }).execute();

      await createTableWithId(db, 'edge_subclouds')
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('location', 'text')
        .addColumn('group_id', 'integer', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        // The subcloud's admin token, sealed with the server's secret key; never shown.
        .addColumn('token_sealed', 'text', (c) => c.notNull())
        .addColumn('software_version', 'text')
        .addColumn('management_state', 'text', (c) => c.notNull())
        .addColumn('availability_status', 'text', (c) => c.notNull())
        .addColumn('deploy_status', 'text', (c) => c.notNull())
        .addColumn('missed_audits', 'integer', (c) => c.notNull())
        .addColumn('last_audit_at', 'bigint')
        .addColumn('last_error', 'text')
        // {endpoint_type: sync_status}
        .addColumn('endpoint_sync', 'text', (c) => c.notNull())
        // The subcloud's own FM summary, as its last audit read it.
        .addColumn('alarm_summary', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();

      await db.schema.createTable('edge_synced_tokens').addColumn('id', 'text', (c) => c.primaryKey()).execute();
    },
  },
  // sw-update-strategy: one strategy of each type at a time (as dcmanager), its steps one per subcloud.
  '002-strategies': {
    async up(db: Kysely<any>) {
      await createTableWithId(db, 'edge_strategies')
        .addColumn('type', 'text', (c) => c.notNull().unique())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('subcloud_apply_type', 'text', (c) => c.notNull())
        .addColumn('max_parallel_subclouds', 'integer', (c) => c.notNull())
        .addColumn('stop_on_failure', 'integer', (c) => c.notNull())
        .addColumn('group_id', 'integer')
        .addColumn('extra_args', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();
      await createTableWithId(db, 'edge_strategy_steps')
        .addColumn('strategy_id', 'integer', (c) => c.notNull())
        .addColumn('subcloud_id', 'integer', (c) => c.notNull())
        .addColumn('cloud', 'text', (c) => c.notNull())
        .addColumn('stage', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();
      await db.schema.createIndex('edge_strategy_steps_strategy').on('edge_strategy_steps').columns(['strategy_id', 'id']).execute();
    },
  },
  // On every server: which of its accel images came from a controller (images sync).
  '003-synced-images': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('edge_synced_images').addColumn('uuid', 'text', (c) => c.primaryKey()).execute();
    },
  },
};
