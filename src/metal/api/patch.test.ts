import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, checkAllowedFields, parsePatch, patchValues } from './patch.js';

test('only add, replace and remove with word-character paths', () => {
  assert.throws(() => parsePatch([{ op: 'move', path: '/a', from: '/b' }]), /Schema error for patch/);
  assert.throws(() => parsePatch({ op: 'add' }), /Schema error for patch/);
  assert.throws(() => parsePatch([{ op: 'add', path: 'name', value: 1 }]), /does not match/);
  assert.deepEqual(parsePatch([{ op: 'replace', path: '/driver_info/ipmi_address', value: 'x' }]), [{ op: 'replace', path: '/driver_info/ipmi_address', value: 'x' }]);
});

test('patches apply one operation at a time; errors name the operation', () => {
  const doc = { name: 'a', extra: { x: 1 } };
  assert.deepEqual(applyPatch(doc, [{ op: 'add', path: '/extra/y', value: 2 }, { op: 'remove', path: '/extra/x' }]), { name: 'a', extra: { y: 2 } });
  assert.deepEqual(doc, { name: 'a', extra: { x: 1 } }, 'the input is left alone');
  assert.throws(() => applyPatch(doc, [{ op: 'remove', path: '/extra/nope' }]), /Couldn't apply patch '\{"op":"remove","path":"\/extra\/nope"\}'\. Reason: can't remove a non-existent object 'nope'/);
  assert.throws(() => applyPatch(doc, [{ op: 'add', path: '/newroot', value: 1 }]), /Adding a new attribute \(\/newroot\) to the root of the resource is not allowed/);
});

test('allowed fields and values', () => {
  assert.throws(() => checkAllowedFields([{ op: 'replace', path: '/uuid', value: 'x' }], ['name']), /Cannot patch \/uuid\. Only the following can be updated: name/);
  assert.deepEqual(patchValues([{ op: 'add', path: '/name', value: 'a' }, { op: 'remove', path: '/name' }], '/name'), ['a']);
});
