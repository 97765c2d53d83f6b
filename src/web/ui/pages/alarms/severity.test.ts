import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEVERITIES, summaryCount } from './severity.ts';
import { alarmLine } from '../fleet/alarm-line.ts';

test('counts from FM\'s summary, warnings under their plural key; nothing known is undefined', () => {
  const summary = { critical: 1, major: 0, minor: 2, warnings: 3, status: 'critical' };
  assert.deepEqual(SEVERITIES.map((s) => summaryCount(summary, s)), [1, 0, 2, 3]);
  assert.equal(summaryCount(null, 'critical'), undefined);
  assert.equal(summaryCount({ critical: 'x' }, 'critical'), undefined);
});

test('a subcloud\'s alarm line: the non-zero counts, none, or unknown while offline', () => {
  assert.equal(alarmLine({ critical_alarms: 2, major_alarms: 0, minor_alarms: 1, warnings: 2 }), '2 critical, 1 minor, 2 warnings');
  assert.equal(alarmLine({ critical_alarms: 0, major_alarms: 0, minor_alarms: 0, warnings: 1 }), '1 warning');
  assert.equal(alarmLine({ critical_alarms: 0, major_alarms: 0, minor_alarms: 0, warnings: 0 }), 'none');
  assert.equal(alarmLine({ critical_alarms: -1, major_alarms: -1, minor_alarms: -1, warnings: -1 }), 'unknown');
  assert.equal(alarmLine(undefined), 'unknown');
});
