/**
 * `sw-update-strategy` as tables: the strategy's states are StarlingX
 * dcmanager's (initial, applying, abort-requested, aborting, complete,
 * aborted, failed, deleting), and each subcloud's step has its own small
 * lifecycle. The planner (strategy-plan.ts) reads these; no state is
 * decided in `if` chains.
 */
import { defineMachine, persistState } from '../../core/index.js';

export type StrategyState = 'initial' | 'applying' | 'abort-requested' | 'aborting' | 'complete' | 'aborted' | 'failed' | 'deleting';
export type StrategyEvent = 'apply' | 'abort' | 'abort_started' | 'all_done' | 'step_failed' | 'drained' | 'delete';

export const strategyMachine = defineMachine<StrategyState, StrategyEvent>({
  name: 'sw-update-strategy',
  initial: 'initial',
  states: {
    initial: { stable: true, description: 'Created with its steps; nothing applied yet.' },
    applying: { stable: false, description: 'Steps run, serially or up to max-parallel-subclouds at once.' },
    'abort-requested': { stable: false, description: 'An abort was asked for; the orchestrator has not yet seen it.' },
    aborting: { stable: false, description: 'Steps in progress finish; no new step starts.' },
    complete: { stable: true, description: 'Every step completed.' },
    aborted: { stable: true, description: 'Stopped by an abort after the steps in progress finished.' },
    failed: { stable: true, description: 'A step failed with stop-on-failure (the others untouched), or the steps ended with failures.' },
    deleting: { stable: false, description: 'Being removed.' },
  },
  transitions: [
    { from: 'initial', event: 'apply', to: 'applying', why: 'the operator applies it' },
    { from: 'applying', event: 'abort', to: 'abort-requested', why: 'the operator aborts it' },
    { from: 'abort-requested', event: 'abort_started', to: 'aborting', why: 'the orchestrator stops starting steps' },
    { from: 'aborting', event: 'drained', to: 'aborted', why: 'the steps in progress have finished' },
    { from: 'applying', event: 'all_done', to: 'complete', why: 'every step completed' },
    { from: 'applying', event: 'step_failed', to: 'failed', why: 'a step failed (stop-on-failure: once in-progress steps end; else at the end)' },
    { from: 'initial', event: 'delete', to: 'deleting', why: 'removed before apply' },
    { from: 'complete', event: 'delete', to: 'deleting', why: 'removed when done' },
    { from: 'aborted', event: 'delete', to: 'deleting', why: 'removed after an abort' },
    { from: 'failed', event: 'delete', to: 'deleting', why: 'removed after a failure' },
  ],
});

export type StepState = 'initial' | 'applying' | 'complete' | 'failed' | 'aborted';
export type StepEvent = 'start' | 'succeed' | 'fail' | 'skip';

export const stepMachine = defineMachine<StepState, StepEvent>({
  name: 'sw-update-step',
  initial: 'initial',
  states: {
    initial: { stable: true, description: 'Not started.' },
    applying: { stable: false, description: 'Running on its subcloud; after a controller crash it runs again (steps are idempotent).' },
    complete: { stable: true, description: 'Applied on its subcloud.' },
    failed: { stable: true, description: 'The subcloud refused it or could not be reached; details says why.' },
    aborted: { stable: true, description: 'Never started: the strategy was aborted or stopped on a failure first.' },
  },
  transitions: [
    { from: 'initial', event: 'start', to: 'applying', why: 'the planner picked it' },
    { from: 'applying', event: 'succeed', to: 'complete', why: 'the subcloud applied it' },
    { from: 'applying', event: 'fail', to: 'failed', why: 'the subcloud refused it or was unreachable past the retries' },
    { from: 'initial', event: 'skip', to: 'aborted', why: 'the strategy stopped before this step started' },
  ],
});

/** Where they are kept: every write goes through core's moveState. */
export const strategyState = persistState(strategyMachine, { table: 'edge_strategies', column: 'state' });
export const stepState = persistState(stepMachine, { table: 'edge_strategy_steps', column: 'state' });
