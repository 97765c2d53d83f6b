// The manager's edits of a queue, shared by the pass and the entry points:
// cancelling builds, resetting a build set whose base changed, removing an
// item, and finding items and builds. Each takes the call's Run and records
// the actions the shell must perform.

import type { BuildResult, ChangeQueue, PipelineState, QueueItem } from '../model.js';
import { buildMachine } from '../machines.js';
import { activeBuilds, newBuildSet } from './build-set.js';
import { dequeueItem } from './item-state.js';
import { cloneItem, type Run } from './run.js';

export function cancelBuild(run: Run, item: QueueItem, buildId: string, message: string): void {
  const b = Object.values(item.buildSet.builds).find((x) => x.id === buildId);
  if (!b || !buildMachine.can(b.status, 'finish')) return;
  b.status = buildMachine.next(b.status, 'finish');
  b.result = 'ABORTED' satisfies BuildResult;
  b.endTime = run.env.now;
  b.message = message;
  run.actions.push({ type: 'cancel', pipeline: run.settings.name, itemId: item.id, buildId, item: cloneItem(item) });
}

export function cancelBuilds(run: Run, item: QueueItem): void {
  for (const b of activeBuilds(item.buildSet)) cancelBuild(run, item, b.id, 'cancelled');
}

/** Its base changed: cancel what runs and start over with a new build set. */
export function resetBuildSet(run: Run, item: QueueItem): void {
  cancelBuilds(run, item);
  item.buildSet = newBuildSet(item.id, item.buildSet.seq + 1);
}

/**
 * Removes an item. Items behind it move onto its own base. When it merged,
 * their state stays valid (what they were tested on is now the branch);
 * otherwise their build sets no longer match their base and are reset at
 * the next pass.
 */
export function dequeue(run: Run, queue: ChangeQueue, item: QueueItem, merged: boolean, reason: string, byId?: Map<string, QueueItem>): void {
  const at = queue.items.indexOf(item);
  if (at === -1) return;
  queue.items.splice(at, 1);
  byId?.delete(item.id);
  dequeueItem(item);
  for (const behind of queue.items) {
    if (behind.aheadId !== item.id) continue;
    behind.aheadId = item.aheadId;
    if (merged && behind.buildSet.aheadBuildSet === item.buildSet.id) behind.buildSet.aheadBuildSet = item.buildSet.aheadBuildSet;
  }
  run.actions.push({ type: 'dequeued', pipeline: run.settings.name, item: cloneItem(item), merged, reason });
}

export function dropEmptyDynamicQueues(run: Run): void {
  run.state.queues = run.state.queues.filter((q) => !q.dynamic || q.items.length > 0);
}

// ------------------------------------------------------------ lookups

export function findItem(state: PipelineState, itemId: string): { queue: ChangeQueue; item: QueueItem } | undefined {
  for (const queue of state.queues) {
    const item = queue.items.find((i) => i.id === itemId);
    if (item) return { queue, item };
  }
  return undefined;
}

export function findBuild(state: PipelineState, buildId: string) {
  for (const queue of state.queues) {
    for (const item of queue.items) {
      for (const build of Object.values(item.buildSet.builds)) if (build.id === buildId) return { queue, item, build };
    }
  }
  return undefined;
}