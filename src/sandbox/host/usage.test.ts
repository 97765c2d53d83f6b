import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuMsOfStat, usageOf } from './usage.js';

test('CPU time from a stat line whose comm holds spaces and parens', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
  const line = '4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 1 0 12345 1000 10';
  assert.equal(cpuMsOfStat(line), 2800);
  assert.throws(() => cpuMsOfStat('garbage'), /not a \/proc\/PID\/stat line/);
});

test('usage of this process, and nothing for a pid that is gone', async () => {
  const busy = Date.now() + 50;
  while (Date.now() < busy); // some CPU time to see
  const u = usageOf([process.pid, 2 ** 22 + 1]);
  assert.equal(u.processes, 1);
  assert.ok(u.rssKiB > 1000, `rss ${u.rssKiB} KiB`);
  assert.ok(u.pssKiB > 0 && u.pssKiB <= u.rssKiB);
  assert.ok(u.cpuMs > 0);
  assert.deepEqual(usageOf([]), { processes: 0, rssKiB: 0, pssKiB: 0, cpuMs: 0 });
});
