// The gate's lifecycles as tables (rendered to docs/state-machines by
// `npm run diagrams`): the review change, the queue item, its build set and
// its builds. The scheduler's core moves them only along these transitions;
// the columns that persist them are bound in db/state-columns.ts.

import { defineMachine } from '../core/index.js';
import type { BuildSetState, BuildStatus, ChangeStatus, ItemState } from './model.js';

export type ChangeEvent = 'merge' | 'abandon' | 'restore';

/** A change of the review source (Gerrit's status names, as stored). */
export const changeMachine = defineMachine<ChangeStatus, ChangeEvent>({
  name: 'gate-change',
  initial: 'NEW',
  states: {
    NEW: { stable: true, description: 'Open: it takes new patchsets and votes, and pipelines may enqueue it.' },
    MERGED: { stable: true, description: 'Its branch contains it: changes needing it no longer wait for it.' },
    ABANDONED: { stable: true, description: 'Given up by its owner: removed from every pipeline, until restored.' },
  },
  transitions: [
    { from: 'NEW', event: 'merge', to: 'MERGED', why: 'the gate advanced its branch to include it' },
    { from: 'ABANDONED', event: 'merge', to: 'MERGED', why: 'a submit that was under way when it was abandoned still advanced the branch' },
    { from: 'NEW', event: 'abandon', to: 'ABANDONED', why: 'its owner abandoned it' },
    { from: 'ABANDONED', event: 'restore', to: 'NEW', why: 'its owner restored it' },
  ],
});

export type ItemEvent = 'activate' | 'deactivate' | 'fail' | 'recover' | 'dequeue';

/**
 * A queue item (Zuul's QueueItem) from the pass that finds it in its queue
 * to the one that removes it. The window flag (`active`) and the failing
 * reasons stay on the item as Zuul shows them; this table is the lifecycle
 * they add up to.
 */
export const itemMachine = defineMachine<ItemState, ItemEvent>({
  name: 'gate-queue-item',
  initial: 'enqueued',
  states: {
    enqueued: { stable: true, description: 'In its change queue, behind the window: nothing is prepared or run for it yet.' },
    active: { stable: false, description: 'Within the window and not failing: its build set is prepared on the item ahead and its jobs run.' },
    failing: { stable: false, description: 'It cannot succeed (a voting job failed, it does not merge, its configuration is broken, or a change it needs is failing): items behind are tested without it.' },
    dequeued: { stable: true, description: 'It left its queue: reported (merged or not), superseded, removed, or a change it needs can no longer merge.' },
  },
  transitions: [
    { from: 'enqueued', event: 'activate', to: 'active', why: 'the window reached it' },
    { from: 'active', event: 'deactivate', to: 'enqueued', why: 'the window shrank after a failure, or a promote moved it back' },
    { from: 'enqueued', event: 'fail', to: 'failing', why: 'a change it needs is failing, or it failed as the window moved past it' },
    { from: 'active', event: 'fail', to: 'failing', why: 'a job failed, it does not merge, or its configuration is broken' },
    { from: 'failing', event: 'recover', to: 'enqueued', why: 'its base changed and its build set started over; the window decides again' },
    { from: 'enqueued', event: 'dequeue', to: 'dequeued', why: 'removed (a new patchset, abandoned, superseded, dequeued by hand) or its needed change cannot merge' },
    { from: 'active', event: 'dequeue', to: 'dequeued', why: 'reported, or removed' },
    { from: 'failing', event: 'dequeue', to: 'dequeued', why: 'reported its failure, or removed' },
  ],
});

export type BuildSetEvent = 'prepare' | 'prepared' | 'conflict' | 'config-error' | 'ahead-conflict' | 'restart';

