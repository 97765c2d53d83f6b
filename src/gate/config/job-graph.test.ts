import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobConfigurationError, JobCycleError } from './errors.js';
import type { FrozenJob } from './frozen-job.js';
import { JobGraph } from './job-graph.js';

function job(name: string, deps: Array<string | [string, boolean]> = []): FrozenJob {
  return { name, dependencies: deps.map((d) => (typeof d === 'string' ? { name: d, soft: false } : { name: d[0], soft: d[1] })) } as FrozenJob;
}

describe('JobGraph', () => {
  it('answers dependency queries and orders jobs', () => {
    const g = new JobGraph([job('deploy', ['build', 'test']), job('test', ['build']), job('build'), job('docs', [['missing', true]])]);
    assert.deepEqual(g.getDependencies('docs'), [], 'a soft dependency that does not run is dropped');
    assert.deepEqual(g.getDependenciesRecursively('deploy'), ['test', 'build']);
    assert.deepEqual(g.getDependentsRecursively('build'), ['deploy', 'test']);
    assert.deepEqual(g.topologicalOrder(), ['build', 'test', 'deploy', 'docs']);
    assert.deepEqual(g.runnable(new Map()), ['build', 'docs']);
    assert.deepEqual(g.runnable(new Map([['build', 'success'], ['docs', 'running']])), ['test']);
    assert.deepEqual(g.runnable(new Map([['build', 'failure']])), ['docs']);
  });

  it('rejects hard dependencies on jobs that do not run, and cycles', () => {
    assert.throws(() => new JobGraph([job('a', ['b'])]), (e: unknown) => e instanceof JobConfigurationError && e.code === 'dependency-not-run');
    assert.throws(() => new JobGraph([job('a', ['b']), job('b', ['c']), job('c', ['a'])]),
      (e: unknown) => e instanceof JobCycleError && /a -> b -> c -> a/.test(e.message));
  });
});
