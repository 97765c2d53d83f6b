// One pass over a change queue (Zuul's processQueue for one queue): for
// every item, in order, whether it can still merge and is tested on the
// right base (the nearest non-failing item ahead), what to prepare, which
// builds to start or skip within the window, whether it is failing, and
// when it reports. Pure: it edits the call's private copy of the state and
// records the actions for the shell.

import type { ChangeQueue, QueueItem } from '../model.js';
import { buildMachine, buildSetMachine } from '../machines.js';
import {
  activeBuilds, areAllJobsComplete, didAllJobsSucceed, didAnyJobFail, holdsFollowingChanges, jobsToRun, syntheticBuild,
} from './build-set.js';
import { settleItem } from './item-state.js';
import { cancelBuild, cancelBuilds, dequeue, resetBuildSet } from './queue-edits.js';
import { clone, cloneItem, type ManagerTraits, type Run } from './run.js';
import type { ManagerEnv, ReportKind } from './types.js';
import { decreaseWindow, isActionable } from './window.js';

export function processOneQueue(traits: ManagerTraits, run: Run, queue: ChangeQueue): void {
  let nnfi: QueueItem | null = null;
  const failing = new Set<string>();
  const byId = new Map(queue.items.map((i) => [i.id, i]));
  let index = 0;
  for (const item of [...queue.items]) {
    if (!byId.has(item.id)) continue;
    const r = processItem(traits, run, queue, item, index, nnfi, failing, byId);
    if (r === 'stop') return;
    if (r.stayed) index++;
    nnfi = r.nnfi;
  }
}

function processItem(
  traits: ManagerTraits, run: Run, queue: ChangeQueue, item: QueueItem, index: number, nnfi: QueueItem | null, failing: Set<string>,
  byId: Map<string, QueueItem>,
): 'stop' | { nnfi: QueueItem | null; stayed: boolean } {
  const reasons: string[] = [];
  if (traits.handlesDependencies) {
    const problem = unmergeableNeed(queue, item, index, run.env);
    if (problem) {
      cancelBuilds(run, item);
      item.dequeuedNeedingChange = problem;
      item.failingReasons = [`it needs a change that can no longer merge: ${problem}`];
      dequeue(run, queue, item, false, `a needed change cannot merge: ${problem}`, byId);
      if (item.live) {
        countReport(run, 'failure');
        if (traits.windowMoves) queue.window = decreaseWindow(queue.window, run.settings.window);
        run.actions.push({
          type: 'report', pipeline: run.settings.name, itemId: item.id, kind: run.state.disabled ? 'disabled' : 'failure', final: false,
          submit: false, item: cloneItem(item), message: `This change depends on a change that failed to merge: ${problem}.`,
        });
      }
      return { nnfi, stayed: false };
    }
  }

  let ahead = item.aheadId ? byId.get(item.aheadId) ?? null : null;
  const actionable = isActionable(queue.window, index);
  item.active = actionable;

  if (traits.handlesDependencies && traits.stopsOnFailingNeeds && needsFailingItem(queue, item, index, failing)) {
    reasons.push('a needed change is failing');
    cancelBuilds(run, item);
  } else {
    const effectiveAhead = ahead && ahead.live ? ahead : null;
    if ((effectiveAhead?.id ?? null) !== (nnfi?.id ?? null) && !(ahead && !ahead.live)) {
      // Something ahead failed: test on the nearest non-failing item instead.
      item.aheadId = nnfi ? nnfi.id : null;
      ahead = nnfi;
    }
    const base = ahead ? ahead.buildSet.id : null;
    if (item.buildSet.state !== 'new' && item.buildSet.aheadBuildSet !== base) resetBuildSet(run, item);
    if (actionable) advance(run, queue, item, ahead, byId);
    if (item.buildSet.state === 'merge-conflict') reasons.push('it has a merge conflict');
    if (item.buildSet.state === 'config-error') reasons.push('it has a configuration error');
  }
  if (didAnyJobFail(item)) reasons.push('at least one job failed');

  if (!item.live && !queue.items.some((i) => i.aheadId === item.id)) {
    dequeue(run, queue, item, false, 'a non-live item with no items behind', byId);
    return { nnfi, stayed: false };
  }
  item.failingReasons = reasons;
  settleItem(item);
  const liveAhead = ahead && ahead.live ? ahead : null;
  if (!liveAhead && item.live && areAllJobsComplete(item)) {
    finalReport(run, item);
    return 'stop';
  }
  if (reasons.length) failing.add(item.id);
  else if (item.live) nnfi = item;
  return { nnfi, stayed: true };
}

