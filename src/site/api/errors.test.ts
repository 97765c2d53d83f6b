import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, NotFoundError } from '../../core/index.js';
import { DuplicateDocumentExists, InvalidDocumentFormat } from '../documents/index.js';
import { statusBody } from './errors.js';
import { safeDump } from './pyyaml-dump.js';

test("a DeckhandError becomes Deckhand's Status document naming the document and path", () => {
  const body = statusBody(new DuplicateDocumentExists({ document: { schema: 'a/B/v1', layer: 'site', name: 'x' }, bucket: 'mop', source: { file: 'request body', line: 4 } }));
  assert.equal(body.kind, 'Status');
  assert.equal(body.apiVersion, 'v1.0');
  assert.equal(body.status, 'Failure');
  assert.equal(body.code, '409 Conflict');
  assert.equal(body.retry, false);
  assert.equal(body.details.errorType, 'DuplicateDocumentExists');
  assert.equal(body.details.errorCount, 1);
  assert.deepEqual(body.details.messageList[0], {
    message: 'Document [a/B/v1, site] x already exists in bucket: mop (request body:4)',
    error: true,
    name: 'x',
    schema: 'a/B/v1',
    layer: 'site',
    source: 'request body:4',
  });
});

test('validation failures list every message with its document, path and line', () => {
  const err = new InvalidDocumentFormat([
    { message: "'name' is a required property", error: true, name: 'D001', level: 'Error', kind: 'ValidationMessage', documents: [{ schema: 'a/B/v1', layer: '', name: '' }], path: 'metadata', source: { file: 'request body', line: 2 } },
    { message: 'bad', error: true, name: 'D001', level: 'Error', kind: 'ValidationMessage', documents: [{ schema: 'c/D/v1', layer: 'site', name: 'y' }], path: 'data.port' },
  ]);
  const body = statusBody(err);
  assert.equal(body.code, '400 Bad Request');
  assert.equal(body.details.errorType, 'InvalidDocumentFormat');
  assert.equal(body.details.errorCount, 2);
  assert.equal(body.details.messageList[1].path, 'data.port');
  assert.equal(body.details.messageList[1].schema, 'c/D/v1');
  assert.equal(body.details.messageList[0].source, 'request body:2');
});

test('core errors and Fastify errors map to their status; unexpected errors hide their text', () => {
  assert.equal(statusBody(new NotFoundError('no such thing')).code, '404 Not Found');
  assert.equal(statusBody(new InvalidInputError('bad', { parameter: 'limit' })).details.errorType, 'HTTPInvalidParam');
  const big = statusBody(Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }));
  assert.equal(big.code, '413 Payload Too Large');
  const boom = statusBody(new TypeError('secret internals'));
  assert.equal(boom.code, '500 Internal Server Error');
  assert.equal(boom.retry, true);
  assert.ok(!JSON.stringify(boom).includes('secret internals'));
});

test('the body serialises as PyYAML would write it', () => {
  assert.equal(
    safeDump(statusBody(new NotFoundError('gone'))),
    'apiVersion: v1.0\ncode: 404 Not Found\ndetails:\n  errorCount: 1\n  errorType: HTTPNotFound\n  messageList:\n  - error: true\n    message: gone\nkind: Status\nmessage: gone\nmetadata: {}\nreason: Unspecified\nretry: false\nstatus: Failure\n',
  );
});
