// The fault manager's tables. Portable types only (text, integer, bigint;
// times as epoch ms) so one migration serves SQLite and PostgreSQL.
import type { Kysely } from 'kysely';
import { createTableWithId, type Migrations } from '../../core/index.js';

export const fmMigrations: Migrations = {
  '001-alarms': {
    async up(db: Kysely<any>) {
      // Active alarms: one row per (alarm_id, entity_instance_id), as FM's `alarm` table.
      await db.schema
        .createTable('fm_alarms')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('alarm_id', 'text', (c) => c.notNull())
        .addColumn('entity_instance_id', 'text', (c) => c.notNull())
        .addColumn('entity_type_id', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('reason_text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('fm_alarms_instance', ['alarm_id', 'entity_instance_id'])
        .execute();
      // Every set, clear and log, newest last; `seq` orders them (timestamps tie).
      await createTableWithId(db, 'fm_event_log', 'seq')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('event_log_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('entity_instance_id', 'text', (c) => c.notNull())
        .addColumn('entity_type_id', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('reason_text', 'text', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('fm_event_log_id').on('fm_event_log').columns(['event_log_id']).execute();
      // One row per catalog id, created at start for ids not yet present.
      await db.schema
        .createTable('fm_event_suppression')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('alarm_id', 'text', (c) => c.notNull().unique())
        .addColumn('suppression_status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();
    },
  },
};