/** Prepare the build set, then start (or skip) jobs, within the window. */
function advance(run: Run, queue: ChangeQueue, item: QueueItem, ahead: QueueItem | null, byId: Map<string, QueueItem>): void {
  const bs = item.buildSet;
  if (bs.state === 'new') {
    if (ahead && ahead.buildSet.state === 'merge-conflict') {
      // A change this one is tested with (a dependency ahead) does not merge, so neither does this state.
      bs.state = buildSetMachine.next(bs.state, 'ahead-conflict');
      bs.aheadBuildSet = ahead.buildSet.id;
      bs.error = `a change ahead of it (${ahead.changes.map((c) => c.key).join(', ')}) cannot be merged: ${ahead.buildSet.error ?? 'merge conflict'}`;
      return;
    }
    const aheadReady = !ahead || ahead.buildSet.state === 'ready' || (ahead.buildSet.state === 'config-error' && !ahead.live);
    if (!aheadReady) return;
    bs.state = buildSetMachine.next(bs.state, 'prepare');
    bs.aheadBuildSet = ahead ? ahead.buildSet.id : null;
    bs.changes = [...(ahead ? ahead.buildSet.changes : []), ...item.changes.map((c) => c.key)];
    run.actions.push({
      type: 'prepare', pipeline: run.settings.name, itemId: item.id, buildSet: bs.id, seq: bs.seq, live: item.live,
      changes: clone(item.changes),
      ahead: ahead
        ? {
          buildSet: ahead.buildSet.id, commits: clone(ahead.buildSet.commits), changes: [...ahead.buildSet.changes],
          updatesConfig: ahead.buildSet.updatesConfig, configChanges: clone(ahead.buildSet.configChanges),
        }
        : null,
    });
    return;
  }
  if (bs.state !== 'ready' || !item.live) return;
  if (bs.failFast && didAnyJobFail(item)) {
    for (const b of activeBuilds(bs)) cancelBuild(run, item, b.id, 'fail-fast: another job failed');
    for (const job of bs.jobs) {
      if (!bs.builds[job.uid]) bs.builds[job.uid] = syntheticBuild(run.env.newId(), job, 'SKIPPED', run.env.now, 'fail-fast: another job failed');
    }
    return;
  }
  for (;;) {
    const { run: ready, skip } = jobsToRun(bs);
    for (const s of skip) bs.builds[s.job.uid] = syntheticBuild(run.env.newId(), s.job, 'SKIPPED', run.env.now, s.reason);
    if (skip.length > 0) continue;
    if (ready.length === 0) return;
    if (aheadHolds(ahead, byId)) return;
    for (const job of ready) {
      const build = {
        id: run.env.newId(), job: job.uid, name: job.name, status: buildMachine.spec.initial, result: null, voting: job.voting,
        launchTime: run.env.now, startTime: null, endTime: null,
      };
      bs.builds[job.uid] = build;
      run.actions.push({ type: 'launch', pipeline: run.settings.name, itemId: item.id, buildSet: bs.id, build: clone(build), job: clone(job) });
    }
    if (!item.startReported && !item.quiet) {
      item.startReported = true;
      run.actions.push({ type: 'report', pipeline: run.settings.name, itemId: item.id, kind: 'start', final: false, submit: false, item: cloneItem(item) });
    }
    return;
  }
}

function aheadHolds(ahead: QueueItem | null, byId: Map<string, QueueItem>): boolean {
  for (let a = ahead; a; a = a.aheadId ? byId.get(a.aheadId) ?? null : null) if (holdsFollowingChanges(a)) return true;
  return false;
}

/** A need of the item that is neither merged nor ahead of it in the queue: the item cannot merge any more. */
function unmergeableNeed(queue: ChangeQueue, item: QueueItem, index: number, env: ManagerEnv): string | null {
  const inItem = new Set(item.changes.map((c) => (c.kind === 'change' ? c.number : -1)));
  let aheadKeys: Set<string> | undefined;
  for (const c of item.changes) {
    if (c.kind !== 'change') continue;
    for (const need of c.needs) {
      if (inItem.has(need.number)) continue;
      const needed = env.change(need.number);
      if (!needed) return `change ${need.number} does not exist`;
      if (needed.status === 'MERGED') continue;
      if (needed.status === 'ABANDONED') return `change ${need.number} was abandoned`;
      if (need.patchset !== null && need.patchset !== needed.currentPatchset) return `patchset ${need.patchset} of change ${need.number} is outdated`;
      aheadKeys ??= new Set(queue.items.slice(0, index).flatMap((i) => i.changes.map((x) => x.key)));
      if (!aheadKeys.has(needed.key)) return `change ${needed.key} is neither merged nor ahead of it in the queue`;
    }
  }
  return null;
}

function needsFailingItem(queue: ChangeQueue, item: QueueItem, index: number, failing: Set<string>): boolean {
  if (failing.size === 0) return false;
  const needed = new Set(item.changes.flatMap((c) => (c.kind === 'change' ? c.needs.map((n) => n.number) : [])));
  if (needed.size === 0) return false;
  for (const other of queue.items.slice(0, index)) {
    if (!failing.has(other.id)) continue;
    if (other.changes.some((c) => c.kind === 'change' && needed.has(c.number))) return true;
  }
  return false;
}

function finalReport(run: Run, item: QueueItem): void {
  const bs = item.buildSet;
  let kind: ReportKind;
  if (bs.state === 'merge-conflict') kind = 'merge-conflict';
  else if (bs.state === 'config-error') kind = 'config-error';
  else if (bs.jobs.length === 0) kind = 'no-jobs';
  else if (didAllJobsSucceed(item)) kind = 'success';
  else kind = 'failure';
  const wasDisabled = run.state.disabled;
  countReport(run, kind);
  run.actions.push({
    type: 'report', pipeline: run.settings.name, itemId: item.id, kind: wasDisabled ? 'disabled' : kind, final: true,
    submit: kind === 'success' && run.settings.changesMerge && !wasDisabled, item: cloneItem(item),
  });
}

/** Zuul's consecutive-failure accounting: a success resets it; enough failures disable the pipeline. */
function countReport(run: Run, kind: ReportKind): void {
  if (kind === 'success') run.state.consecutiveFailures = 0;
  else if (kind === 'failure' || kind === 'merge-conflict' || kind === 'config-error') run.state.consecutiveFailures++;
  const limit = run.settings.disableAfterConsecutiveFailures;
  if (limit !== null && !run.state.disabled && run.state.consecutiveFailures >= limit) run.state.disabled = true;
}