/**
 * The lifecycles of a site action and of its steps, with Shipyard's names:
 * an action's `action_lifecycle` (Pending, Processing, Paused, Complete,
 * Failed) and a step's state as Airflow reports a task's (queued, running,
 * success, failed, skipped, upstream_failed). Every write of either goes
 * through these tables with a guard on the current state.
 */
import { defineMachine, persistState, type MachineSpec } from '../../core/index.js';

export type ActionState = 'Pending' | 'Processing' | 'Paused' | 'Complete' | 'Failed';
export type ActionEvent = 'start' | 'pause' | 'unpause' | 'finish' | 'fail' | 'stop';

export const actionSpec: MachineSpec<ActionState, ActionEvent> = {
  name: 'site-action',
  initial: 'Pending',
  states: {
    Pending: { stable: false, description: 'created; its first steps are queued' },
    Processing: { stable: false, description: 'steps are running' },
    Paused: { stable: true, description: 'no new step starts; the one running finishes' },
    Complete: { stable: true, description: 'every step ran; a non-critical deployment group may have failed (see its step)' },
    Failed: { stable: true, description: 'a critical step failed, or the action was stopped' },
  },
  transitions: [
    { from: 'Pending', event: 'start', to: 'Processing', why: 'a step task was claimed' },
    { from: 'Pending', event: 'pause', to: 'Paused', why: 'paused before anything ran' },
    { from: 'Processing', event: 'pause', to: 'Paused', why: 'control/pause: the running step finishes, no next one starts' },
    { from: 'Paused', event: 'unpause', to: 'Processing', why: 'control/unpause: the next steps are queued' },
    { from: 'Processing', event: 'finish', to: 'Complete', why: 'no step is left and no critical step failed' },
    { from: 'Paused', event: 'finish', to: 'Complete', why: 'the last step ended while pause was asked' },
    { from: 'Processing', event: 'fail', to: 'Failed', why: 'a critical step failed: what is left is not run' },
    { from: 'Paused', event: 'fail', to: 'Failed', why: 'the step that was running when paused failed critically' },
    { from: 'Pending', event: 'stop', to: 'Failed', why: 'control/stop before anything ran' },
    { from: 'Processing', event: 'stop', to: 'Failed', why: 'control/stop: the running step is cancelled, the rest skipped' },
    { from: 'Paused', event: 'stop', to: 'Failed', why: 'control/stop of a paused action' },
  ],
};

export const actionMachine = defineMachine(actionSpec);
/** Where an action's lifecycle is kept: every write goes through core's moveState. */
export const actionState = persistState(actionMachine, { table: 'site_actions', column: 'lifecycle' });

export type StepState = 'pending' | 'queued' | 'running' | 'success' | 'failed' | 'skipped' | 'upstream_failed';
export type StepEvent = 'queue' | 'start' | 'succeed' | 'fail' | 'skip' | 'upstream_fail' | 'requeue';

export const stepSpec: MachineSpec<StepState, StepEvent> = {
  name: 'site-action-step',
  initial: 'pending',
  states: {
    pending: { stable: false, description: 'waiting for the steps it depends on' },
    queued: { stable: false, description: 'its task is enqueued' },
    running: { stable: false, description: 'its task runs (again after a takeover: steps are safe to run again)' },
    success: { stable: true, description: 'done' },
    failed: { stable: true, description: 'it failed; critical steps fail the action' },
    skipped: { stable: true, description: 'not run: the action was stopped, or there was nothing to do' },
    upstream_failed: { stable: true, description: 'not run: a step it needs failed' },
  },
  transitions: [
    { from: 'pending', event: 'queue', to: 'queued', why: 'every step it depends on ended well enough' },
    { from: 'queued', event: 'start', to: 'running', why: 'a runner claimed its task' },
    { from: 'running', event: 'start', to: 'running', why: 'the task was taken over after its runner died' },
    { from: 'running', event: 'succeed', to: 'success', why: 'the step did its work' },
    { from: 'running', event: 'fail', to: 'failed', why: 'the step could not do its work' },
    { from: 'queued', event: 'fail', to: 'failed', why: 'its task failed before the step began (cancelled by stop)' },
    { from: 'running', event: 'requeue', to: 'queued', why: 'the runner stopped under it; the task is pending again' },
    { from: 'pending', event: 'skip', to: 'skipped', why: 'the action was stopped or failed elsewhere' },
    { from: 'queued', event: 'skip', to: 'skipped', why: 'the action was stopped before the task ran' },
    { from: 'pending', event: 'upstream_fail', to: 'upstream_failed', why: 'a step it needs failed' },
  ],
};

export const stepMachine = defineMachine(stepSpec);
export const stepState = persistState(stepMachine, { table: 'site_action_steps', column: 'state', key: ['action_id', 'step_id'] });

export const STEP_DONE: readonly StepState[] = ['success', 'failed', 'skipped', 'upstream_failed'];
