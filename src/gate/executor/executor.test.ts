import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../core/index.js';
import { TestRepos } from '../../../test/helpers/gate/repos.js';
import { makeJob } from '../scheduler/simulation.js';
import { RepoCache, type Commits } from '../merger/index.js';
import { Executor, type BuildOutcome, type BuildRequest } from './executor.js';
import { ProcessRuntime, runProcessStep } from './process-runtime.js';
import type { FrozenJob } from '../model.js';

const cleanup: Array<() => void> = [];
after(() => cleanup.forEach((f) => f()));

function tmp(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function fixture(concurrency = 4) {
  const repos = new TestRepos();
  cleanup.push(() => repos.remove());
  const tipA = await repos.create('org/a', { 'a.txt': 'a\n' });
  const tipB = await repos.create('org/b', { 'b.txt': 'b\n' });
  const cache = new RepoCache(repos.root, tmp('strata-exec-cache-'));
  await cache.update('org/a');
  await cache.update('org/b');
  const events: Array<{ id: string; kind: 'started' | 'finished'; outcome?: BuildOutcome }> = [];
  const waiters = new Map<string, (o: BuildOutcome) => void>();
  const executor = new Executor({
    concurrency,
    repos: cache,
    workRoot: tmp('strata-exec-work-'),
    logRoot: tmp('strata-exec-logs-'),
    runtimes: { process: new ProcessRuntime({ graceMs: 200 }) },
    log: silentLogger(),
    listener: {
      started: (id) => events.push({ id, kind: 'started' }),
      finished: (id, outcome) => {
        events.push({ id, kind: 'finished', outcome });
        waiters.get(id)?.(outcome);
      },
    },
  });
  const commits: Commits = { 'org/a': { main: tipA }, 'org/b': { main: tipB } };
  const run = (id: string, job: Partial<FrozenJob>, extra: Partial<BuildRequest> = {}) => {
    const done = new Promise<BuildOutcome>((r) => waiters.set(id, r));
    executor.submit({
      buildId: id, tenant: 't', pipeline: 'check', change: '1,1', changes: ['2,1', '1,1'], commits, priority: 0,
      job: makeJob(job.name ?? 'job', '1,1', job), ...extra,
    });
    return done;
  };
  return { repos, cache, executor, events, run, commits };
}

test('a build runs in a workspace with every required project at its frozen commit, with the GATE_* environment', async () => {
  const { executor, run } = await fixture();
  const out = await run('b1', {
    requiredProjects: [{ project: 'org/b', branch: 'main' }],
    run: ['echo "P=$GATE_PROJECT B=$GATE_BRANCH PL=$GATE_PIPELINE J=$GATE_JOB C=$GATE_CHANGE CS=$GATE_CHANGES"; test "$PWD" = "$GATE_WORKSPACE/org/a"; cat a.txt ../b/b.txt'],
  });
  assert.equal(out.result, 'SUCCESS', readFileSync(executor.logPath('b1'), 'utf8'));
  const log = readFileSync(executor.logPath('b1'), 'utf8');
  assert.match(log, /P=org\/a B=main PL=check J=job C=1,1 CS=2,1 1,1/);
  assert.match(log, /^a\nb$/m);
});

test('run failure → FAILURE; post-run still runs; a post-run failure alone → POST_FAILURE', async () => {
  const { executor, run } = await fixture();
  const failed = await run('f1', { run: ['echo running; exit 3'], postRun: ['echo post ran'] });
  assert.equal(failed.result, 'FAILURE');
  assert.match(readFileSync(executor.logPath('f1'), 'utf8'), /post ran/);
  const post = await run('p1', { run: ['true'], postRun: ['exit 1'] });
  assert.equal(post.result, 'POST_FAILURE');
});

test('pre-run failures are retried up to the attempts, then RETRY_LIMIT', async () => {
  const { executor, run } = await fixture();
  const out = await run('r1', { attempts: 2, preRun: ['echo attempt $GATE_ATTEMPT; exit 1'] });
  assert.equal(out.result, 'RETRY_LIMIT');
  const log = readFileSync(executor.logPath('r1'), 'utf8');
  assert.match(log, /attempt 1\n[\s\S]*attempt 2\n/);
});

test('a timeout kills the whole process group → TIMED_OUT', async () => {
  const { executor, run } = await fixture();
  const marker = path.join(tmp('strata-exec-marker-'), 'child-alive');
  const t0 = Date.now();
  const out = await run('t1', { timeout: 1, run: [`(sleep 3; touch ${marker}) & sleep 30`] });
  assert.equal(out.result, 'TIMED_OUT');
  assert.ok(Date.now() - t0 < 5000);
  await new Promise((r) => setTimeout(r, 3500));
  assert.equal(existsSync(marker), false, 'the background child was killed with the group');
  assert.match(readFileSync(executor.logPath('t1'), 'utf8'), /timed out/);
});

test('cancel aborts a running build → ABORTED; a queued one never starts', async () => {
  const { executor, run, events } = await fixture(1);
  const running = run('c1', { run: ['sleep 30'] });
  const queued = run('c2', { run: ['true'] });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(executor.activeCount, 1);
  assert.equal(executor.queuedCount, 1);
  executor.cancel('c2');
  executor.cancel('c1');
  assert.equal((await running).result, 'ABORTED');
  assert.equal((await queued).result, 'ABORTED');
  assert.ok(!events.some((e) => e.id === 'c2' && e.kind === 'started'));
});

test('concurrency limit: builds beyond it wait', async () => {
  const { executor, run } = await fixture(2);
  const all = ['x1', 'x2', 'x3'].map((id) => run(id, { run: ['sleep 0.5'] }));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(executor.activeCount, 2);
  assert.equal(executor.queuedCount, 1);
  for (const o of await Promise.all(all)) assert.equal(o.result, 'SUCCESS');
});

test('followers receive the log while the build runs, then an end marker', async () => {
  const { executor, run } = await fixture();
  const done = run('s1', { run: ['echo first; sleep 0.4; echo second'] });
  await new Promise((r) => setTimeout(r, 150));
  const chunks: string[] = [];
  let ended = false;
  assert.ok(executor.follow('s1', (c) => (c === null ? (ended = true) : chunks.push(c.toString()))));
  await done;
  assert.ok(ended);
  assert.match(chunks.join(''), /second/);
  assert.equal(executor.follow('s1', () => {}), null, 'not running any more');
});

test('an unknown runtime → ERROR; a missing frozen commit → retried then RETRY_LIMIT', async () => {
  const { run } = await fixture();
  assert.equal((await run('u1', { runtime: 'vm' })).result, 'ERROR');
  assert.equal((await run('u2', { attempts: 1, requiredProjects: [{ project: 'org/zzz', branch: 'main' }] })).result, 'RETRY_LIMIT');
});

test('runProcessStep reports exit codes and does not leave the group behind', async () => {
  const r = await runProcessStep({ command: 'exit 7', cwd: '/', env: { PATH: process.env.PATH! }, timeoutMs: null, signal: new AbortController().signal, onOutput: () => {} });
  assert.equal(r.exitCode, 7);
});

test('recover() kills processes a previous executor left running', async () => {
  const { executor, run } = await fixture();
  const marker = path.join(tmp('strata-exec-orphan-'), 'alive');
  void run('o1', { run: [`sleep 2; touch ${marker}`] });
  await new Promise((r) => setTimeout(r, 300));
  const killed = executor.recover();
  assert.ok(killed.length >= 1);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(existsSync(marker), false);
});


test('a semaphore of max 1 holds a second build back across pipelines until the first ends; resources-first waits with its nodes up', async () => {
  const { executor, run, events } = await fixture(4);
  const sem = [{ key: 't:db', max: 1, resourcesFirst: false }];
  const first = run('s-a', { run: ['sleep 0.6'], semaphores: sem });
  const second = run('s-b', { run: ['true'], semaphores: sem }, { pipeline: 'gate' });
  const free = run('s-c', { run: ['true'] });
  await free;
  assert.equal(executor.semaphores.held('t:db').length, 1);
  assert.ok(!events.some((e) => e.id === 's-b' && e.kind === 'started'), 'the second waits');
  await first;
  assert.equal((await second).result, 'SUCCESS');
  const order = events.filter((e) => e.kind === 'started' || e.kind === 'finished').map((e) => `${e.kind}:${e.id}`);
  assert.ok(order.indexOf('finished:s-a') < order.indexOf('started:s-b'), order.join(' '));
  const late = [{ key: 't:late', max: 1, resourcesFirst: true }];
  const l1 = run('l-1', { run: ['sleep 0.4'], semaphores: late });
  const l2 = run('l-2', { run: ['true'], semaphores: late });
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(events.some((e) => e.id === 'l-2' && e.kind === 'started'), 'a resources-first build starts (its nodes come up) and waits inside');
  assert.equal((await l1).result, 'SUCCESS');
  assert.equal((await l2).result, 'SUCCESS');
  assert.match(readFileSync(executor.logPath('l-2'), 'utf8'), /waiting for semaphores t:late/);
  assert.deepEqual(executor.semaphores.held('t:late'), []);
});
