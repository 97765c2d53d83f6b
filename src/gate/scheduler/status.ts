// The status page data in Zuul's shape (zuul/model.py formatStatusJSON):
// pipelines → change_queues → heads (chains of items, each tested on the
// one before) → items with their changes and jobs. Times in milliseconds.

import type { Pipeline } from '../config/index.js';
import type { Build, ChangeQueue, PipelineState, QueueItem } from '../model.js';

export interface StatusJob {
  name: string;
  uuid: string | null;
  change: string;
  result: string | null;
  status: string;
  voting: boolean;
  start_time: number | null;
  end_time: number | null;
  elapsed_time: number | null;
  url: string | null;
  pipeline: string;
  /** Zuul's web UI reads these (ChangePanel.jsx): a launched build not yet started is `queued`; without a build, waiting. */
  queued: boolean;
  paused: boolean;
  waiting_status: string | null;
  tries: number;
  report_url: string | null;
  launch_time: number | null;
  remaining_time: number | null;
  estimated_time: number | null;
  pre_fail: boolean;
}

export interface StatusItem {
  id: string;
  project: string;
  branch: string | null;
  ref: string;
  url: string | null;
  live: boolean;
  active: boolean;
  enqueue_time: number;
  item_ahead: string | null;
  items_behind: string[];
  failing_reasons: string[];
  zuul_ref: string;
  state: string;
  changes: Array<{ id: string; project: string; branch: string | null; ref: string; url: string | null; owner?: string }>;
  speculative_state: string[];
  jobs: StatusJob[];
  cause: string;
  /** Unknown (null): Strata keeps no build time estimates yet. */
  remaining_time: number | null;
}

export interface StatusQueue {
  name: string;
  key: string;
  branch: string | null;
  window: number;
  heads: StatusItem[][];
}

export interface StatusPipeline {
  name: string;
  description?: string;
  manager: string;
  precedence: string;
  disabled: boolean;
  change_queues: StatusQueue[];
  /** Unprocessed events (Zuul's per-pipeline event queues); Strata's scheduler has one log, read in order. */
  trigger_events: number;
  management_events: number;
  result_events: number;
}

function itemId(i: QueueItem): string {
  return i.changes.map((c) => c.key).join(' ');
}

export function statusItem(pipeline: string, q: ChangeQueue, i: QueueItem, logUrl: (b: Build) => string): StatusItem {
  const first = i.changes[0]!;
  const ahead = i.aheadId ? q.items.find((x) => x.id === i.aheadId) : undefined;
  const bs = i.buildSet;
  const jobs: StatusJob[] = bs.jobs.map((j) => {
    const b = bs.builds[j.uid];
    return {
      name: j.name,
      uuid: b?.id ?? null,
      change: j.change,
      result: b?.result ?? null,
      status: b ? b.status : 'waiting',
      voting: j.voting,
      start_time: b?.startTime ?? null,
      end_time: b?.endTime ?? null,
      elapsed_time: b?.startTime ? (b.endTime ?? Date.now()) - b.startTime : null,
      url: b?.startTime ? logUrl(b) : null,
      pipeline,
      queued: !!b && b.status === 'queued',
      paused: false,
      waiting_status: b ? null : 'dependencies or the item ahead',
      tries: 1,
      report_url: b?.result ? logUrl(b) : null,
      launch_time: b?.launchTime ?? null,
      remaining_time: null,
      estimated_time: null,
      pre_fail: false,
    };
  });
  return {
    id: itemId(i),
    project: first.project,
    branch: first.kind === 'change' ? first.branch : first.branch,
    ref: first.ref,
    url: first.kind === 'change' ? first.url : null,
    live: i.live,
    active: i.active,
    enqueue_time: i.enqueueTime,
    item_ahead: ahead ? itemId(ahead) : null,
    items_behind: q.items.filter((x) => x.aheadId === i.id).map(itemId),
    failing_reasons: i.failingReasons,
    zuul_ref: bs.id,
    state: bs.state,
    changes: i.changes.map((c) => ({
      id: c.key, project: c.project, branch: c.kind === 'change' ? c.branch : c.branch, ref: c.ref,
      url: c.kind === 'change' ? c.url : null, ...(c.kind === 'change' ? { owner: c.owner.username } : {}),
    })),
    speculative_state: bs.changes,
    jobs,
    cause: i.cause,
    remaining_time: null,
  };
}

/** Heads: chains of items linked by item_ahead, in queue order. */
export function statusQueue(pipeline: string, q: ChangeQueue, logUrl: (b: Build) => string): StatusQueue {
  const ids = new Set(q.items.map((i) => i.id));
  const heads: StatusItem[][] = [];
  const chainOf = new Map<string, StatusItem[]>();
  for (const i of q.items) {
    const s = statusItem(pipeline, q, i, logUrl);
    const chain = i.aheadId && ids.has(i.aheadId) ? chainOf.get(i.aheadId) : undefined;
    if (chain) {
      chain.push(s);
      chainOf.set(i.id, chain);
    } else {
      const head = [s];
      heads.push(head);
      chainOf.set(i.id, head);
    }
  }
  const at = q.key.indexOf('@');
  return { name: q.name, key: q.key, branch: at === -1 ? null : q.key.slice(at + 1), window: q.window, heads };
}

export function statusPipeline(p: Pipeline, state: PipelineState, logUrl: (b: Build) => string): StatusPipeline {
  return {
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    manager: p.manager,
    precedence: p.precedence,
    disabled: state.disabled,
    change_queues: state.queues.map((q) => statusQueue(p.name, q, logUrl)),
    trigger_events: 0,
    management_events: 0,
    result_events: 0,
  };
}
