/**
 * The sandbox lifecycle as one table (as Ironic's states.py does): every
 * allowed move, with why it happens. Code checks each move against it; the
 * diagram in docs/state-machines is drawn from it (export: sandboxMachine.spec).
 * The server's record of a sandbox follows the same table plus `lost`
 * (db/lifecycle.ts).
 */
import { defineMachine, type MachineSpec } from '../../core/index.js';

export type SandboxState = 'creating' | 'running' | 'failed' | 'stopping' | 'stopped';
export type SandboxEvent = 'started' | 'start_failed' | 'died' | 'destroy' | 'timeout' | 'cleaned';

export const sandboxMachineSpec: MachineSpec<SandboxState, SandboxEvent> = {
  name: 'sandbox',
  initial: 'creating',
  states: {
    creating: { stable: false, description: 'image, cgroup, network and runtime being set up; waiting for the agent' },
    running: { stable: true, description: 'the agent answers: commands and copies are accepted' },
    failed: { stable: true, description: 'the agent, runtime process or VM went away (the error says how); only destroy is accepted. The server releases what it left at once; the record stays until removed' },
    stopping: { stable: false, description: 'commands killed, host resources being released' },
    stopped: { stable: true, description: 'nothing of the sandbox is left on the host; a record its timeout or its server\'s shutdown stopped stays listed, saying so, until removed' },
  },
  transitions: [
    { from: 'creating', event: 'started', to: 'running', why: 'the runtime is up and its agent answered' },
    { from: 'creating', event: 'start_failed', to: 'failed', why: 'image, limits, runtime or agent failed to come up' },
    { from: 'running', event: 'died', to: 'failed', why: 'the agent, runtime process or VM went away' },
    { from: 'running', event: 'destroy', to: 'stopping', why: 'the caller destroys the sandbox, or its server shuts down' },
    { from: 'running', event: 'timeout', to: 'stopping', why: 'the wall-clock timeout ran out' },
    { from: 'failed', event: 'destroy', to: 'stopping', why: 'cleaning up what the failure left' },
    { from: 'failed', event: 'timeout', to: 'stopping', why: 'the timeout cleans up a failed sandbox too' },
    { from: 'stopping', event: 'cleaned', to: 'stopped', why: 'processes killed; mounts, namespaces, cgroups and state removed' },
  ],
};

export const sandboxMachine = defineMachine(sandboxMachineSpec);

export const SANDBOX_TRANSITIONS = sandboxMachineSpec.transitions;

export function nextState(from: SandboxState, event: SandboxEvent): SandboxState {
  return sandboxMachine.next(from, event);
}

export function canTransition(from: SandboxState, event: SandboxEvent): boolean {
  return sandboxMachine.can(from, event);
}
