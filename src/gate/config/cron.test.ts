import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CronSyntaxError, nextCronTime, parseCron } from './cron.js';

describe('timer trigger times', () => {
  it('parses 5 to 7 fields with ranges, steps, lists and names', () => {
    const s = parseCron('*/15 2-4 1,15 jan-mar mon-fri 30 120');
    assert.deepEqual(s.minute.values, [0, 15, 30, 45]);
    assert.deepEqual(s.hour.values, [2, 3, 4]);
    assert.deepEqual(s.day.values, [1, 15]);
    assert.deepEqual(s.month.values, [1, 2, 3]);
    assert.deepEqual(s.dayOfWeek.values, [0, 1, 2, 3, 4]);
    assert.deepEqual(s.second.values, [30]);
    assert.equal(s.jitter, 120);
    assert.deepEqual(parseCron('0 2 * * *').second.values, [0]);
  });

  it('finds the next time, days of the week counting from Monday = 0', () => {
    const from = new Date('2025-01-01T00:00:00Z'); // a Wednesday
    assert.equal(nextCronTime(parseCron('0 2 * * *'), from).toISOString(), '2025-01-01T02:00:00.000Z');
    assert.equal(nextCronTime(parseCron('0 8 * * 5'), from).toISOString(), '2025-01-04T08:00:00.000Z', '5 is Saturday');
    // An explicit '*' second fires every second of the minute (APScheduler semantics).
    assert.equal(nextCronTime(parseCron('0 * * * * * 120'), new Date('2025-01-01T10:00:00Z')).toISOString(), '2025-01-01T10:00:01.000Z');
    assert.equal(nextCronTime(parseCron('0 * * * * 0 120'), new Date('2025-01-01T10:00:00Z')).toISOString(), '2025-01-01T11:00:00.000Z');
    assert.throws(() => nextCronTime(parseCron('0 0 31 2 *'), from), /never fires/);
  });

  it('rejects bad times', () => {
    for (const bad of ['* * *', '61 * * * *', '* 25 * * *', '* * * * funday', '1-x * * * *', '* * * * * * x']) {
      assert.throws(() => parseCron(bad), CronSyntaxError, bad);
    }
  });
});
