// Nodepool's lifecycles as tables: a build's node request, and each node
// (a metal machine, or a quota slot of a sandbox class) from building to
// deleted. A node serves one build and is never reused: after the job it is
// deleted (a machine is cleaned back into its pool).

import { defineMachine } from '../../core/index.js';

export type RequestState = 'requested' | 'fulfilled' | 'failed' | 'released';
export type RequestEvent = 'fulfil' | 'fail' | 'release';

export const nodeRequestMachine = defineMachine<RequestState, RequestEvent>({
  name: 'gate-node-request',
  initial: 'requested',
  states: {
    requested: { stable: false, description: 'A build asked for its nodeset; it waits for quota and for nodes.' },
    fulfilled: { stable: false, description: 'Every node of the nodeset is ready and in use by the build.' },
    failed: { stable: true, description: 'A node could not be provided (no capacity, a deploy failed, the build was cancelled).' },
    released: { stable: true, description: 'The build ended; its nodes are being deleted.' },
  },
  transitions: [
    { from: 'requested', event: 'fulfil', to: 'fulfilled', why: 'quota allowed it and every node is ready' },
    { from: 'requested', event: 'fail', to: 'failed', why: 'a node failed to come up, or the build gave up waiting' },
    { from: 'fulfilled', event: 'release', to: 'released', why: 'the build ended (or an autohold released it)' },
  ],
});

export type NodeState = 'building' | 'ready' | 'in-use' | 'used' | 'deleting' | 'deleted' | 'failed';
export type NodeEvent = 'built' | 'assign' | 'finish' | 'delete' | 'deleted' | 'fail';

export const nodeMachine = defineMachine<NodeState, NodeEvent>({
  name: 'gate-node',
  initial: 'building',
  states: {
    building: { stable: false, description: 'Being provided: a machine is deploying (or a slot is taken).' },
    ready: { stable: true, description: 'Up and unassigned: a min-ready warm node, or one built for a request.' },
    'in-use': { stable: false, description: 'Assigned to one build.' },
    used: { stable: false, description: 'Its build ended; it is never given to another.' },
    deleting: { stable: false, description: 'Being removed: a machine is undeployed and cleaned back into its pool.' },
    deleted: { stable: true, description: 'Gone (a machine is available in its pool again).' },
    failed: { stable: true, description: 'Could not be built or deleted; the error is kept.' },
  },
  transitions: [
    { from: 'building', event: 'built', to: 'ready', why: 'deployed (or the slot granted)' },
    { from: 'building', event: 'fail', to: 'failed', why: 'the deploy failed' },
    { from: 'ready', event: 'assign', to: 'in-use', why: 'a request took it' },
    { from: 'ready', event: 'delete', to: 'deleting', why: 'no longer wanted (server stop, fewer min-ready)' },
    { from: 'in-use', event: 'finish', to: 'used', why: 'the build ended' },
    { from: 'used', event: 'delete', to: 'deleting', why: 'a node serves one build only' },
    { from: 'deleting', event: 'deleted', to: 'deleted', why: 'undeployed and cleaned' },
    { from: 'deleting', event: 'fail', to: 'failed', why: 'cleaning failed' },
  ],
});
