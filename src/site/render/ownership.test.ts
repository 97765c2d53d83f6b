import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ownership } from './ownership.js';

test('input objects are never live: owning one copies it, once', () => {
  const own = new Ownership();
  const input = { a: { b: 1 } };
  const mine = own.own(input);
  assert.notEqual(mine, input);
  assert.deepEqual(mine, input);
  assert.equal(own.own(mine), mine, 'a live object is changed in place');
  assert.equal(mine.a, input.a, 'one level only');
  assert.ok(!own.isLive(input) && own.isLive(mine));
});

test('ownDeep makes everything below live, keeping live parts (and so their sharing)', () => {
  const own = new Ownership();
  const shared = own.fresh({ x: 1 });
  const holder = own.fresh({ shared, raw: { y: [2] } }) as Record<string, unknown>;
  const other = own.fresh({ shared }) as Record<string, unknown>;
  const deep = own.ownDeep(holder);
  assert.equal(deep, holder);
  assert.equal(holder.shared, shared, 'live child kept');
  assert.ok(own.isDeep(holder) && own.isLive(holder.raw) && own.isLive((holder.raw as { y: unknown }).y));
  (holder.shared as { x: number }).x = 2;
  assert.equal((other.shared as { x: number }).x, 2, 'still shared');
});

test('shallowCopy (copy.copy) shares the children; copyLive shares nothing; each render has its own marks', () => {
  const own = new Ownership();
  const v = own.copyLive({ a: { b: 1 } });
  const copy = own.shallowCopy(v);
  assert.notEqual(copy, v);
  assert.equal(copy.a, v.a);
  assert.ok(own.isDeep(copy));
  assert.ok(!new Ownership().isLive(v), 'another render treats it as input');
});
