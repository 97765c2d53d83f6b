// The supercedent manager (Zuul's SupercedentPipelineManager), for post
// and promote pipelines: one queue per project and branch (or ref); the
// head item runs, at most one item waits behind it, and a newer item
// supersedes the waiting one. Only the newest state is worth testing.

import type { Change, ChangeQueue, Changeish, QueueItem } from '../model.js';
import { PipelineManager } from './base.js';
import { cancelBuilds, dequeue } from './queue-edits.js';
import type { EnqueueAttempt, Run } from './run.js';
import type { QueueSpec } from './types.js';

export class SupercedentPipelineManager extends PipelineManager {
  readonly name = 'supercedent' as const;

  protected override initialWindow(): number {
    return 1;
  }

  protected override handlesDependencies(): boolean {
    return false;
  }

  protected override sharesQueues(): boolean {
    return false;
  }

  protected queueFor(run: Run, change: Changeish, spec: QueueSpec): ChangeQueue {
    const where = change.kind === 'change' ? change.branch : change.branch ?? change.ref;
    const key = `${change.project}@${where}`;
    let queue = run.state.queues.find((q) => q.key === key);
    if (!queue) {
      queue = { key, name: `${change.project} ${where}`, dynamic: true, allowCircularDependencies: spec.allowCircularDependencies, window: 1, items: [] };
      run.state.queues.push(queue);
    }
    return queue;
  }

  protected enqueueNeed(_run: Run, _queue: ChangeQueue, _needed: Change): EnqueueAttempt {
    return { ok: true };
  }

  /** Keeps the running head and the newest item; everything between is superseded. */
  protected override afterEnqueue(run: Run, queue: ChangeQueue, item: QueueItem): void {
    while (queue.items.length > 2) {
      const stale = queue.items[1]!;
      cancelBuilds(run, stale);
      dequeue(run, queue, stale, false, `superseded by ${item.changes.map((c) => c.key).join(', ')}`);
    }
  }
}
