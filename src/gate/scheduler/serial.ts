// The serial manager (Zuul's SerialPipelineManager), for deployment
// pipelines: changes queue as in a dependent pipeline, but one item at a
// time is processed (a window fixed at 1), each on the state the item
// before it left, so nothing is tested speculatively. Dependencies are not
// followed: what is deployed is what already merged.

import type { Change, ChangeQueue, Changeish } from '../model.js';
import { PipelineManager } from './base.js';
import type { EnqueueAttempt, Run } from './run.js';
import type { QueueSpec } from './types.js';

export class SerialPipelineManager extends PipelineManager {
  readonly name = 'serial' as const;

  protected override initialWindow(): number {
    return 1;
  }

  protected override handlesDependencies(): boolean {
    return false;
  }

  protected queueFor(run: Run, _change: Changeish, spec: QueueSpec): ChangeQueue {
    return this.sharedQueue(run, spec);
  }

  protected enqueueNeed(_run: Run, _queue: ChangeQueue, _needed: Change): EnqueueAttempt {
    return { ok: true };
  }
}
