// The dependent manager (Zuul's DependentPipelineManager), for gate
// pipelines: changes of the projects sharing a queue are tested
// speculatively, each on top of every item ahead of it, and merge in queue
// order. A needed change must share the queue (it is enqueued ahead of the
// change that needs it) or merge first. The window grows after merges and
// shrinks after failures.

import type { Change, ChangeQueue, Changeish } from '../model.js';
import { PipelineManager } from './base.js';
import { itemHas, type AddOptions, type EnqueueAttempt, type Run } from './run.js';
import type { QueueSpec } from './types.js';

export class DependentPipelineManager extends PipelineManager {
  readonly name = 'dependent' as const;

  protected override windowMoves(): boolean {
    return true;
  }

  protected override stopsOnFailingNeeds(): boolean {
    return true;
  }

  protected queueFor(run: Run, _change: Changeish, spec: QueueSpec): ChangeQueue {
    return this.sharedQueue(run, spec);
  }

  protected enqueueNeed(run: Run, queue: ChangeQueue, needed: Change, opts: AddOptions): EnqueueAttempt {
    const spec = run.env.queueFor(needed.project, needed.branch);
    if (!spec || spec.key !== queue.key) {
      return {
        ok: false,
        waiting: true,
        reason: `it needs change ${needed.key} of ${needed.project}, which does not share change queue ${queue.name} and must merge first`,
      };
    }
    if (queue.items.some((i) => itemHas(i, needed.key))) return { ok: true };
    const r = this.add(run, needed, { ...opts, live: true, queue });
    if (!r.ok) return { ok: false, waiting: true, reason: `it needs change ${needed.key}, which cannot be enqueued: ${r.reason}` };
    return { ok: true };
  }
}
