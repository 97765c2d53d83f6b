import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeChange, makeJob } from '../scheduler/simulation.js';
import { newBuildSet } from '../scheduler/build-set.js';
import type { QueueItem } from '../model.js';
import { formatDuration, formatReport } from './format.js';

const messages = {
  success: 'Build succeeded.', failure: 'Build failed.', mergeConflict: 'Merge Failed.', start: 'Starting {pipeline.name} jobs.',
  enqueue: '', noJobs: 'No jobs for this change.', dequeue: '', footer: 'See {status_url}',
};

function item(): QueueItem {
  const bs = newBuildSet('i', 0);
  bs.state = 'ready';
  bs.jobs = [makeJob('unit', '1,1'), makeJob('lint', '1,1', { voting: false }), makeJob('docs', '1,1')];
  bs.builds.unit = { id: 'b1', job: 'unit', name: 'unit', status: 'completed', result: 'SUCCESS', voting: true, launchTime: 0, startTime: 1000, endTime: 63_000 };
  bs.builds.lint = { id: 'b2', job: 'lint', name: 'lint', status: 'completed', result: 'FAILURE', voting: false, launchTime: 0, startTime: 1000, endTime: 3000 };
  bs.builds.docs = { id: 'b3', job: 'docs', name: 'docs', status: 'completed', result: 'SKIPPED', voting: true, launchTime: 0, startTime: null, endTime: 5 };
  return { id: 'i', state: 'active', changes: [makeChange(1)], live: true, aheadId: null, enqueueTime: 0, active: true, quiet: false, buildSet: bs, failingReasons: [], cause: 'x' };
}

test('a success report lists every job with its log, result and duration, as Zuul does', () => {
  const text = formatReport({ kind: 'success', pipeline: 'gate', messages, item: item(), logUrl: (b) => `http://s/log/${b.id}`, statusUrl: 'http://s/status' });
  assert.equal(text, [
    'Build succeeded (gate pipeline).',
    '',
    '- unit http://s/log/b1 : SUCCESS in 1m 02s\n- lint http://s/log/b2 : FAILURE in 2s (non-voting)\n- docs : SKIPPED',
    '',
    'See http://s/status',
  ].join('\n'));
});

test('start messages substitute the pipeline name; durations', () => {
  assert.match(formatReport({ kind: 'start', pipeline: 'check', messages, item: item(), logUrl: () => '', statusUrl: '' }), /^Starting check jobs\./);
  assert.equal(formatDuration(3_725_000), '1h 02m 05s');
  assert.equal(formatDuration(400), '0s');
});
