import { defineMachine } from '../fsm/index.js';
import { persistState } from '../store/index.js';

/**
 * The lifecycle of a durable task. The task store moves tasks through
 * core's moveState, so its SQL guards come from this table and cannot
 * disagree with it.
 */
export const taskMachine = defineMachine({
  name: 'task',
  initial: 'pending',
  states: {
    pending: { stable: false, description: 'waiting for a runner (or for its retry time)' },
    running: { stable: false, description: 'leased to one runner, which renews the lease while it works' },
    succeeded: { stable: true, description: 'the handler finished; its result is recorded' },
    failed: { stable: true, description: 'the handler failed for good, or attempts ran out' },
    cancelled: { stable: true, description: 'cancelled before or while running' },
  },
  transitions: [
    { from: 'pending', event: 'claim', to: 'running', why: 'a runner with a handler for the kind leases it' },
    { from: 'running', event: 'takeover', to: 'running', why: 'the lease expired (its owner died): another runner leases it again' },
    { from: 'running', event: 'succeed', to: 'succeeded', why: 'the handler returned' },
    { from: 'running', event: 'fail', to: 'failed', why: 'the handler threw, or attempts are exhausted' },
    { from: 'running', event: 'retry', to: 'pending', why: 'a retryable error, or the runner is shutting down' },
    { from: 'pending', event: 'cancel', to: 'cancelled', why: 'cancelled before any runner took it' },
    { from: 'running', event: 'cancel', to: 'cancelled', why: 'the owner saw the cancel request at its next lease renewal' },
  ],
});

export type TaskState = keyof typeof taskMachine.spec.states;
/**
 * Bound like every persisted lifecycle, but without state_history: a task's
 * row is itself the record of its work (state, attempts, owner, error,
 * result, times), its moves are the runner's bookkeeping and the most
 * frequent writes there are, and what the task serves (a node, a step)
 * keeps its own history.
 */
export const taskState = persistState(taskMachine, { table: 'tasks', column: 'state', history: false });
