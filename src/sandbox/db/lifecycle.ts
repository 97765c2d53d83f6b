/**
 * The lifecycle of a sandbox record as the server keeps it (what `strata
 * sandbox ls` shows), as one table. It follows the library's lifecycle of a
 * live sandbox (model/states.ts, the `sandbox` machine) and adds `lost`: the server that owned the sandbox died,
 * so its processes died with it and a restarted server reaped what they left.
 */
import { defineMachine } from '../../core/index.js';

export type RecordState = 'creating' | 'running' | 'stopping' | 'stopped' | 'failed' | 'lost';
export type RecordEvent = 'started' | 'start_failed' | 'died' | 'destroy' | 'timeout' | 'cleaned' | 'lost';

export const recordMachine = defineMachine<RecordState, RecordEvent>({
  name: 'sandbox-record',
  initial: 'creating',
  states: {
    creating: { stable: false, description: 'Image resolved, limits planned, runtime starting; waits for the agent to answer.' },
    running: { stable: true, description: 'The agent answers: commands can be executed, files copied in and out.' },
    stopping: { stable: false, description: 'Processes are being killed and mounts, namespaces, cgroups and state released.' },
    stopped: { stable: true, description: 'Nothing of it is left on the host. One its timeout or its server\'s shutdown stopped stays listed, saying so, until removed.' },
    failed: { stable: true, description: 'The agent, runtime process or VM went away; the error says how. The server releases what it left at once; the record stays until removed.' },
    lost: { stable: true, description: 'Its server died; the next server on the host released what it left. Nothing of it runs.' },
  },
  transitions: [
    { from: 'creating', event: 'started', to: 'running', why: 'the runtime is up and its agent answered' },
    { from: 'creating', event: 'start_failed', to: 'failed', why: 'image, limits, runtime or agent failed to come up (the request gets the error)' },
    { from: 'running', event: 'died', to: 'failed', why: 'the agent, runtime process or VM went away' },
    { from: 'running', event: 'destroy', to: 'stopping', why: 'a caller removes the sandbox, or the server shuts down' },
    { from: 'running', event: 'timeout', to: 'stopping', why: 'the sandbox lifetime (spec timeout) ran out' },
    { from: 'failed', event: 'destroy', to: 'stopping', why: 'a caller removes what the failure left' },
    { from: 'failed', event: 'timeout', to: 'stopping', why: 'the lifetime runs out for a failed sandbox too' },
    { from: 'stopping', event: 'cleaned', to: 'stopped', why: 'processes killed; mounts, namespaces, cgroups and state removed' },
    { from: 'creating', event: 'lost', to: 'lost', why: 'its server died while starting it' },
    { from: 'running', event: 'lost', to: 'lost', why: 'its server died; the sandbox died with it' },
    { from: 'stopping', event: 'lost', to: 'lost', why: 'its server died while stopping it' },
    { from: 'failed', event: 'lost', to: 'lost', why: 'its server died before the failure was cleaned up' },
  ],
});

/** States in which a sandbox may still hold host resources on its owner's host. */
export const LIVE_STATES: readonly RecordState[] = ['creating', 'running', 'stopping', 'failed'];
