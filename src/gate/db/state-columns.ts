// The gate's persisted state columns, each bound to its table (core's
// persistState): the store's guard refuses any write of them that does not
// go through moveState / moveEvery. Items and build sets are persisted as
// JSON (gate_items.data), so they have no column to bind.

import { persistState } from '../../core/index.js';
import { buildMachine, changeMachine, submitMachine } from '../machines.js';

export const buildStates = persistState(buildMachine, { table: 'gate_builds', column: 'status' });
export const changeStates = persistState(changeMachine, { table: 'gate_changes', column: 'status', key: 'number' });
/** Keyed by build set; a move names the project and branch with `where`. */
export const submitStates = persistState(submitMachine, { table: 'gate_merges', column: 'state', key: 'buildset' });
