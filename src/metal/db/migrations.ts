/**
 * The metal tables, after Ironic's data model (ironic/db/sqlalchemy/models.py):
 * nodes, traits, ports, portgroups, chassis, conductors, allocations, deploy
 * templates, volume connectors and targets, node history and BIOS settings.
 * Portable types only (text, integer, bigint); JSON as text, booleans as 0/1,
 * times as epoch milliseconds. Integer ids give the API's default sort order
 * (`sort_key=id`, creation order) and cheap joins; UUIDs are what clients see.
 */
import type { Kysely } from 'kysely';
import { createTableWithId, type Migrations } from '../../core/index.js';

const INTERFACES = ['bios', 'boot', 'console', 'deploy', 'inspect', 'management', 'network', 'power', 'raid', 'rescue', 'storage', 'vendor'];

export const metalMigrations: Migrations = {
  '001-nodes': {
    async up(db: Kysely<any>) {
      await createTableWithId(db, 'metal_chassis')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();

      let nodes = createTableWithId(db, 'metal_nodes')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.unique())
        .addColumn('driver', 'text', (c) => c.notNull())
        .addColumn('driver_info', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('driver_internal_info', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('instance_info', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('instance_uuid', 'text', (c) => c.unique())
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('chassis_id', 'integer', (c) => c.references('metal_chassis.id'))
        .addColumn('power_state', 'text')
        .addColumn('target_power_state', 'text')
        .addColumn('provision_state', 'text', (c) => c.notNull())
        .addColumn('target_provision_state', 'text')
        .addColumn('provision_updated_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('maintenance', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('maintenance_reason', 'text')
        .addColumn('fault', 'text')
        // The conductor holding the node's exclusive lock (Ironic's nodes.reservation).
        .addColumn('reservation', 'text')
        // The durable task that holds the reservation; its handler adopts the lock by this id.
        .addColumn('task_id', 'text')
        .addColumn('conductor_group', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('console_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('inspection_started_at', 'bigint')
        .addColumn('inspection_finished_at', 'bigint')
        .addColumn('clean_step', 'text')
        .addColumn('deploy_step', 'text')
        .addColumn('raid_config', 'text')
        .addColumn('target_raid_config', 'text')
        .addColumn('resource_class', 'text')
        .addColumn('automated_clean', 'integer')
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('protected_reason', 'text')
        .addColumn('owner', 'text')
        .addColumn('lessee', 'text')
        .addColumn('description', 'text')
        .addColumn('allocation_id', 'integer')
        .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('retired_reason', 'text')
        .addColumn('network_data', 'text')
        .addColumn('boot_mode', 'text')
        .addColumn('secure_boot', 'integer');
      for (const kind of INTERFACES) nodes = nodes.addColumn(`${kind}_interface`, 'text');
      await nodes.addColumn('created_at', 'bigint', (c) => c.notNull()).addColumn('updated_at', 'bigint').execute();
      await db.schema.createIndex('metal_nodes_provision_state').on('metal_nodes').columns(['provision_state']).execute();
      await db.schema.createIndex('metal_nodes_reservation').on('metal_nodes').columns(['reservation']).execute();
      await db.schema.createIndex('metal_nodes_owner').on('metal_nodes').columns(['owner']).execute();
      await db.schema.createIndex('metal_nodes_lessee').on('metal_nodes').columns(['lessee']).execute();

      await db.schema
        .createTable('metal_node_traits')
        .addColumn('node_id', 'integer', (c) => c.notNull().references('metal_nodes.id').onDelete('cascade'))
        .addColumn('trait', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('metal_node_traits_pk', ['node_id', 'trait'])
        .execute();

      await createTableWithId(db, 'metal_portgroups')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.unique())
        .addColumn('address', 'text', (c) => c.unique())
        .addColumn('node_id', 'integer', (c) => c.notNull().references('metal_nodes.id').onDelete('cascade'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('internal_info', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('standalone_ports_supported', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('mode', 'text')
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();

      await createTableWithId(db, 'metal_ports')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('address', 'text', (c) => c.notNull().unique())
        .addColumn('node_id', 'integer', (c) => c.notNull().references('metal_nodes.id').onDelete('cascade'))
        .addColumn('portgroup_id', 'integer', (c) => c.references('metal_portgroups.id'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('local_link_connection', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('pxe_enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('internal_info', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('physical_network', 'text')
        .addColumn('is_smartnic', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();
      await db.schema.createIndex('metal_ports_node').on('metal_ports').columns(['node_id']).execute();
      await db.schema.createIndex('metal_portgroups_node').on('metal_portgroups').columns(['node_id']).execute();

      await createTableWithId(db, 'metal_conductors')
        .addColumn('hostname', 'text', (c) => c.notNull().unique())
        .addColumn('conductor_group', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('drivers', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('online', 'integer', (c) => c.notNull().defaultTo(1))
        // Where the process runs, so a restart on the same host can tell a live namesake from a dead one.
        .addColumn('host', 'text')
        .addColumn('pid', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await createTableWithId(db, 'metal_allocations')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.unique())
        .addColumn('node_id', 'integer')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('resource_class', 'text')
        .addColumn('traits', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('candidate_nodes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('owner', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();

      await createTableWithId(db, 'metal_deploy_templates')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('steps', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();

      await createTableWithId(db, 'metal_volume_connectors')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('node_id', 'integer', (c) => c.notNull().references('metal_nodes.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .addUniqueConstraint('metal_volume_connectors_type_id', ['type', 'connector_id'])
        .execute();

      await createTableWithId(db, 'metal_volume_targets')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('node_id', 'integer', (c) => c.notNull().references('metal_nodes.id').onDelete('cascade'))
        .addColumn('volume_type', 'text', (c) => c.notNull())
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('boot_index', 'integer', (c) => c.notNull())
        .addColumn('volume_id', 'text', (c) => c.notNull())
        .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .addUniqueConstraint('metal_volume_targets_boot_index', ['node_id', 'boot_index'])
        .execute();

      await createTableWithId(db, 'metal_node_history')
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('node_id', 'integer', (c) => c.notNull().references('metal_nodes.id').onDelete('cascade'))
        .addColumn('conductor', 'text')
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('user', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('metal_node_history_node').on('metal_node_history').columns(['node_id', 'id']).execute();

      await db.schema
        .createTable('metal_bios_settings')
        .addColumn('node_id', 'integer', (c) => c.notNull().references('metal_nodes.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text')
        // The registry fields of API 1.74, as the BIOS interface reports them (JSON text).
        .addColumn('registry', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .addPrimaryKeyConstraint('metal_bios_settings_pk', ['node_id', 'name'])
        .execute();
    },
  },
};
