import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevisionSummary, StoredDocument } from '../revisions/index.js';
import { documentList, historyView, isoTime, revisionList, revisionShow, tagsView, writtenView } from './views.js';

const stored = (name: string, extra: Partial<StoredDocument> = {}): StoredDocument => ({
  id: 5,
  revisionId: 4,
  bucket: 'mop',
  schema: 'example/Kind/v1',
  layer: 'site',
  name,
  metadata: { name },
  data: { a: 1 },
  encrypted: false,
  dataHash: 'h',
  metadataHash: 'm',
  origRevisionId: 2,
  deleted: false,
  createdAt: 0,
  ...extra,
});

test('documents show the revision their content comes from, or the one that wrote them', () => {
  assert.deepEqual(documentList([historyView(stored('x'))]), [{ id: 5, metadata: { name: 'x' }, data: { a: 1 }, schema: 'example/Kind/v1', status: { bucket: 'mop', revision: 2 } }]);
  assert.equal((documentList([writtenView(stored('x'))])[0].status as { revision: number }).revision, 4);
});

test('deletion markers and ValidationPolicies are left out; an emptied bucket still names bucket and revision', () => {
  const vp = stored('vp', { schema: 'deckhand/ValidationPolicy/v1' });
  assert.deepEqual(documentList([writtenView(stored('x', { deleted: true })), writtenView(vp)]), [{ status: { bucket: 'mop', revision: 4 } }]);
  assert.deepEqual(documentList([]), []);
});

test('revisions: list with sorted tag names, show with tag data and ValidationPolicy status', () => {
  const r: RevisionSummary = {
    id: 3,
    createdAt: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    tags: [
      { revisionId: 3, tag: 'b', data: {}, createdAt: 0 },
      { revisionId: 3, tag: 'a', data: { k: 1 }, createdAt: 0 },
    ],
    buckets: ['mop'],
  };
  assert.equal(isoTime(r.createdAt), '2024-01-02T03:04:05.678000');
  assert.deepEqual(revisionList([r]), { count: 1, results: [{ id: 3, createdAt: '2024-01-02T03:04:05.678000', tags: ['a', 'b'], buckets: ['mop'] }] });
  const vp = stored('vp', { schema: 'deckhand/ValidationPolicy/v1', id: 9, data: { validations: [{ name: 'x', status: 'failure' }] } });
  const show = revisionShow(r, [vp], 'http://h/deckhand/api/v1.0');
  assert.deepEqual(show, {
    id: 3,
    createdAt: '2024-01-02T03:04:05.678000',
    url: 'http://h/deckhand/api/v1.0/revisions/3',
    validationPolicies: [{ name: 'vp', url: 'http://h/deckhand/api/v1.0/revisions/9', status: 'failure' }],
    status: 'failed',
    tags: { b: {}, a: { k: 1 } },
    buckets: ['mop'],
  });
  assert.deepEqual(tagsView(r.tags), { b: {}, a: { k: 1 } });
});
