import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredDocument, ValidationEntry } from './model.js';
import { checkedEntries, policiesOf, validationStatuses } from './validations.js';

const entry = (name: string, status: string, id: number): ValidationEntry => ({ id, revisionId: 1, name, status, validator: {}, errors: [], createdAt: id });
const policyDoc = {
  schema: 'deckhand/ValidationPolicy/v1',
  layer: '',
  name: 'site-deploy-ready',
  data: { validations: [{ name: 'deckhand-schema-validation' }, { name: 'drydock-site-validation' }] },
  deleted: false,
} as unknown as StoredDocument;

test('without a policy every posted validation counts; failure wins over success', () => {
  const entries = [entry('b', 'success', 1), entry('a', 'success', 2), entry('b', 'failure', 3)];
  assert.deepEqual(validationStatuses(entries, []), [
    { name: 'a', status: 'success' },
    { name: 'b', status: 'failure' },
  ]);
});

test('with a policy: expected but never posted is failure, posted but not expected is ignored', () => {
  const policies = policiesOf([policyDoc]);
  assert.deepEqual(policies[0].validations, ['deckhand-schema-validation', 'drydock-site-validation']);
  const entries = [entry('deckhand-schema-validation', 'success', 1), entry('armada', 'success', 2)];
  assert.deepEqual(validationStatuses(entries, policies), [
    { name: 'armada', status: 'ignored [success]' },
    { name: 'deckhand-schema-validation', status: 'success' },
    { name: 'drydock-site-validation', status: 'failure' },
  ]);
  const checked = checkedEntries(entries, policies);
  assert.deepEqual(checked.map((e) => [e.name, e.status]), [
    ['deckhand-schema-validation', 'success'],
    ['armada', 'ignored [success]'],
    ['drydock-site-validation', 'failure'],
  ]);
  assert.match(JSON.stringify(checked[1].errors), /ValidationPolicy \[deckhand\/ValidationPolicy\/v1, \] site-deploy-ready/);
  assert.match(JSON.stringify(checked[2].errors), /never externally registered/);
  assert.deepEqual(checkedEntries([], policies, 'drydock-site-validation').map((e) => e.status), ['failure']);
});
