/**
 * The revision store in SQL (SQLite or PostgreSQL through Kysely).
 *
 * Every write runs in one transaction that first takes the counter row
 * (an UPDATE, so PostgreSQL locks the row and SQLite takes its write lock):
 * writers are serialised, each sees the state the previous one committed,
 * revision ids are gap-free, and a failed or empty write leaves nothing
 * behind. Reads need no lock: a revision, once committed, never changes.
 *
 * A revision stores, for each bucket it writes, the bucket's whole content
 * (unchanged documents included) plus deletion markers for documents that
 * left it; the documents of revision N are therefore, per bucket, the
 * non-deleted rows of the latest revision <= N that wrote the bucket.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../../core/index.js';
import type { JsonValue } from '../documents/index.js';
import { RevisionNotFound, RevisionTagNotFound } from './errors.js';
import { identity, type Revision, type RevisionSummary, type RevisionTag, type StoredDocument, type ValidationEntry } from './model.js';
import { planBucketPut } from './plan.js';
import type { DocumentRow, TagRow, Tables, ValidationRow } from './tables.js';
import type { PreparedDocument } from './prepare.js';

type Db = Kysely<Tables>;
type Executor = Db | Transaction<Tables>;

/** Encrypts encrypted documents' data at rest (core's SecretBox). */
export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

export interface PutResult {
  /** The new revision, or null when the body changed nothing. */
  revision: number | null;
  /** The revision whose content the bucket now has: the new one, or the latest when nothing changed. */
  currentRevision: number;
  /** The bucket's documents as written (or as they already were). */
  documents: StoredDocument[];
  /** Deletion markers written for documents that left the bucket. */
  removed: StoredDocument[];
}

export interface PutOptions {
  /**
   * Called, inside the write transaction, with every document the new
   * revision would hold; throwing refuses the change and nothing is
   * written. Not called when nothing changes.
   */
  verify?(documents: { bucket: string; schema: string; metadata: Record<string, JsonValue>; data: JsonValue }[]): void | Promise<void>;
}

/** Written with every revision a PUT makes: the documents passed Deckhand's schema validation. */
export const SCHEMA_VALIDATION = 'deckhand-schema-validation';
const VALIDATOR = { name: 'deckhand', version: '1.0' };

export class RevisionStore {
  private readonly db: Db;

  constructor(
    store: Store,
    private readonly sealer: Sealer,
  ) {
    this.db = store.db as unknown as Db;
  }

  // ---- reading -------------------------------------------------------

  private toDocument(r: DocumentRow): StoredDocument {
    const encrypted = Number(r.encrypted) === 1;
    const dataText = encrypted && !Number(r.deleted) ? this.sealer.open(r.data) : r.data;
    return {
      id: Number(r.id),
      revisionId: Number(r.revision_id),
      bucket: r.bucket,
      schema: r.schema,
      layer: r.layer,
      name: r.name,
      metadata: JSON.parse(r.metadata),
      data: JSON.parse(dataText) as JsonValue,
      encrypted,
      dataHash: r.data_hash,
      metadataHash: r.metadata_hash,
      origRevisionId: Number(r.orig_revision_id),
      deleted: Number(r.deleted) === 1,
      createdAt: Number(r.created_at),
    };
  }

  async latestRevisionId(db: Executor = this.db): Promise<number> {
    const row = await db.selectFrom('site_revisions').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
  }

