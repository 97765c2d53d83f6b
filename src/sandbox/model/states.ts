/**
 * The sandbox lifecycle as one table (as Ironic's states.py does): every
 * allowed move, with why it happens. Code checks each move against it; docs
 * draw the diagram from it.
 */
export type SandboxState = 'creating' | 'running' | 'failed' | 'stopping' | 'stopped';
export type SandboxEvent = 'started' | 'start_failed' | 'died' | 'destroy' | 'timeout' | 'cleaned';

export const SANDBOX_TRANSITIONS: ReadonlyArray<{ from: SandboxState; event: SandboxEvent; to: SandboxState; why: string }> = [
  { from: 'creating', event: 'started', to: 'running', why: 'the runtime is up and its agent answered' },
  { from: 'creating', event: 'start_failed', to: 'failed', why: 'image, limits, runtime or agent failed to come up' },
  { from: 'running', event: 'died', to: 'failed', why: 'the agent, runtime process or VM went away' },
  { from: 'running', event: 'destroy', to: 'stopping', why: 'the caller destroys the sandbox' },
  { from: 'running', event: 'timeout', to: 'stopping', why: 'the wall-clock timeout ran out' },
  { from: 'failed', event: 'destroy', to: 'stopping', why: 'cleaning up what the failure left' },
  { from: 'failed', event: 'timeout', to: 'stopping', why: 'the timeout cleans up a failed sandbox too' },
  { from: 'stopping', event: 'cleaned', to: 'stopped', why: 'processes killed, mounts, namespaces, cgroups and state removed' },
];

export class InvalidTransition extends Error {
  override name = 'InvalidTransition';
}

export function nextState(from: SandboxState, event: SandboxEvent): SandboxState {
  const t = SANDBOX_TRANSITIONS.find((x) => x.from === from && x.event === event);
  if (!t) throw new InvalidTransition(`sandbox cannot go from ${from} on ${event}`);
  return t.to;
}

export function canTransition(from: SandboxState, event: SandboxEvent): boolean {
  return SANDBOX_TRANSITIONS.some((x) => x.from === from && x.event === event);
}
