/**
 * A subcloud's availability and management, as tables (dcmanager's
 * `availability-status` and `management-state`). Availability moves only on
 * audits: one that answers makes it online; `MISSED_AUDITS_OFFLINE` missed in
 * a row make it offline (one lost packet does not page anyone).
 */
import { defineMachine, persistState } from '../../core/index.js';

export type Availability = 'online' | 'offline';
export type AvailabilityEvent = 'audit_ok' | 'audits_missed';
export type Management = 'managed' | 'unmanaged';
export type ManagementEvent = 'manage' | 'unmanage';

export const MISSED_AUDITS_OFFLINE = 2;

export const availabilityMachine = defineMachine<Availability, AvailabilityEvent>({
  name: 'subcloud-availability',
  initial: 'offline',
  states: {
    offline: { stable: true, description: 'Not heard from: never audited yet, or missed two audits in a row (alarm 280.001 once two are missed).' },
    online: { stable: true, description: 'Its last audit answered; its alarm summary and sync status are current.' },
  },
  transitions: [
    { from: 'offline', event: 'audit_ok', to: 'online', why: 'an audit answered: the link is up (280.001 clears)' },
    { from: 'online', event: 'audit_ok', to: 'online', why: 'still answering' },
    { from: 'online', event: 'audits_missed', to: 'offline', why: 'two audits in a row got no answer (280.001 is raised)' },
    { from: 'offline', event: 'audits_missed', to: 'offline', why: 'still no answer' },
  ],
});

export const managementMachine = defineMachine<Management, ManagementEvent>({
  name: 'subcloud-management',
  initial: 'unmanaged',
  states: {
    unmanaged: { stable: true, description: 'Audited, but never written to: nothing is synced to it.' },
    managed: { stable: true, description: 'Audited and kept in sync: what drifts is re-synced.' },
  },
  transitions: [
    { from: 'unmanaged', event: 'manage', to: 'managed', why: 'the operator hands it to the controller (PATCH management-state=managed)' },
    { from: 'managed', event: 'unmanage', to: 'unmanaged', why: 'the operator takes it back (maintenance, local changes)' },
  ],
});

/** Where they are kept: every write goes through core's moveState. */
export const availabilityState = persistState(availabilityMachine, { table: 'edge_subclouds', column: 'availability_status' });
export const managementState = persistState(managementMachine, { table: 'edge_subclouds', column: 'management_state' });
