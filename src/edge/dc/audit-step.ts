/**
 * One audit of one subcloud as a pure step: what the controller knew, what
 * the subcloud answered (or that it did not), and the controller's own sync
 * digests in; the subcloud's next recorded state, the alarms to set or
 * clear, and whether a sync should run, out. The auditor does the I/O.
 */
import { availabilityMachine, MISSED_AUDITS_OFFLINE, type Availability, type Management } from './machines.js';
import { ENDPOINT_TYPES, type EndpointType, type SyncStatus } from './sync-digest.js';

export interface AuditedState {
  name: string;
  availability: Availability;
  management: Management;
  missedAudits: number;
  endpointSync: Partial<Record<EndpointType, SyncStatus>>;
  softwareVersion: string | null;
  alarmSummary: AlarmCounts | null;
  lastError: string | null;
}

export interface AlarmCounts {
  critical: number;
  major: number;
  minor: number;
  warnings: number;
  status: string;
}

export type AuditAnswer =
  | { ok: true; version: string; alarms: AlarmCounts | null; digests: Partial<Record<EndpointType, string>> }
  | { ok: false; error: string };

export interface AlarmAction {
  op: 'raise' | 'clear';
  alarmId: '280.001' | '280.002';
  entityInstanceId: string;
  reasonText?: string;
}

export interface AuditOutcome {
  next: AuditedState;
  alarms: AlarmAction[];
  /** Endpoint types to sync now: out of sync on a managed, online subcloud. */
  sync: EndpointType[];
}

export const offlineEntity = (name: string) => `subcloud=${name}`;
export const syncEntity = (name: string, type: EndpointType) => `subcloud=${name}.resource=${type}`;

/** `controller` holds the controller's digest per endpoint type it serves (no `platform` without its site module). */
export function auditStep(cur: AuditedState, answer: AuditAnswer, controller: Partial<Record<EndpointType, string>>): AuditOutcome {
  let next: AuditedState;
  const sync: EndpointType[] = [];
  if (!answer.ok) {
    const missed = cur.missedAudits + 1;
    const gone = missed >= MISSED_AUDITS_OFFLINE;
    // Offline, nothing is known of its sync (its 280.002, if any, stays: it is still not synced).
    next = {
      ...cur,
      availability: gone ? availabilityMachine.next(cur.availability, 'audits_missed') : cur.availability,
      missedAudits: missed,
      endpointSync: gone ? Object.fromEntries(ENDPOINT_TYPES.map((t) => [t, 'unknown' as SyncStatus])) : cur.endpointSync,
      lastError: answer.error,
    };
  } else {
    const endpointSync: Partial<Record<EndpointType, SyncStatus>> = {};
    for (const t of ENDPOINT_TYPES) {
      const theirs = answer.digests[t];
      const ours = controller[t];
      // A type this controller does not serve (no site module: no platform) is not part of the subcloud's status.
      if (ours === undefined) continue;
      // Nor is one the subcloud does not serve (it runs no accel: no images to hold); writing there would fail forever.
      if (theirs === undefined) continue;
      endpointSync[t] = theirs === ours ? 'in-sync' : 'out-of-sync';
      // Unmanaged subclouds are never written to: they stay out of sync, and say so.
      if (endpointSync[t] === 'out-of-sync' && cur.management === 'managed') sync.push(t);
    }
    next = {
      ...cur,
      availability: availabilityMachine.next(cur.availability, 'audit_ok'),
      missedAudits: 0,
      endpointSync,
      softwareVersion: answer.version,
      alarmSummary: answer.alarms,
      lastError: null,
    };
  }
  return { next, alarms: alarmChanges(cur, next), sync };
}

/**
 * Only what changed reaches the fault manager, so a steady fleet of a
 * thousand subclouds costs it nothing per audit: 280.001 is set when the
 * missed audits reach the limit and cleared by the first answer after;
 * 280.002 per endpoint type follows its sync status into and out of out-of-sync.
 */
export function alarmChanges(cur: AuditedState, next: AuditedState): AlarmAction[] {
  const out: AlarmAction[] = [];
  if (next.missedAudits >= MISSED_AUDITS_OFFLINE && cur.missedAudits < MISSED_AUDITS_OFFLINE) {
    out.push({ op: 'raise', alarmId: '280.001', entityInstanceId: offlineEntity(cur.name), reasonText: `Subcloud ${cur.name} is offline: ${next.missedAudits} audits missed; last error: ${next.lastError ?? 'none'}`.slice(0, 1000) });
  }
  if (next.missedAudits === 0 && cur.missedAudits >= MISSED_AUDITS_OFFLINE) out.push({ op: 'clear', alarmId: '280.001', entityInstanceId: offlineEntity(cur.name) });
  for (const t of ENDPOINT_TYPES) {
    const was = cur.endpointSync[t];
    const now = next.endpointSync[t];
    if (now === 'out-of-sync' && was !== 'out-of-sync') {
      out.push({ op: 'raise', alarmId: '280.002', entityInstanceId: syncEntity(cur.name, t), reasonText: `Subcloud ${cur.name} is out of sync: ${t}${cur.management === 'managed' ? ' (re-syncing)' : ' (unmanaged: not synced)'}.` });
    }
    if (now === 'in-sync' && was !== 'in-sync') out.push({ op: 'clear', alarmId: '280.002', entityInstanceId: syncEntity(cur.name, t) });
  }
  return out;
}
