import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { cachingStatements } from './statement-cache.js';

test('statements are prepared once per SQL text, least recently used evicted', () => {
  const native = new Database(':memory:');
  let prepared = 0;
  const counting = { prepare: (sql: string) => (prepared++, native.prepare(sql)), close: () => native.close() };
  const db = cachingStatements(counting, 2);
  db.prepare('create table t (x integer)').run([]);
  for (let i = 0; i < 5; i++) db.prepare('insert into t values (?)').run([i]);
  assert.equal(prepared, 2);
  assert.deepEqual(db.prepare('select count(*) n from t').all([]), [{ n: 5 }]);
  assert.equal(prepared, 3);
  db.prepare('insert into t values (?)').run([9]); // still cached (recently used)
  assert.equal(prepared, 3);
  db.prepare('create table t2 (y integer)'); // evicts the select
  db.prepare('select count(*) n from t').all([]);
  assert.equal(prepared, 5);
  db.close();
});

test('a cached statement keeps working after the schema changes', () => {
  const db = cachingStatements(new Database(':memory:'));
  db.prepare('create table t (x integer)').run([]);
  db.prepare('insert into t values (?)').run([1]);
  db.prepare('alter table t add column y integer default 7').run([]);
  db.prepare('insert into t values (?, ?)').run([2, 3]);
  assert.deepEqual(db.prepare('select * from t order by x').all([]), [{ x: 1, y: 7 }, { x: 2, y: 3 }]);
});
