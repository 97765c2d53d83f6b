// Matching events and changes against a pipeline's triggers and
// requirements, as Zuul's Gerrit driver does (gerritmodel.py
// GerritEventFilter.matches, GerritRefFilter.matches). Pure functions over
// plain event and change data, so the scheduler and the `local` review
// source only need to describe what happened.

import type { ApprovalRequirement, ChangeEventFilter, Pipeline, RefFilter } from './model.js';

/** An event from a review source, in Gerrit's terms. */
export interface TriggerEvent {
  connection: string;
  /** patchset-created, comment-added, change-merged, ref-updated, … */
  type: string;
  project?: string;
  branch?: string;
  ref?: string;
  /** New revision of a ref-updated event; all zeros when the ref is deleted. */
  newrev?: string;
  comment?: string;
  patchsetComments?: string[];
  account?: { username?: string; email?: string };
  /** Votes carried by the event (comment-added). */
  approvals?: Array<{ label: string; value: number; oldValue?: number }>;
  added?: string[];
  removed?: string[];
  uuid?: string;
}

/** What a requirement looks at on the change (or ref) the event is about. */
export interface ChangeState {
  /** A review change (with a number), not a bare ref. */
  isChange: boolean;
  open?: boolean;
  currentPatchset?: boolean;
  wip?: boolean;
  status?: string;
  hashtags?: string[];
  approvals?: Array<{ label: string; value: number; by?: { username?: string; email?: string }; grantedOn?: number }>;
}

export interface MatchResult {
  matches: boolean;
  /** Why not, when it does not match. */
  reason?: string;
}

const EMPTY_GIT_REF = '0'.repeat(40);
const yes: MatchResult = { matches: true };
const no = (reason: string): MatchResult => ({ matches: false, reason });

type Requirements = Pick<RefFilter, 'open' | 'currentPatchset' | 'wip' | 'status' | 'hashtags' | 'approvals'>;

function approvalMatches(req: ApprovalRequirement, approval: NonNullable<ChangeState['approvals']>[number], now: number): boolean {
  if (req.username && !req.username.search(approval.by?.username ?? '')) return false;
  if (req.email && !req.email.search(approval.by?.email ?? '')) return false;
  if (req.newerThan !== undefined && (approval.grantedOn ?? 0) < now - req.newerThan) return false;
  if (req.olderThan !== undefined && (approval.grantedOn ?? 0) >= now - req.olderThan) return false;
  for (const [label, values] of Object.entries(req.labels)) {
    if (approval.label !== label || !values.includes(approval.value)) return false;
  }
  return true;
}

/**
 * Checks a change against a `require` (kind 'require') or `reject` (kind
 * 'reject') section: required approvals are ANDed, reject approvals ORed.
 * `now` is in seconds since the epoch.
 */
export function matchRequirements(r: Requirements, kind: 'require' | 'reject', change: ChangeState, now = Date.now() / 1000): MatchResult {
  const flag = (value: boolean | undefined, actual: boolean | undefined, what: string): MatchResult | null => {
    if (value === undefined) return null;
    if (!change.isChange) return no('Ref is not a Change');
    const wanted = kind === 'require' ? value : !value;
    return actual === wanted ? null : no(`Change does not match ${what} requirement`);
  };
  const checks = [flag(r.open, change.open, 'open'), flag(r.currentPatchset, change.currentPatchset, 'current patchset'), flag(r.wip, change.wip, 'WIP')];
  for (const c of checks) if (c) return c;
  if (r.status?.length) {
    const has = change.status !== undefined && r.status.includes(change.status);
    if (kind === 'require' && !has) return no(`Required statuses ${r.status.join(', ')} do not match ${change.status}`);
    if (kind === 'reject' && has) return no(`Reject statuses ${r.status.join(', ')} match ${change.status}`);
  }
  for (const h of r.hashtags ?? []) {
    const has = (change.hashtags ?? []).some((t) => h.search(t));
    if (kind === 'require' && !has) return no(`Required hashtag ${h.pattern} does not match`);
    if (kind === 'reject' && has) return no(`Reject hashtag ${h.pattern} matches`);
  }
  if (r.approvals.length) {
    if (!change.isChange) return no('Ref is not a Change');
    const approvals = change.approvals ?? [];
    for (const req of r.approvals) {
      const found = approvals.some((a) => approvalMatches(req, a, now));
      if (kind === 'require' && !found) return no(`Required approval ${JSON.stringify(req.labels)} not found`);
      if (kind === 'reject' && found) return no(`Reject approval ${JSON.stringify(req.labels)} matches`);
    }
  }
  return yes;
}

