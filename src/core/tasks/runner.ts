import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Logger } from '../logging.js';
import { TaskStore } from './task-store.js';
import { FINISHED, RetryTaskError, type NewTask, type Task } from './task.js';
import { StrataError } from '../errors/index.js';

export interface TaskContext<P> {
  task: Task<P>;
  /** True when an earlier owner held this task running and its lease ran out: it died mid-task. */
  takeover: boolean;
  /** Aborted when the lease is lost, a cancel is requested, or the runner stops. */
  signal: AbortSignal;
  progress(value: unknown): Promise<void>;
  log: Logger;
}

export interface TaskHandler<P = any> {
  run(ctx: TaskContext<P>): Promise<unknown>;
  /** Called once when the task fails for good, so the module can record the failure on its resource. */
  onFailed?(task: Task<P>, error: string): Promise<void>;
}

export interface RunnerOptions {
  /** Unique per process; defaults to host:pid:random. */
  owner?: string;
  concurrency?: number;
  leaseMs?: number;
  /** Between polls while there is work about. */
  pollMs?: number;
  /**
   * The longest wait between polls when nothing is runnable: local enqueues
   * and finished tasks wake the runner at once, and a retry's or a lease's
   * due time is waited for exactly, so this only bounds how late a task
   * enqueued by another process on the same store is seen.
   */
  idlePollMs?: number;
  log: Logger;
}

/**
 * Claims runnable tasks of the kinds it has handlers for and runs them,
 * renewing each lease while the handler works. A process that dies stops
 * renewing; once the lease expires any runner (this one restarted, or
 * another process on the same store) claims the task again, with
 * `takeover` set, and the handler decides to resume or fail it cleanly.
 */
export class TaskRunner {
  readonly owner: string;
  readonly tasks: TaskStore;
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly running = new Map<string, AbortController>();
  private readonly settled = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly idlePollMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private wokenWhilePolling = false;
  private stopped = true;
  private readonly failedListeners: ((task: Task, error: string) => void)[] = [];
  private readonly succeededListeners: ((task: Task) => void)[] = [];

  constructor(tasks: TaskStore, opts: RunnerOptions) {
    this.tasks = tasks;
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.concurrency = opts.concurrency ?? 32;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 250;
    this.idlePollMs = Math.max(this.pollMs, opts.idlePollMs ?? 2000);
    this.log = opts.log.child({ component: 'tasks' });
  }

