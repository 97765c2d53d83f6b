// What an item's build set says about the item (Zuul's QueueItem
// didAnyJobFail, areAllJobsComplete, didAllJobsSucceed, findJobsToRun,
// isHoldingFollowingChanges), as pure functions over plain data.

import { buildMachine, buildSetMachine } from '../machines.js';
import type { Build, BuildResult, BuildSet, FrozenJob, QueueItem } from '../model.js';

export function newBuildSet(itemId: string, seq: number): BuildSet {
  return {
    id: `${itemId}#${seq}`,
    seq,
    state: buildSetMachine.spec.initial,
    aheadBuildSet: null,
    changes: [],
    commits: {},
    files: [],
    updatesConfig: false,
    configChanges: [],
    jobs: [],
    builds: {},
    failFast: false,
  };
}

function finished(b: Build | undefined): b is Build & { result: BuildResult } {
  return b !== undefined && b.status === 'completed' && b.result !== null;
}

/** A voting job that ended in anything but SUCCESS fails the item (a skipped voting job was never verified). */
export function isFailedVotingBuild(b: Build | undefined): boolean {
  return finished(b) && b.voting && b.result !== 'SUCCESS';
}

export function didAnyJobFail(item: QueueItem): boolean {
  const bs = item.buildSet;
  if (bs.state !== 'ready') return false;
  return bs.jobs.some((j) => isFailedVotingBuild(bs.builds[j.uid]));
}

/** Nothing left to run: every job has a finished build, or preparing failed (nothing will run). */
export function areAllJobsComplete(item: QueueItem): boolean {
  const bs = item.buildSet;
  if (bs.state === 'merge-conflict' || bs.state === 'config-error') return true;
  if (bs.state !== 'ready') return false;
  return bs.jobs.every((j) => finished(bs.builds[j.uid]));
}

export function didAllJobsSucceed(item: QueueItem): boolean {
  const bs = item.buildSet;
  if (bs.state !== 'ready') return false;
  return bs.jobs.every((j) => !j.voting || bs.builds[j.uid]?.result === 'SUCCESS');
}

/** Builds still queued or running. */
export function activeBuilds(bs: BuildSet): Build[] {
  return Object.values(bs.builds).filter((b) => b.status !== 'completed');
}

/**
 * This item itself holds the items behind it: a job marked
 * hold-following-changes has not (yet) succeeded. Callers also ask the items
 * ahead, as Zuul does.
 */
export function holdsFollowingChanges(item: QueueItem): boolean {
  const bs = item.buildSet;
  if (!item.live || bs.state !== 'ready') return false;
  return bs.jobs.some((j) => j.holdFollowingChanges && bs.builds[j.uid]?.result !== 'SUCCESS');
}

/** The jobs of the same change a job depends on, by name. */
function parentsOf(bs: BuildSet, job: FrozenJob): Array<{ dep: { name: string; soft: boolean }; jobs: FrozenJob[] }> {
  return job.dependencies.map((dep) => ({ dep, jobs: bs.jobs.filter((j) => j.name === dep.name && j.change === job.change) }));
}

export type JobReadiness = { kind: 'ready' } | { kind: 'wait' } | { kind: 'skip'; reason: string };

/**
 * Whether a job without a build may start: every parent (hard dependency,
 * or soft dependency present in the graph) finished with SUCCESS. A parent
 * that ended otherwise skips the job, as Zuul does.
 */
export function jobReadiness(bs: BuildSet, job: FrozenJob): JobReadiness {
  let wait = false;
  for (const { dep, jobs } of parentsOf(bs, job)) {
    if (jobs.length === 0) {
      if (dep.soft) continue;
      return { kind: 'skip', reason: `depends on ${dep.name}, which is not in the job graph` };
    }
    for (const p of jobs) {
      const b = bs.builds[p.uid];
      if (!finished(b)) wait = true;
      else if (b.result !== 'SUCCESS') return { kind: 'skip', reason: `skipped because ${p.name} ended ${b.result}` };
    }
  }
  return wait ? { kind: 'wait' } : { kind: 'ready' };
}

/**
 * Jobs with no build yet, split into those to start now and those to mark
 * SKIPPED. A skip can make a child skippable in turn: callers loop until
 * nothing is skipped (see settleSkips).
 */
export function jobsToRun(bs: BuildSet): { run: FrozenJob[]; skip: Array<{ job: FrozenJob; reason: string }> } {
  const run: FrozenJob[] = [];
  const skip: Array<{ job: FrozenJob; reason: string }> = [];
  for (const job of bs.jobs) {
    if (bs.builds[job.uid]) continue;
    const r = jobReadiness(bs, job);
    if (r.kind === 'ready') run.push(job);
    else if (r.kind === 'skip') skip.push({ job, reason: r.reason });
  }
  return { run, skip };
}

/** A build record for a job decided without running (SKIPPED): born queued and moved by the table's `skip`. */
export function syntheticBuild(id: string, job: FrozenJob, result: BuildResult, now: number, message: string): Build {
  return {
    id, job: job.uid, name: job.name, status: buildMachine.next(buildMachine.spec.initial, 'skip'), result, voting: job.voting,
    launchTime: now, startTime: null, endTime: now, message,
  };
}