export const buildSetMachine = defineMachine<BuildSetState, BuildSetEvent>({
  name: 'gate-build-set',
  initial: 'new',
  states: {
    new: { stable: true, description: 'Nothing done yet: waits for the window and for the item ahead to be prepared.' },
    preparing: { stable: false, description: 'The merger merges the changes onto the state ahead; the job graph is frozen.' },
    ready: { stable: true, description: 'Speculative state and job graph frozen; builds start as their parents succeed.' },
    'merge-conflict': { stable: true, description: 'The changes do not merge onto the state ahead: reported as Merge Failed.' },
    'config-error': { stable: true, description: 'The speculative configuration is invalid or the job graph cannot be frozen: reported with file and line.' },
  },
  transitions: [
    { from: 'new', event: 'prepare', to: 'preparing', why: 'the item is in the window and the item ahead is prepared' },
    { from: 'new', event: 'ahead-conflict', to: 'merge-conflict', why: 'a dependency ahead of it does not merge, so neither does this state' },
    { from: 'preparing', event: 'prepared', to: 'ready', why: 'merged, layout chosen, jobs frozen, every required project pinned' },
    { from: 'preparing', event: 'conflict', to: 'merge-conflict', why: 'git could not merge a change of the item' },
    { from: 'preparing', event: 'config-error', to: 'config-error', why: 'the configuration the item brings does not load, or its jobs do not freeze' },
    { from: 'preparing', event: 'restart', to: 'new', why: 'the server stopped while preparing: prepare again' },
  ],
});

export type BuildEvent = 'start' | 'finish' | 'skip' | 'interrupt';

export const buildMachine = defineMachine<BuildStatus, BuildEvent>({
  name: 'gate-build',
  initial: 'queued',
  states: {
    queued: { stable: false, description: 'Waiting for an executor slot.' },
    running: { stable: false, description: 'Its commands run in a workspace at the item\'s frozen state.' },
    completed: { stable: true, description: 'Ended with a result (SUCCESS, FAILURE, ABORTED, SKIPPED, TIMED_OUT, RETRY_LIMIT, POST_FAILURE, ERROR).' },
  },
  transitions: [
    { from: 'queued', event: 'start', to: 'running', why: 'the executor took it' },
    { from: 'queued', event: 'finish', to: 'completed', why: 'cancelled before it started' },
    { from: 'running', event: 'finish', to: 'completed', why: 'its commands ended, timed out, or it was cancelled' },
    { from: 'queued', event: 'skip', to: 'completed', why: 'decided without running: a parent failed or is missing, or fail-fast (SKIPPED)' },
    { from: 'queued', event: 'interrupt', to: 'completed', why: 'the server restarted before it started: recorded ABORTED, and the job runs again' },
    { from: 'running', event: 'interrupt', to: 'completed', why: 'the server restarted while it ran (its processes were killed): recorded ABORTED, and the job runs again' },
  ],
});

export type SubmitState = 'pending' | 'done' | 'failed';
export type SubmitEvent = 'advanced' | 'moved';

/**
 * One branch a submit moves (a gate_merges row): recorded before the branch
 * moves and marked after, so a restart in between is repaired.
 */
export const submitMachine = defineMachine<SubmitState, SubmitEvent>({
  name: 'gate-submit',
  initial: 'pending',
  states: {
    pending: { stable: false, description: 'Recorded: the branch is about to move from old_sha to the tested state.' },
    done: { stable: true, description: 'The branch is at the tested state.' },
    failed: { stable: true, description: 'The branch had moved away from what the item was tested on: nothing merged.' },
  },
  transitions: [
    { from: 'pending', event: 'advanced', to: 'done', why: 'the branch moved to the tested state (or had, before a restart)' },
    { from: 'pending', event: 'moved', to: 'failed', why: 'the branch moved meanwhile' },
    { from: 'failed', event: 'advanced', to: 'done', why: 'the submit ran again after a restart and the branch moved' },
    { from: 'failed', event: 'moved', to: 'failed', why: 'the submit ran again after a restart and the branch had still moved' },
  ],
});
