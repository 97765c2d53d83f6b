import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseCpus, parseDuration, parseMemory } from './quantity.js';

test('memory sizes', () => {
  assert.equal(parseMemory('256Mi'), 256 * 1024 * 1024);
  assert.equal(parseMemory('1G'), 1e9);
  assert.equal(parseMemory('64M'), 64e6);
  assert.equal(parseMemory('1048576'), 1048576);
  assert.equal(parseMemory(4096), 4096);
  assert.equal(parseMemory('1.5Gi'), 1.5 * 1024 ** 3);
  for (const bad of ['', 'lots', '-1', '0', '12Xi', '1 Mb'])
    assert.throws(() => parseMemory(bad), /memory/, bad);
  assert.equal(formatBytes(256 * 1024 * 1024), '256Mi');
});

test('cpus', () => {
  assert.equal(parseCpus('0.5'), 0.5);
  assert.equal(parseCpus('500m'), 0.5);
  assert.equal(parseCpus(2), 2);
  assert.throws(() => parseCpus('0'), /out of range/);
  assert.throws(() => parseCpus('two'), /not a CPU count/);
});

test('durations', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration(1500), 1500);
  assert.throws(() => parseDuration('soon'), /not a duration/);
});
