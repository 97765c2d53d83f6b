/**
 * The lifecycle of a sandbox record as the server keeps it (what `strata
 * sandbox ls` shows): the sandbox's own table (model/states.ts) extended by
 * `lost`, for a record its server left behind that no supervisor still
 * runs (a running sandbox outlives its server; the next server adopts it
 * from its supervisor), whose leftovers that next server released. Bound to the `state`
 * column of `sandboxes`: every write of it goes through moveState.
 */
import { defineMachine, persistState } from '../../core/index.js';
import { sandboxMachineSpec, type SandboxEvent, type SandboxState } from '../model/index.js';

export type RecordState = SandboxState | 'lost';
export type RecordEvent = SandboxEvent | 'lost';

/** Every live state can be lost with its server: why, for each. */
const LOST_FROM: ReadonlyArray<[SandboxState, string]> = [
  ['creating', 'its supervisor (or the server starting it) died before it ran'],
  ['running', 'its supervisor died; the sandbox died with it'],
  ['stopping', 'its server died while stopping it'],
  ['failed', 'its server died before the failure was cleaned up'],
];

export const recordMachine = defineMachine<RecordState, RecordEvent>({
  ...sandboxMachineSpec,
  name: 'sandbox-record',
  states: {
    ...sandboxMachineSpec.states,
    lost: { stable: true, description: 'its server is gone and no supervisor runs it; the next server on the host released what it left. Nothing of it runs' },
  },
  transitions: [...sandboxMachineSpec.transitions, ...LOST_FROM.map(([from, why]) => ({ from, event: 'lost' as const, to: 'lost' as const, why }))],
});

/** States in which a sandbox may still hold host resources on its owner's host: those it can be lost from. */
export const LIVE_STATES: readonly RecordState[] = recordMachine.sources('lost');

export const recordState = persistState(recordMachine, { table: 'sandboxes', column: 'state' });
