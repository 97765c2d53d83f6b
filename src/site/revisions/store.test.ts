/** The revision store on both dialects: SQLite and a throwaway PostgreSQL. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storesUnderTest } from '../../core/testing/index.js';
import { SecretBox, type Store } from '../../core/index.js';
import type { Document } from '../documents/index.js';
import { revisionMigrations } from './migrations.js';
import { prepareDocument, sha256Hasher } from './prepare.js';
import { RevisionStore } from './store.js';

const stores = storesUnderTest({ site: revisionMigrations });
after(() => stores.close());

const box = new SecretBox(Buffer.alloc(32, 7));
const hasher = sha256Hasher(Buffer.alloc(32, 1));

function doc(name: string, data: unknown, extra: Record<string, unknown> = {}): Document {
  return {
    schema: 'example/Kind/v1',
    metadata: { schema: 'metadata/Document/v1', name, layeringDefinition: { layer: 'site' }, storagePolicy: 'cleartext', ...extra },
    data: data as Document['data'],
  };
}
const prep = (...docs: Document[]) => docs.map((d) => prepareDocument(d, hasher));
const policy: Document = { schema: 'deckhand/LayeringPolicy/v1', metadata: { schema: 'metadata/Control/v1', name: 'lp' }, data: { layerOrder: ['site'] } };

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`revision store on ${dialect}`, () => {
    const open = async (): Promise<{ store: Store; revisions: RevisionStore }> => {
      const store = await stores[dialect]();
      return { store, revisions: new RevisionStore(store, box) };
    };

    test('a PUT makes a revision; the same PUT again makes none; a change makes one and keeps history', async () => {
      const { revisions } = await open();
      const first = await revisions.putBucket('a', prep(doc('x', { v: 1 }), doc('y', { v: 2 })));
      assert.equal(first.revision, 1);
      assert.deepEqual(first.documents.map((d) => [d.name, d.origRevisionId]), [['x', 1], ['y', 1]]);
      const again = await revisions.putBucket('a', prep(doc('y', { v: 2 }), doc('x', { v: 1 })));
      assert.equal(again.revision, null);
      assert.equal(again.currentRevision, 1);
      assert.deepEqual(again.documents.map((d) => d.name), ['y', 'x'], 'in body order');
      const changed = await revisions.putBucket('a', prep(doc('x', { v: 1 }), doc('y', { v: 3 })));
      assert.equal(changed.revision, 2);
      assert.deepEqual(changed.documents.map((d) => [d.name, d.origRevisionId]), [['x', 1], ['y', 2]]);
      assert.deepEqual((await revisions.documentsAt(1)).map((d) => d.data), [{ v: 1 }, { v: 2 }]);
      assert.deepEqual((await revisions.documentsAt(2)).map((d) => d.data), [{ v: 1 }, { v: 3 }]);
      assert.equal(await revisions.latestRevisionId(), 2);
    });

    test('documents missing from the body leave the bucket; other buckets are untouched', async () => {
      const { revisions } = await open();
      await revisions.putBucket('a', prep(doc('x', 1), doc('y', 2)));
      await revisions.putBucket('b', prep(doc('z', 3)));
      const r = await revisions.putBucket('a', prep(doc('y', 2)));
      assert.equal(r.revision, 3);
      assert.deepEqual(r.removed.map((d) => [d.name, d.deleted]), [['x', true]]);
      assert.deepEqual((await revisions.documentsAt(3)).map((d) => `${d.bucket}/${d.name}`).sort(), ['a/y', 'b/z']);
      const emptied = await revisions.putBucket('a', []);
      assert.equal(emptied.revision, 4);
      assert.deepEqual((await revisions.documentsAt(4)).map((d) => d.name), ['z']);
      assert.equal((await revisions.putBucket('a', [])).revision, null, 'an empty bucket emptied again changes nothing');
      assert.deepEqual((await revisions.revisionSummary(4)).buckets, ['a']);
    });

    test('a document in another bucket, or a second LayeringPolicy, is a conflict that writes nothing', async () => {
      const { revisions } = await open();
      await revisions.putBucket('a', prep(doc('x', 1), policy));
      await assert.rejects(revisions.putBucket('b', prep(doc('x', 1))), (e: Error) => e.name === 'DuplicateDocumentExists' && /already exists in bucket: a/.test(e.message));
      const other = { ...policy, metadata: { ...policy.metadata, name: 'lp2' } };
      await assert.rejects(revisions.putBucket('b', prep(other)), (e: Error) => e.name === 'SingletonDocumentConflict');
      assert.equal(await revisions.latestRevisionId(), 1);
      assert.equal((await revisions.listRevisions()).length, 1);
      // Moving a document is two steps: out of one bucket, then into the other.
      await revisions.putBucket('a', prep(policy));
      assert.equal((await revisions.putBucket('b', prep(doc('x', 1)))).revision, 3);
    });

    test('encrypted data is sealed at rest and read back in cleartext', async () => {
      const { store, revisions } = await open();
      const secret = doc('pw', 'hunter2-very-secret', { storagePolicy: 'encrypted' });
      await revisions.putBucket('s', prep(secret));
      const raw = await store.db.selectFrom('site_documents').select(['data', 'data_hash']).execute();
      assert.equal(raw.length, 1);
      assert.ok(SecretBox.isSealed(raw[0].data), 'sealed at rest');
      assert.ok(!JSON.stringify(raw).includes('hunter2'));
      assert.notEqual(raw[0].data_hash, sha256Hasher(Buffer.alloc(32, 9)).plain('hunter2-very-secret'));
      const [back] = await revisions.documentsAt(1);
      assert.equal(back.data, 'hunter2-very-secret');
      assert.equal(back.encrypted, true);
      assert.equal((await revisions.putBucket('s', prep(secret))).revision, null, 'the same secret again is no change');
    });

    test('rollback restores a revision as a new one; 0 empties every bucket', async () => {
      const { revisions } = await open();
      await revisions.putBucket('a', prep(doc('x', 1), doc('y', 2)));
      await revisions.putBucket('a', prep(doc('x', 1), doc('y', 3), doc('w', 4)));
      await revisions.putBucket('b', prep(doc('z', 5)));
      const back = await revisions.rollback(1);
      assert.equal(back, 4);
      const docs = await revisions.documentsAt(4);
      assert.deepEqual(docs.map((d) => [d.bucket, d.name, d.data, d.origRevisionId]), [
        ['a', 'x', 1, 1],
        ['a', 'y', 2, 4],
      ]);
      assert.deepEqual((await revisions.revisionSummary(4)).buckets, ['a', 'b']);
      const none = await revisions.rollback(0);
      assert.deepEqual(await revisions.documentsAt(none), []);
      await assert.rejects(revisions.rollback(99), (e: Error) => e.name === 'RevisionNotFound');
    });

    test('purge deletes everything and restarts ids at 1', async () => {
      const { revisions } = await open();
      await revisions.putBucket('a', prep(doc('x', 1)));
      await revisions.putTag(1, 't', { k: 'v' });
      await revisions.purge();
      assert.deepEqual(await revisions.listRevisions(), []);
      const r = await revisions.putBucket('a', prep(doc('x', 1)));
      assert.equal(r.revision, 1);
      assert.equal(r.documents[0].id, 1);
      assert.deepEqual(await revisions.listTags(1), []);
    });

    test('tags: create, replace, list sorted, delete; unknown revision or tag is 404', async () => {
      const { revisions } = await open();
      await revisions.putBucket('a', prep(doc('x', 1)));
      await revisions.putTag(1, 'b', {});
      await revisions.putTag(1, 'a', { k: 1 });
      await revisions.putTag(1, 'a', { k: 2 });
      assert.deepEqual((await revisions.listTags(1)).map((t) => [t.tag, t.data]), [['a', { k: 2 }], ['b', {}]]);
      await revisions.deleteTag(1, 'a');
      await assert.rejects(revisions.deleteTag(1, 'a'), (e: Error) => e.name === 'RevisionTagNotFound');
      await assert.rejects(revisions.putTag(9, 'a', {}), (e: Error) => e.name === 'RevisionNotFound');
      await revisions.deleteTags(1);
      assert.deepEqual(await revisions.listTags(1), []);
    });

    test('every revision records a schema validation; posted validations are listed oldest first', async () => {
      const { revisions } = await open();
      await revisions.putBucket('a', prep(doc('x', 1)));
      await revisions.addValidation(1, 'promenade-site-validation', { status: 'failure', validator: { name: 'promenade' }, errors: [{ message: 'bad' }] });
      const all = await revisions.validations(1);
      assert.deepEqual(all.map((v) => [v.name, v.status]), [['deckhand-schema-validation', 'success'], ['promenade-site-validation', 'failure']]);
      assert.deepEqual((await revisions.validations(1, 'promenade-site-validation'))[0].errors, [{ message: 'bad' }]);
    });

    test('concurrent PUTs to different buckets each make a revision, ids gap-free', async () => {
      const { revisions } = await open();
      const n = 12;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => revisions.putBucket(`b${i}`, prep(doc(`d${i}`, i)))));
      assert.deepEqual(results.map((r) => r.revision).sort((a, b) => a! - b!), Array.from({ length: n }, (_, i) => i + 1));
      const state = await revisions.documentsAt(n);
      assert.equal(state.length, n);
      assert.equal(new Set(state.map((d) => d.id)).size, n);
    });

    test('a shared secret is created once and the same for a second store instance', async () => {
      const { store, revisions } = await open();
      const a = await revisions.sharedSecret('k', () => 'first');
      const b = await new RevisionStore(store, box).sharedSecret('k', () => 'second');
      assert.equal(a, 'first');
      assert.equal(b, 'first');
    });
  });
}
