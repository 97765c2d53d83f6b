import type { Kysely } from 'kysely';
import type { Migrations } from '../../core/index.js';

/**
 * The revision store's tables. Ids come from `site_counters` rather than
 * auto-increment: the counter row is also the lock that serialises
 * writers on both dialects, and a purge resets it so revision ids start at
 * 1 again (Deckhand's tests rely on that).
 */
export const revisionMigrations: Migrations = {
  '001-revisions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('site_counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await db
        .insertInto('site_counters')
        .values([
          { name: 'revision', value: 0 },
          { name: 'document', value: 0 },
          { name: 'validation', value: 0 },
        ])
        .execute();
      await db.schema
        .createTable('site_settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('site_revisions')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('site_documents')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('revision_id', 'integer', (c) => c.notNull().references('site_revisions.id').onDelete('cascade'))
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('schema', 'text', (c) => c.notNull())
        .addColumn('layer', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        // JSON text, or for encrypted documents the sealed JSON text.
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('encrypted', 'integer', (c) => c.notNull())
        .addColumn('data_hash', 'text', (c) => c.notNull())
        .addColumn('metadata_hash', 'text', (c) => c.notNull())
        .addColumn('orig_revision_id', 'integer', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('site_documents_identity', ['revision_id', 'schema', 'layer', 'name'])
        .execute();
      await db.schema.createIndex('site_documents_bucket').on('site_documents').columns(['bucket', 'revision_id']).execute();
      await db.schema.createIndex('site_documents_schema').on('site_documents').columns(['schema', 'deleted']).execute();
      await db.schema
        .createTable('site_revision_tags')
        .addColumn('revision_id', 'integer', (c) => c.notNull().references('site_revisions.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('site_revision_tags_pk', ['revision_id', 'tag'])
        .execute();
      await db.schema
        .createTable('site_validations')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('revision_id', 'integer', (c) => c.notNull().references('site_revisions.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('validator', 'text', (c) => c.notNull())
        .addColumn('errors', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('site_validations_revision').on('site_validations').columns(['revision_id', 'name']).execute();
    },
  },
};