  async getRevision(id: number, db: Executor = this.db): Promise<Revision> {
    const row = await db.selectFrom('site_revisions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new RevisionNotFound(id);
    return { id: Number(row.id), createdAt: Number(row.created_at) };
  }

  async revisionExists(id: number, db: Executor = this.db): Promise<boolean> {
    return (await db.selectFrom('site_revisions').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** The live documents of revision `id`, all buckets, in creation order. */
  async documentsAt(id: number, db: Executor = this.db): Promise<StoredDocument[]> {
    if (id <= 0) return [];
    const latest = db
      .selectFrom('site_documents')
      .select(['bucket', (eb) => eb.fn.max('revision_id').as('rid')])
      .where('revision_id', '<=', id)
      .groupBy('bucket')
      .as('b');
    const rows = await db
      .selectFrom('site_documents as d')
      .innerJoin(latest, (j) => j.onRef('d.bucket', '=', 'b.bucket').onRef('d.revision_id', '=', 'b.rid'))
      .selectAll('d')
      .where('d.deleted', '=', 0)
      .orderBy('d.id')
      .execute();
    return rows.map((r) => this.toDocument(r as DocumentRow));
  }

  /** The rows revision `id` itself wrote (including deletion markers). */
  async rowsOf(id: number, db: Executor = this.db): Promise<StoredDocument[]> {
    const rows = await db.selectFrom('site_documents').selectAll().where('revision_id', '=', id).orderBy('id').execute();
    return rows.map((r) => this.toDocument(r));
  }

  /**
   * The most recently written LayeringPolicy that was not a deletion marker,
   * from any revision: Deckhand renders a revision without one with this.
   */
  async lastLayeringPolicy(): Promise<StoredDocument | undefined> {
    const row = await this.db
      .selectFrom('site_documents')
      .selectAll()
      .where('schema', 'like', 'deckhand/LayeringPolicy%')
      .where('deleted', '=', 0)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? this.toDocument(row) : undefined;
  }

  private async summaries(ids: number[] | 'all'): Promise<RevisionSummary[]> {
    let q = this.db.selectFrom('site_revisions').selectAll().orderBy('id');
    if (ids !== 'all') {
      if (ids.length === 0) return [];
      q = q.where('id', 'in', ids);
    }
    const revisions = await q.execute();
    let tagQ = this.db.selectFrom('site_revision_tags').selectAll().orderBy('revision_id').orderBy('created_at').orderBy('tag');
    let bucketQ = this.db.selectFrom('site_documents').select(['revision_id', 'bucket']).distinct();
    if (ids !== 'all') {
      tagQ = tagQ.where('revision_id', 'in', ids);
      bucketQ = bucketQ.where('revision_id', 'in', ids);
    }
    const [tags, buckets] = await Promise.all([tagQ.execute(), bucketQ.execute()]);
    const tagsBy = new Map<number, RevisionTag[]>();
    for (const t of tags) {
      const list = tagsBy.get(Number(t.revision_id)) ?? [];
      list.push(this.toTag(t));
      tagsBy.set(Number(t.revision_id), list);
    }
    const bucketsBy = new Map<number, Set<string>>();
    for (const b of buckets) {
      const set = bucketsBy.get(Number(b.revision_id)) ?? new Set<string>();
      set.add(b.bucket);
      bucketsBy.set(Number(b.revision_id), set);
    }
    return revisions.map((r) => ({
      id: Number(r.id),
      createdAt: Number(r.created_at),
      tags: tagsBy.get(Number(r.id)) ?? [],
      buckets: [...(bucketsBy.get(Number(r.id)) ?? [])].sort(),
    }));
  }

  async listRevisions(): Promise<RevisionSummary[]> {
    return this.summaries('all');
  }

  async revisionSummary(id: number): Promise<RevisionSummary> {
    const [s] = await this.summaries([id]);
    if (!s) throw new RevisionNotFound(id);
    return s;
  }

  // ---- writing -------------------------------------------------------

  /** Takes the writers' lock: every write transaction starts here. */
  private async lock(trx: Transaction<Tables>): Promise<void> {
    await trx
      .updateTable('site_counters')
      .set((eb) => ({ value: eb('value', '+', 0) }))
      .where('name', '=', 'revision')
      .execute();
  }

  /** Reserves `n` ids from a counter; returns the first. */
  private async allocate(trx: Transaction<Tables>, counter: string, n: number): Promise<number> {
    const row = await trx
      .updateTable('site_counters')
      .set((eb) => ({ value: eb('value', '+', n) }))
      .where('name', '=', counter)
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value) - n + 1;
  }

  private async newRevision(trx: Transaction<Tables>, now: number): Promise<number> {
    const id = await this.allocate(trx, 'revision', 1);
    await trx.insertInto('site_revisions').values({ id, created_at: now }).execute();
    return id;
  }

  private async insertDocuments(trx: Transaction<Tables>, docs: Omit<StoredDocument, 'id'>[]): Promise<StoredDocument[]> {
    if (docs.length === 0) return [];
    const first = await this.allocate(trx, 'document', docs.length);
    const stored = docs.map((d, i) => ({ ...d, id: first + i }));
    const rows: DocumentRow[] = stored.map((d) => ({
      id: d.id,
      revision_id: d.revisionId,
      bucket: d.bucket,
      schema: d.schema,
      layer: d.layer,
      name: d.name,
      metadata: JSON.stringify(d.metadata),
      data: d.encrypted && !d.deleted ? this.sealer.seal(JSON.stringify(d.data)) : JSON.stringify(d.data),
      encrypted: d.encrypted ? 1 : 0,
      data_hash: d.dataHash,
      metadata_hash: d.metadataHash,
      orig_revision_id: d.origRevisionId,
      deleted: d.deleted ? 1 : 0,
      created_at: d.createdAt,
    }));
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('site_documents').values(rows.slice(i, i + 500)).execute();
    return stored;
  }

  private marker(d: StoredDocument, revisionId: number, now: number): Omit<StoredDocument, 'id'> {
    return { ...d, revisionId, data: {}, dataHash: '', metadataHash: '', origRevisionId: revisionId, deleted: true, createdAt: now };
  }

  private async recordSchemaValidation(trx: Transaction<Tables>, revisionId: number, now: number): Promise<void> {
    const id = await this.allocate(trx, 'validation', 1);
    await trx
      .insertInto('site_validations')
      .values({
        id,
        revision_id: revisionId,
        name: SCHEMA_VALIDATION,
        status: 'success',
        validator: JSON.stringify(VALIDATOR),
        errors: '[]',
        created_at: now,
      })
      .execute();
  }

  /**
   * Makes `incoming` the whole content of `bucket`, atomically. No new
   * revision when nothing changed. Throws the 409s of `planBucketPut`.
   */
  async putBucket(bucket: string, incoming: readonly PreparedDocument[], opts: PutOptions = {}): Promise<PutResult> {
    return this.db.transaction().execute(async (trx) => {
      await this.lock(trx);
      const latest = await this.latestRevisionId(trx);
      const state = await this.documentsAt(latest, trx);
      const plan = planBucketPut(bucket, incoming, state);
      if (plan.changed && opts.verify) {
        const others = state.filter((d) => d.bucket !== bucket).map((d) => ({ bucket: d.bucket, schema: d.schema, metadata: d.metadata, data: d.data }));
        await opts.verify([...others, ...plan.documents.map((d) => ({ bucket, schema: d.schema, metadata: d.metadata, data: d.data }))]);
      }
      if (!plan.changed) {
        const current = state.filter((d) => d.bucket === bucket);
        const order = new Map(incoming.map((d, i) => [identity(d), i]));
        current.sort((a, b) => (order.get(identity(a)) ?? 0) - (order.get(identity(b)) ?? 0));
        return { revision: null, currentRevision: latest, documents: current, removed: [] };
      }
      const now = Date.now();
      const revisionId = await this.newRevision(trx, now);
      const removed = await this.insertDocuments(
        trx,
        plan.removed.map((d) => this.marker(d, revisionId, now)),
      );
      const documents = await this.insertDocuments(
        trx,
        plan.documents.map((d) => ({
          ...d,
          revisionId,
          bucket,
          origRevisionId: d.origRevisionId ?? revisionId,
          deleted: false,
          createdAt: now,
        })),
      );
      await this.recordSchemaValidation(trx, revisionId, now);
      return { revision: revisionId, currentRevision: revisionId, documents, removed };
    });
  }

  /**
   * A new revision whose documents are those of revision `target` (0: no
   * documents at all). Every bucket of the target gets the target's
   * content back; buckets the target did not have are emptied. A document
   * identical to the latest revision's keeps its original revision.
   */
  async rollback(target: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await this.lock(trx);
      if (target !== 0 && !(await this.revisionExists(target, trx))) throw new RevisionNotFound(target);
      const latest = await this.latestRevisionId(trx);
      const targetState = await this.documentsAt(target, trx);
      const latestState = await this.documentsAt(latest, trx);
      const now = Date.now();
      const revisionId = await this.newRevision(trx, now);
      const latestByIdentity = new Map(latestState.map((d) => [identity(d), d]));
      const targetKeys = new Set(targetState.map((d) => `${d.bucket}\u0000${identity(d)}`));
      // Documents of the latest revision the target does not have leave their buckets.
      const markers = latestState.filter((d) => !targetKeys.has(`${d.bucket}\u0000${identity(d)}`)).map((d) => this.marker(d, revisionId, now));
      // That empties the buckets the target lacks; each bucket of the target is rewritten whole.
      const copies = targetState.map((d) => {
        const current = latestByIdentity.get(identity(d));
        const unchanged = current && current.bucket === d.bucket && current.dataHash === d.dataHash && current.metadataHash === d.metadataHash;
        return { ...d, revisionId, origRevisionId: unchanged ? current.origRevisionId : revisionId, deleted: false, createdAt: now };
      });
      await this.insertDocuments(trx, markers);
      await this.insertDocuments(trx, copies);
      return revisionId;
    });
  }

