/**
 * The accel module's tables: devices and their deployables per host (from
 * discovery), operator attributes, device profiles, accelerator requests
 * and images (bitstreams). Portable types (text, integer, bigint; JSON as
 * text; times as epoch ms), as the other modules keep them.
 */
import type { Kysely } from 'kysely';
import type { Migrations } from '../../core/index.js';

const times = <T extends { addColumn: (...a: any[]) => T }>(t: T): T =>
  t.addColumn('created_at', 'bigint', (c: any) => c.notNull()).addColumn('updated_at', 'bigint', (c: any) => c.notNull());

export const accelMigrations: Migrations = {
  '001-accel': {
    async up(db: Kysely<any>) {
      await times(
        db.schema
          .createTable('accel_devices')
          .addColumn('uuid', 'text', (c) => c.primaryKey())
          .addColumn('hostname', 'text', (c) => c.notNull())
          // the board's PCI address on its host: its identity across discoveries
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('vendor', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('std_board_info', 'text', (c) => c.notNull())
          .addColumn('vendor_board_info', 'text', (c) => c.notNull())
          .addColumn('driver_name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('enabled'))
          // gone from its host at the last discovery, but kept while a request holds it
          .addColumn('missing', 'integer', (c) => c.notNull().defaultTo(0)),
      ).execute();
      await db.schema.createIndex('accel_devices_host_address').unique().on('accel_devices').columns(['hostname', 'address']).execute();
      await times(
        db.schema
          .createTable('accel_deployables')
          .addColumn('uuid', 'text', (c) => c.primaryKey())
          .addColumn('device_uuid', 'text', (c) => c.notNull())
          .addColumn('hostname', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('parent_uuid', 'text')
          .addColumn('root_uuid', 'text')
          .addColumn('num_accelerators', 'integer', (c) => c.notNull())
          .addColumn('driver_name', 'text', (c) => c.notNull())
          .addColumn('rp_uuid', 'text', (c) => c.notNull())
          .addColumn('resource_class', 'text', (c) => c.notNull())
          .addColumn('traits', 'text', (c) => c.notNull())
          // as the driver reported them; operator attributes live in accel_attributes
          .addColumn('attributes', 'text', (c) => c.notNull())
          .addColumn('bitstream_id', 'text')
          .addColumn('max_clients', 'integer', (c) => c.notNull().defaultTo(1))
          // guarded on write: used <= num_accelerators * max_clients
          .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('attach', 'text', (c) => c.notNull())
          .addColumn('fault', 'text'),
      ).execute();
      await db.schema.createIndex('accel_deployables_device_name').unique().on('accel_deployables').columns(['device_uuid', 'name']).execute();
      await db.schema.createIndex('accel_deployables_rc').on('accel_deployables').columns(['resource_class', 'hostname']).execute();
      await times(
        db.schema
          .createTable('accel_attributes')
          .addColumn('uuid', 'text', (c) => c.primaryKey())
          .addColumn('deployable_uuid', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull()),
      ).execute();
      await db.schema.createIndex('accel_attributes_key').unique().on('accel_attributes').columns(['deployable_uuid', 'key']).execute();
      await times(
        db.schema
          .createTable('accel_device_profiles')
          .addColumn('uuid', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text')
          .addColumn('groups', 'text', (c) => c.notNull())
          .addColumn('project', 'text', (c) => c.notNull()),
      ).execute();
      await times(
        db.schema
          .createTable('accel_arqs')
          .addColumn('uuid', 'text', (c) => c.primaryKey())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('device_profile_name', 'text', (c) => c.notNull())
          .addColumn('device_profile_group_id', 'integer', (c) => c.notNull())
          // which of its group's accelerators this request stands for
          .addColumn('group_index', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('project', 'text', (c) => c.notNull())
          .addColumn('hostname', 'text')
          .addColumn('device_rp_uuid', 'text')
          .addColumn('instance_uuid', 'text')
          .addColumn('instance_kind', 'text')
          .addColumn('deployable_uuid', 'text')
          .addColumn('attach_handle_type', 'text')
          .addColumn('attach_handle_info', 'text')
          // created for a sandbox by its create request: deleted with the sandbox
          .addColumn('owned_by_instance', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('reason', 'text'),
      ).execute();
      await db.schema.createIndex('accel_arqs_instance').on('accel_arqs').columns(['instance_uuid']).execute();
      await db.schema.createIndex('accel_arqs_state').on('accel_arqs').columns(['state']).execute();
      await times(
        db.schema
          .createTable('accel_images')
          .addColumn('uuid', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint')
          .addColumn('sha256', 'text')
          // the checksum the uploader declared; the upload fails when the bytes differ
          .addColumn('expected_sha256', 'text')
          .addColumn('bitstream_id', 'text')
          .addColumn('function_id', 'text')
          .addColumn('vendor', 'text')
          .addColumn('project', 'text', (c) => c.notNull()),
      ).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['accel_images', 'accel_arqs', 'accel_device_profiles', 'accel_attributes', 'accel_deployables', 'accel_devices']) await db.schema.dropTable(t).execute();
    },
  },
};
