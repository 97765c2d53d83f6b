// The gate's lifecycles as tables (rendered to docs/state-machines by
// `npm run diagrams`); the scheduler's core moves build sets and builds
// only along these transitions.

import { defineMachine } from '../core/index.js';
import type { BuildSetState, BuildStatus } from './model.js';

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

export type BuildEvent = 'start' | 'finish';

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
  ],
});