  /** Deletes every revision, document, tag and validation, and restarts ids at 1. */
  async purge(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.lock(trx);
      await trx.deleteFrom('site_validations').execute();
      await trx.deleteFrom('site_revision_tags').execute();
      await trx.deleteFrom('site_documents').execute();
      await trx.deleteFrom('site_revisions').execute();
      await trx.updateTable('site_counters').set({ value: 0 }).execute();
    });
  }

  // ---- tags ----------------------------------------------------------

  private toTag(r: TagRow): RevisionTag {
    return { revisionId: Number(r.revision_id), tag: r.tag, data: JSON.parse(r.data), createdAt: Number(r.created_at) };
  }

  /** Creates the tag, or replaces its data when it exists. */
  async putTag(revisionId: number, tag: string, data: Record<string, JsonValue>): Promise<RevisionTag> {
    return this.db.transaction().execute(async (trx) => {
      await this.getRevision(revisionId, trx);
      const now = Date.now();
      await trx
        .insertInto('site_revision_tags')
        .values({ revision_id: revisionId, tag, data: JSON.stringify(data), created_at: now })
        .onConflict((oc) => oc.columns(['revision_id', 'tag']).doUpdateSet({ data: JSON.stringify(data) }))
        .execute();
      const row = await trx.selectFrom('site_revision_tags').selectAll().where('revision_id', '=', revisionId).where('tag', '=', tag).executeTakeFirstOrThrow();
      return this.toTag(row);
    });
  }

  async getTag(revisionId: number, tag: string): Promise<RevisionTag> {
    await this.getRevision(revisionId);
    const row = await this.db.selectFrom('site_revision_tags').selectAll().where('revision_id', '=', revisionId).where('tag', '=', tag).executeTakeFirst();
    if (!row) throw new RevisionTagNotFound(tag, revisionId);
    return this.toTag(row);
  }

  async listTags(revisionId: number): Promise<RevisionTag[]> {
    await this.getRevision(revisionId);
    const rows = await this.db.selectFrom('site_revision_tags').selectAll().where('revision_id', '=', revisionId).orderBy('tag').execute();
    return rows.map((r) => this.toTag(r));
  }

  async deleteTag(revisionId: number, tag: string): Promise<void> {
    await this.getRevision(revisionId);
    const res = await this.db.deleteFrom('site_revision_tags').where('revision_id', '=', revisionId).where('tag', '=', tag).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new RevisionTagNotFound(tag, revisionId);
  }

  async deleteTags(revisionId: number): Promise<void> {
    await this.getRevision(revisionId);
    await this.db.deleteFrom('site_revision_tags').where('revision_id', '=', revisionId).execute();
  }

  // ---- validations ---------------------------------------------------

  private toValidation(r: ValidationRow): ValidationEntry {
    return {
      id: Number(r.id),
      revisionId: Number(r.revision_id),
      name: r.name,
      status: r.status,
      validator: JSON.parse(r.validator),
      errors: JSON.parse(r.errors),
      createdAt: Number(r.created_at),
    };
  }

  async addValidation(revisionId: number, name: string, v: { status: string; validator: JsonValue; errors: JsonValue[] }): Promise<ValidationEntry> {
    return this.db.transaction().execute(async (trx) => {
      await this.getRevision(revisionId, trx);
      const id = await this.allocate(trx, 'validation', 1);
      const row: ValidationRow = {
        id,
        revision_id: revisionId,
        name,
        status: v.status,
        validator: JSON.stringify(v.validator),
        errors: JSON.stringify(v.errors),
        created_at: Date.now(),
      };
      await trx.insertInto('site_validations').values(row).execute();
      return this.toValidation(row);
    });
  }

  /** Validation entries of a revision, oldest first (optionally of one name). */
  async validations(revisionId: number, name?: string): Promise<ValidationEntry[]> {
    await this.getRevision(revisionId);
    let q = this.db.selectFrom('site_validations').selectAll().where('revision_id', '=', revisionId);
    if (name !== undefined) q = q.where('name', '=', name);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => this.toValidation(r));
  }

  // ---- settings ------------------------------------------------------

  /** A value created once per store and shared by every process using it (sealed at rest). */
  async sharedSecret(name: string, create: () => string): Promise<string> {
    const existing = await this.db.selectFrom('site_settings').select('value').where('name', '=', name).executeTakeFirst();
    if (existing) return this.sealer.open(existing.value);
    await this.db
      .insertInto('site_settings')
      .values({ name, value: this.sealer.seal(create()) })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('site_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return this.sealer.open(row.value);
  }
}