/** Whether an event matches one trigger entry (GerritEventFilter.matches). */
export function matchEvent(filter: ChangeEventFilter, event: TriggerEvent, change: ChangeState, now = Date.now() / 1000): MatchResult {
  if (filter.connection !== event.connection) return no('Event came from another connection');
  if (filter.events.length && !filter.events.some((t) => t.match(event.type))) return no(`Types do not match ${event.type}`);
  if (filter.branches.length && !filter.branches.some((b) => event.branch !== undefined && b.match(event.branch))) {
    return no(`Branches do not match ${event.branch}`);
  }
  if (filter.refs.length && !filter.refs.some((r) => event.ref !== undefined && r.match(event.ref))) return no(`Refs do not match ${event.ref}`);
  if (filter.ignoreDeletes && event.newrev === EMPTY_GIT_REF) return no('Ref deletion events are ignored');
  if (filter.comments.length) {
    const texts = [event.comment, ...(event.patchsetComments ?? [])].filter((c): c is string => typeof c === 'string');
    if (!filter.comments.some((re) => texts.some((t) => re.search(t)))) return no('Comments do not match');
  }
  if (event.account) {
    const email = event.account.email;
    if (filter.emails.length && !filter.emails.some((re) => email !== undefined && re.search(email))) return no(`Email does not match ${email}`);
    const username = event.account.username;
    if (filter.usernames.length && !filter.usernames.some((re) => username !== undefined && re.search(username))) {
      return no(`Username does not match ${username}`);
    }
  }
  const approvals = event.approvals ?? [];
  for (const [label, value] of Object.entries(filter.approvals)) {
    if (!approvals.some((a) => a.label === label && a.value === Number(value))) return no(`Approval ${label}: ${value} not in the event`);
  }
  for (const [label, value] of Object.entries(filter.approvalChanges)) {
    if (!approvals.some((a) => a.label === label && a.value === Number(value) && a.oldValue !== undefined && a.oldValue !== a.value)) {
      return no(`Approval change ${label}: ${value} not in the event`);
    }
  }
  if (filter.added.length && !filter.added.some((re) => (event.added ?? []).some((t) => re.search(t)))) return no('Added hashtags do not match');
  if (filter.removed.length && !filter.removed.some((re) => (event.removed ?? []).some((t) => re.search(t)))) return no('Removed hashtags do not match');
  if (filter.require) {
    const r = matchRequirements(filter.require, 'require', change, now);
    if (!r.matches) return r;
  }
  if (filter.reject) {
    const r = matchRequirements(filter.reject, 'reject', change, now);
    if (!r.matches) return r;
  }
  return yes;
}

/** The first trigger entry of a pipeline an event matches, or null. */
export function pipelineTriggerFor(pipeline: Pipeline, event: TriggerEvent, change: ChangeState, now = Date.now() / 1000): ChangeEventFilter | null {
  for (const f of pipeline.triggers) {
    if (f.kind === 'change' && f.supported && matchEvent(f, event, change, now).matches) return f;
  }
  return null;
}

/** Whether a change may enter a pipeline: its `require` sections hold and no `reject` section matches. */
export function pipelineAccepts(pipeline: Pipeline, connection: string, change: ChangeState, now = Date.now() / 1000): MatchResult {
  for (const r of pipeline.require) {
    if (r.connection !== connection || !r.supported) continue;
    const m = matchRequirements(r, 'require', change, now);
    if (!m.matches) return m;
  }
  for (const r of pipeline.reject) {
    if (r.connection !== connection || !r.supported) continue;
    const m = matchRequirements(r, 'reject', change, now);
    if (!m.matches) return m;
  }
  return yes;
}
