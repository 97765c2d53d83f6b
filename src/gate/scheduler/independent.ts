// The independent manager (Zuul's IndependentPipelineManager), for check
// pipelines: every change is tested on its own, in a queue of its own,
// together with the open changes it needs (enqueued ahead of it as
// non-live items: merged into its speculative state, never reported).

import type { Change, ChangeQueue, Changeish } from '../model.js';
import { PipelineManager } from './base.js';
import { itemHas, type AddOptions, type EnqueueAttempt, type Run } from './run.js';
import type { QueueSpec } from './types.js';

export class IndependentPipelineManager extends PipelineManager {
  readonly name = 'independent' as const;

  protected override initialWindow(): number {
    return 0;
  }

  protected override sharesQueues(): boolean {
    return false;
  }

  protected queueFor(run: Run, change: Changeish, spec: QueueSpec): ChangeQueue {
    run.state.queueSeq += 1;
    const queue: ChangeQueue = {
      key: `dyn:${run.state.queueSeq}`,
      name: change.project,
      dynamic: true,
      allowCircularDependencies: spec.allowCircularDependencies,
      window: 0,
      items: [],
    };
    run.state.queues.push(queue);
    return queue;
  }

  protected enqueueNeed(run: Run, queue: ChangeQueue, needed: Change, opts: AddOptions): EnqueueAttempt {
    if (queue.items.some((i) => itemHas(i, needed.key))) return { ok: true };
    const r = this.add(run, needed, { ...opts, live: false, quiet: true, ignoreRequirements: true, queue });
    return r.ok ? { ok: true } : { ok: false, waiting: false, reason: `it needs change ${needed.key}: ${r.reason}` };
  }
}
