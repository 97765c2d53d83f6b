import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { storesUnderTest } from '../testing/index.js';
import { silentLogger } from '../logging.js';
import { RetryTaskError, TaskRunner, TaskStore, type Task } from './index.js';
import type { Store } from '../store/index.js';

const stores = storesUnderTest();
after(() => stores.close());

const worker = fileURLToPath(new URL('../testing/task-worker.ts', import.meta.url));

function runnerOn(store: Store, leaseMs = 1000) {
  return new TaskRunner(new TaskStore(store), { leaseMs, pollMs: 20, log: silentLogger() });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`tasks on ${kind}`, () => {
    test('a task runs once and records its result', async () => {
      const store = await stores[kind]();
      const runner = runnerOn(store);
      let runs = 0;
      runner.register<{ n: number }>('double', { run: async ({ task }) => (runs++, task.payload.n * 2) });
      runner.start();
      const t = await runner.enqueue({ kind: 'double', payload: { n: 21 }, subject: 'x' });
      const done = await runner.wait(t.id, 5000);
      await runner.stop();
      assert.equal(done.state, 'succeeded');
      assert.equal(done.result, 42);
      assert.equal(done.attempts, 1);
      assert.equal(done.owner, null);
      assert.equal(runs, 1);
    });

    test('a retryable failure is retried up to max attempts, then fails and calls onFailed', async () => {
      const store = await stores[kind]();
      const runner = runnerOn(store);
      const failures: string[] = [];
      runner.register('flaky', {
        run: async () => {
          throw new RetryTaskError('BMC unreachable', 10);
        },
        onFailed: async (_t, e) => void failures.push(e),
      });
      runner.start();
      const t = await runner.enqueue({ kind: 'flaky', payload: {}, maxAttempts: 3 });
      const done = await runner.wait(t.id, 5000);
      await runner.stop();
      assert.equal(done.state, 'failed');
      assert.equal(done.attempts, 3);
      assert.equal(done.error, 'BMC unreachable');
      assert.deepEqual(failures, ['BMC unreachable']);
    });

    test('idle, the runner waits for what is due instead of polling: a retry runs at its time, a foreign enqueue within the idle bound', async () => {
      const store = await stores[kind]();
      const tasks = new TaskStore(store);
      let claims = 0;
      const claim = tasks.claim.bind(tasks);
      tasks.claim = (...a) => (claims++, claim(...a));
      const runner = new TaskRunner(tasks, { leaseMs: 5000, pollMs: 20, idlePollMs: 400, log: silentLogger() });
      const runs: number[] = [];
      runner.register('later', {
        run: async ({ task }) => {
          runs.push(Date.now());
          if (task.attempts === 1) throw new RetryTaskError('not yet', 250);
          return 'ok';
        },
      });
      runner.start();
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(claims <= 5, `${claims} claims in 1 s of idling (a 20 ms poll would make 50)`);
      const t = await runner.enqueue({ kind: 'later', payload: {} });
      const done = await runner.wait(t.id, 5000);
      assert.equal(done.state, 'succeeded');
      const gap = runs[1]! - runs[0]!;
      assert.ok(gap >= 250 && gap < 380, `the retry ran ${gap} ms after the failure (due at 250 ms)`);
      // Enqueued behind this runner's back (another process): seen within the idle bound.
      const other = await new TaskStore(store).enqueue({ kind: 'later', payload: {}, maxAttempts: 1 });
      const t0 = Date.now();
      await runner.wait(other.id, 5000);
      assert.ok(Date.now() - t0 < 1000, `a foreign enqueue was seen after ${Date.now() - t0} ms`);
      await runner.stop();
    });

    test('drain lets a running task finish, claims nothing new, and hands a task that outlasts it straight back', async () => {
      const store = await stores[kind]();
      const runner = runnerOn(store, 60_000);
      const started: string[] = [];
      runner.register<{ ms: number }>('work', {
        run: async ({ task, signal }) => {
          started.push(task.id);
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(resolve, task.payload.ms);
            signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
          });
          return 'done';
        },
      });
      runner.start();
      const quick = await runner.enqueue({ kind: 'work', payload: { ms: 200 } });
      const slow = await runner.enqueue({ kind: 'work', payload: { ms: 10_000 } });
      while (started.length < 2) await new Promise((r) => setTimeout(r, 10));
      const t0 = Date.now();
      await runner.drain(600);
      assert.ok(Date.now() - t0 < 3000);
      const late = await new TaskStore(store).enqueue({ kind: 'work', payload: { ms: 1 } });
      assert.equal((await runner.tasks.get(quick.id)).state, 'succeeded', 'the running task finished');
      const back = await runner.tasks.get(slow.id);
      assert.equal(back.state, 'pending', 'the one that outlasted the drain is pending again, no lease to wait for');
      assert.equal(back.owner, null);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await runner.tasks.get(late.id)).state, 'pending', 'nothing new claimed');
      // The successor takes it at once, not after the 60 s lease.
      const next = runnerOn(store, 60_000);
      next.register('work', { run: async () => 'resumed' });
      next.start();
      assert.equal((await next.wait(slow.id, 3000)).state, 'succeeded');
      await next.stop();
    });

    test('two runners on one store never run the same task twice', async () => {
      const store = await stores[kind]();
      const seen: string[] = [];
      const a = runnerOn(store);
      const b = runnerOn(store);
      for (const r of [a, b]) r.register('count', { run: async ({ task }) => void seen.push(task.id) });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await a.tasks.enqueue({ kind: 'count', payload: i })).id);
      a.start();
      b.start();
      await Promise.all(ids.map((id) => a.wait(id, 10_000)));
      await Promise.all([a.stop(), b.stop()]);
      assert.equal(seen.length, 40);
      assert.equal(new Set(seen).size, 40);
    });

    test('cancel stops a running task and marks it cancelled', async () => {
      const store = await stores[kind]();
      const runner = runnerOn(store, 150);
      runner.register('long', {
        run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      });
      runner.start();
      const t = await runner.enqueue({ kind: 'long', payload: {} });
      while ((await runner.tasks.get(t.id)).state !== 'running') await new Promise((r) => setTimeout(r, 10));
      await runner.tasks.cancel(t.id);
      const done = await runner.wait(t.id, 5000);
      await runner.stop();
      assert.equal(done.state, 'cancelled');
    });

    test('a task leased by a killed process is taken over and completed by another', async () => {
      const target = kind === 'sqlite' ? stores.sqliteFile() : await stores.postgresUrl();
      const child = spawn(process.execPath, ['--import', 'tsx', worker, target, '500'], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const store = await (await import('../store/index.js')).openStore(target);
        await (await import('../store/index.js')).migrate(store, { core: (await import('../store/index.js')).coreMigrations });
        const tasks = new TaskStore(store);
        const t = await tasks.enqueue({ kind: 'hang', payload: { step: 1 } });
        const claimedLine = await new Promise<string>((resolve, reject) => {
          child.stdout!.on('data', (d) => resolve(String(d)));
          child.on('exit', (code) => reject(new Error(`worker exited early (${code})`)));
        });
        assert.equal(claimedLine.trim(), `claimed ${t.id}`);
        const before = await tasks.get(t.id);
        assert.equal(before.state, 'running');
        assert.notEqual(before.owner, null);
        child.kill('SIGKILL');

        const runner = new TaskRunner(tasks, { leaseMs: 500, pollMs: 20, log: silentLogger() });
        let seen: { task: Task; takeover: boolean } | undefined;
        runner.register('hang', { run: async ({ task, takeover }) => ((seen = { task, takeover }), 'resumed') });
        runner.start();
        const done = await runner.wait(t.id, 10_000);
        await runner.stop();
        await store.close();
        assert.equal(done.state, 'succeeded');
        assert.equal(done.result, 'resumed');
        assert.equal(done.attempts, 2);
        assert.equal(seen?.takeover, true);
        assert.notEqual(done.owner, before.owner);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  });
}
