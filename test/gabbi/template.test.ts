import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError, pythonStr, replaceTemplate, type TemplateContext, type TestRecord } from './template.js';

function ctx(prior?: TestRecord, history: TestRecord[] = []): TemplateContext {
  return {
    scheme: 'http',
    netloc: '127.0.0.1:9000',
    prefix: '/deckhand',
    prior,
    history: new Map(history.map((h) => [h.name, h])),
    env: { ANSWER: '42', FLAG: 'True', WORD: 'hello' },
  };
}

const create: TestRecord = { name: 'create', url: '/api/v1.0/buckets/a/documents', headers: { location: '/x' }, location: '/x', data: [{ status: { revision: 3 } }] };
const show: TestRecord = { name: 'show', url: '/api/v1.0/revisions/3', headers: {}, data: [{ id: 7, tags: { a: 1 } }] };

test('a value that is only $RESPONSE keeps its type; inside a string it is spliced as str()', () => {
  assert.equal(replaceTemplate("$RESPONSE['$.[0].id']", ctx(show)), 7);
  assert.equal(replaceTemplate("/revisions/$RESPONSE['$.[0].id']/documents", ctx(show)), '/revisions/7/documents');
  assert.equal(replaceTemplate("x $RESPONSE['$.[0].tags']", ctx(show)), "x {'a': 1}");
});

test('$HISTORY refers to an earlier test by name, the bare form to the previous one', () => {
  const c = ctx(show, [create, show]);
  assert.equal(replaceTemplate("$HISTORY['create'].$RESPONSE['$.[0].status.revision']", c), 3);
  assert.equal(replaceTemplate("$HISTORY[\"create\"].$RESPONSE[\"$.[0].status.revision\"]/$RESPONSE['$.[0].id']", c), '3/7');
  assert.throws(() => replaceTemplate("$HISTORY['nope'].$RESPONSE['$.[0]']", c), TemplateError);
});

test('templates inside lists and mappings are replaced; other values pass through', () => {
  assert.deepEqual(replaceTemplate(["$RESPONSE['$.[0].id']", 'plain', 5, null, { k: "$RESPONSE['$.[0].id']" }], ctx(show)), [7, 'plain', 5, null, { k: 7 }]);
});

test('$SCHEME, $NETLOC (with the prefix), $ENVIRON (cast like gabbi), $LAST_URL, $URL, $HEADERS, $LOCATION', () => {
  const c = ctx(create, [create]);
  assert.equal(replaceTemplate('$SCHEME://$NETLOC/x', c), 'http://127.0.0.1:9000/deckhand/x');
  assert.equal(replaceTemplate("$ENVIRON['ANSWER']", c), 42);
  assert.equal(replaceTemplate("$ENVIRON['FLAG']", c), true);
  assert.equal(replaceTemplate("say $ENVIRON['WORD']", c), 'say hello');
  assert.equal(replaceTemplate('$LAST_URL', c), '/api/v1.0/buckets/a/documents');
  assert.equal(replaceTemplate("$HISTORY['create'].$URL", c), '/api/v1.0/buckets/a/documents');
  assert.equal(replaceTemplate("$HEADERS['Location']", c), '/x');
  assert.equal(replaceTemplate('$LOCATION', c), '/x');
  assert.throws(() => replaceTemplate("$ENVIRON['MISSING']", c), /not set/);
});

test('a missing prior test or a path matching nothing is an error, not an empty string', () => {
  assert.throws(() => replaceTemplate("$RESPONSE['$.[0].id']", ctx(undefined)), /no prior test/);
  assert.throws(() => replaceTemplate("$RESPONSE['$.[0].nope']", ctx(show)), /failed to match/);
  assert.throws(() => replaceTemplate("$RESPONSE['$.[0]']", ctx({ ...show, data: null })), /no structured response body/);
});

test('pythonStr prints values as Python does', () => {
  assert.equal(pythonStr(true), 'True');
  assert.equal(pythonStr(null), 'None');
  assert.equal(pythonStr(['a', 1]), "['a', 1]");
  assert.equal(pythonStr(2.5), '2.5');
});