  register<P>(kind: string, handler: TaskHandler<P>): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for task kind ${kind} is already registered`);
    this.handlers.set(kind, handler as TaskHandler);
  }

  /** Called after a task fails for good (past its retries); the fault manager raises an alarm. */
  onTaskFailed(listener: (task: Task, error: string) => void): void {
    this.failedListeners.push(listener);
  }

  /** Called after a task succeeds; the fault manager clears that task's alarm. */
  onTaskSucceeded(listener: (task: Task) => void): void {
    this.succeededListeners.push(listener);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming, aborts running handlers and waits for them; unfinished tasks go back to pending. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const ctl of this.running.values()) ctl.abort(new StrataError('runner stopping', { code: 'shutdown' }));
    const all = Promise.all([...this.settled]);
    await Promise.race([all, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  /**
   * Stops claiming and lets the running handlers finish (up to `timeoutMs`),
   * then stops: what is still running goes back to pending at once, for the
   * next runner to claim without waiting for a lease (a handover).
   */
  async drain(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    const deadline = Date.now() + timeoutMs;
    while (this.settled.size > 0 && Date.now() < deadline) await Promise.race([Promise.all([...this.settled]), new Promise((r) => setTimeout(r, 100).unref())]);
    for (const ctl of this.running.values()) ctl.abort(new StrataError('runner stopping', { code: 'shutdown' }));
    await Promise.race([Promise.all([...this.settled]), new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  async enqueue<P>(t: NewTask<P>, trx?: Transaction<any>): Promise<Task<P>> {
    const task = await this.tasks.enqueue(t, trx);
    if (!trx) this.wake();
    return task;
  }

  /** Polls now rather than at the next tick (after a local enqueue or commit). */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) this.wokenWhilePolling = true;
    else this.schedule(0);
  }

  /** Resolves with the task once it has finished (any final state). */
  async wait(id: string, timeoutMs = 60_000): Promise<Task> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = await this.tasks.get(id);
      if (FINISHED.includes(t.state)) return t;
      if (Date.now() > deadline) throw new StrataError(`task ${id} still ${t.state} after ${timeoutMs} ms`, { status: 504, code: 'timeout' });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delay);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.polling) return;
    this.polling = true;
    this.wokenWhilePolling = false;
    let delay = this.pollMs;
    try {
      const free = this.concurrency - this.running.size;
      const kinds = [...this.handlers.keys()];
      const claimed = await this.tasks.claim(this.owner, kinds, free, this.leaseMs);
      for (const { task, takeover } of claimed) this.launch(task, takeover);
      // Fewer than asked for: nothing else is runnable now, so sleep until the next retry or lease is due (idle: no polling to speak of).
      if (claimed.length < free) {
        const due = await this.tasks.nextDue(kinds);
        delay = due === undefined ? this.idlePollMs : Math.min(this.idlePollMs, Math.max(this.pollMs, due - Date.now() + 5));
      }
    } catch (err) {
      this.log.error({ err }, 'claiming tasks failed');
    } finally {
      this.polling = false;
      if (!this.stopped) this.schedule(this.wokenWhilePolling ? 0 : delay);
    }
  }

  private launch(task: Task, takeover: boolean): void {
    const handler = this.handlers.get(task.kind)!;
    const ctl = new AbortController();
    this.running.set(task.id, ctl);
    const log = this.log.child({ task: task.id, kind: task.kind, subject: task.subject ?? undefined });
    if (takeover) log.warn({ attempts: task.attempts }, 'taking over a task whose owner stopped renewing its lease');
    const done = this.execute(task, takeover, handler, ctl, log).finally(() => {
      this.running.delete(task.id);
      this.settled.delete(done);
      this.wake();
    });
    this.settled.add(done);
  }

  private async execute(task: Task, takeover: boolean, handler: TaskHandler, ctl: AbortController, log: Logger): Promise<void> {
    if (task.attempts > task.maxAttempts) {
      const error = `gave up after ${task.maxAttempts} attempts${takeover ? ' (its owner stopped while running it)' : ''}`;
      await this.fail(task, handler, error, log);
      return;
    }
    const beat = setInterval(async () => {
      try {
        const { ours, cancelRequested } = await this.tasks.renew(task.id, this.owner, this.leaseMs);
        if (!ours) ctl.abort(new StrataError('lease lost', { code: 'lease_lost' }));
        else if (cancelRequested) ctl.abort(new StrataError('cancelled', { code: 'cancelled' }));
      } catch (err) {
        log.warn({ err }, 'renewing the lease failed');
      }
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    beat.unref?.();
    try {
      const result = await handler.run({
        task,
        takeover,
        signal: ctl.signal,
        progress: (value) => this.tasks.progress(task.id, this.owner, value),
        log,
      });
      clearInterval(beat);
      const reason = ctl.signal.aborted ? (ctl.signal.reason as StrataError).code : undefined;
      if (reason === 'lease_lost') return;
      if (reason === 'cancelled') await this.tasks.finish(task.id, this.owner, { state: 'cancelled', error: 'cancelled' });
      else if (reason === 'shutdown') await this.tasks.retry(task.id, this.owner, 'runner stopped', 0);
      else if (await this.tasks.finish(task.id, this.owner, { state: 'succeeded', result })) for (const l of this.succeededListeners) l(task);
    } catch (err) {
      clearInterval(beat);
      const reason = ctl.signal.aborted ? (ctl.signal.reason as StrataError).code : undefined;
      const message = err instanceof Error ? err.message : String(err);
      if (reason === 'lease_lost') return;
      if (reason === 'cancelled') {
        await this.tasks.finish(task.id, this.owner, { state: 'cancelled', error: 'cancelled' });
      } else if (reason === 'shutdown') {
        await this.tasks.retry(task.id, this.owner, 'runner stopped', 0);
      } else if (err instanceof RetryTaskError && task.attempts < task.maxAttempts) {
        log.info({ attempt: task.attempts, error: message }, 'task will be retried');
        await this.tasks.retry(task.id, this.owner, message, err.delayMs);
      } else {
        await this.fail(task, handler, message, log);
      }
    }
  }

  private async fail(task: Task, handler: TaskHandler, error: string, log: Logger): Promise<void> {
    log.warn({ error }, 'task failed');
    if (!(await this.tasks.finish(task.id, this.owner, { state: 'failed', error }))) return;
    for (const l of this.failedListeners) l(task, error);
    try {
      await handler.onFailed?.(task, error);
    } catch (err) {
      log.error({ err }, 'recording a task failure failed');
    }
  }
}
