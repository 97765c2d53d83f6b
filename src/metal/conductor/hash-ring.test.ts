import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { conductorFor } from './hash-ring.js';

test('every node maps to one live conductor of its group; losing one moves only its share', () => {
  const members = ['a', 'b', 'c'].map((hostname) => ({ hostname, conductor_group: '' }));
  const uuids = Array.from({ length: 600 }, () => randomUUID());
  const before = new Map(uuids.map((u) => [u, conductorFor(u, '', members)]));
  const counts = new Map<string, number>();
  for (const h of before.values()) counts.set(h!, (counts.get(h!) ?? 0) + 1);
  for (const h of ['a', 'b', 'c']) assert.ok((counts.get(h) ?? 0) > 120, `${h} gets a fair share (${counts.get(h)})`);
  const after = members.filter((m) => m.hostname !== 'b');
  for (const u of uuids) {
    const now = conductorFor(u, '', after);
    if (before.get(u) !== 'b') assert.equal(now, before.get(u));
    else assert.notEqual(now, 'b');
  }
  assert.equal(conductorFor(uuids[0], 'rack2', members), null, 'no conductor serves that group');
});
