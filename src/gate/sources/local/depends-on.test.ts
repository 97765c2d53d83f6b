import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependsOnNumber, parseDependsOn } from './depends-on.js';

test('Depends-On by bare number, by gate URL and by Gerrit-style URL; duplicates and foreign URLs ignored', () => {
  const msg = [
    'Add the thing',
    '',
    'Body text mentioning Depends-On: 9 inline is not a footer.',
    '',
    'Depends-On: 12',
    'depends-on: http://127.0.0.1:4444/gate/changes/7',
    'Depends-On: https://review.example.org/c/org/b/+/5',
    'Depends-On: https://github.com/org/repo/pull/3',
    'Depends-On: 12',
    'Change-Id: I0123',
  ].join('\n');
  assert.deepEqual(parseDependsOn(msg).map((d) => d.number), [12, 7, 5]);
});

test('dependsOnNumber', () => {
  assert.equal(dependsOnNumber('42'), 42);
  assert.equal(dependsOnNumber('http://h:1/gate/changes/42/'), 42);
  assert.equal(dependsOnNumber('http://h/42'), 42);
  assert.equal(dependsOnNumber('not a url'), null);
  assert.equal(dependsOnNumber('http://h/pulls/42'), null);
});
