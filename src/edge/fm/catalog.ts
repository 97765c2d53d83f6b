/**
 * The one alarm catalog of Strata: every alarm any module raises, with the
 * fields StarlingX FM keeps per alarm definition (its `events.yaml`). Ids
 * StarlingX defines for the same situation keep StarlingX's id (200.x
 * maintenance, 280.x distributed cloud); situations StarlingX has no alarm
 * for use Strata's own range, 600.x, which StarlingX leaves unused.
 *
 * `{entity}` in a reason is replaced by the value of the instance id's last
 * `type=value` pair (`host=node-3` gives `node-3`).
 */
import type { AlarmSeverity } from '../../core/index.js';

export type AlarmType =
  | 'communication'
  | 'equipment'
  | 'environmental'
  | 'integrity-violation'
  | 'operational'
  | 'physical-violation'
  | 'processing-error'
  | 'quality-of-service'
  | 'security-service-or-mechanism-violation'
  | 'time-domain-violation';

export interface AlarmDefinition {
  alarmId: string;
  /** Who raises it (for the docs and the suppression list). */
  raisedBy: 'metal' | 'gate' | 'sandbox' | 'core' | 'edge' | 'site';
  entityTypeId: string;
  severity: AlarmSeverity;
  reason: string;
  alarmType: AlarmType;
  probableCause: string;
  proposedRepairAction: string;
  serviceAffecting: boolean;
  /** Whether an operator may suppress it (StarlingX's `Suppression: True|False`). */
  suppression: boolean;
  /** Management/degrade affecting severities, as StarlingX's `Management_Affecting_Severity`. */
  mgmtAffecting: AlarmSeverity | 'none';
  degradeAffecting: AlarmSeverity | 'none';
}

const def = (d: AlarmDefinition) => d;

export const ALARMS: readonly AlarmDefinition[] = [
  def({
    alarmId: '200.004', raisedBy: 'metal', entityTypeId: 'host', severity: 'critical',
    reason: '{entity} experienced a service-affecting failure: its power state could not be kept in sync and it was put into maintenance.',
    alarmType: 'operational', probableCause: 'loss-of-signal',
    proposedRepairAction: 'Check the BMC and power of the node; it leaves maintenance by itself once its power state can be read again.',
    serviceAffecting: true, suppression: true, mgmtAffecting: 'warning', degradeAffecting: 'none',
  }),
  def({
    alarmId: '200.010', raisedBy: 'metal', entityTypeId: 'host', severity: 'warning',
    reason: '{entity} access to board management module has failed.',
    alarmType: 'operational', probableCause: 'communication-subsystem-failure',
    proposedRepairAction: "Check the node's BMC address, credentials and network reachability (driver_info).",
    serviceAffecting: false, suppression: true, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
  def({
    alarmId: '200.011', raisedBy: 'metal', entityTypeId: 'host', severity: 'major',
    reason: '{entity} failed to deploy.',
    alarmType: 'processing-error', probableCause: 'configuration-or-customization-error',
    proposedRepairAction: "Read the node's last_error, fix the cause, then deploy again or undeploy.",
    serviceAffecting: true, suppression: true, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
  def({
    alarmId: '280.001', raisedBy: 'edge', entityTypeId: 'subcloud', severity: 'critical',
    reason: 'Subcloud {entity} is offline.',
    alarmType: 'communication', probableCause: 'loss-of-signal',
    proposedRepairAction: 'Check the connectivity between the system controller and the subcloud, and that its server runs.',
    serviceAffecting: true, suppression: false, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
  def({
    alarmId: '280.002', raisedBy: 'edge', entityTypeId: 'subcloud.resource', severity: 'major',
    reason: 'Subcloud {entity} is out of sync.',
    alarmType: 'communication', probableCause: 'loss-of-signal',
    proposedRepairAction: 'Manage the subcloud if it is unmanaged; a managed subcloud is re-synced by the audit.',
    serviceAffecting: false, suppression: false, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
  def({
    alarmId: '600.001', raisedBy: 'gate', entityTypeId: 'tenant.pipeline', severity: 'major',
    reason: 'Pipeline {entity} was disabled after too many consecutive failures.',
    alarmType: 'processing-error', probableCause: 'application-subsystem-failure',
    proposedRepairAction: 'Find why its builds fail; a reconfiguration (a configuration change merging, or a server restart) enables the pipeline again, as in Zuul.',
    serviceAffecting: true, suppression: true, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
  def({
    alarmId: '600.002', raisedBy: 'sandbox', entityTypeId: 'sandbox', severity: 'major',
    reason: 'Sandbox {entity} was lost: its processes are gone without an exit recorded.',
    alarmType: 'processing-error', probableCause: 'application-subsystem-failure',
    proposedRepairAction: 'Read the sandbox error; remove it and create it again.',
    serviceAffecting: true, suppression: true, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
  def({
    alarmId: '600.003', raisedBy: 'core', entityTypeId: 'task', severity: 'minor',
    reason: 'Task {entity} failed past its retries.',
    alarmType: 'processing-error', probableCause: 'software-error',
    proposedRepairAction: "Read the task's error; the alarm clears when a task of the same kind on the same subject succeeds.",
    serviceAffecting: false, suppression: true, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
  def({
    alarmId: '600.004', raisedBy: 'core', entityTypeId: 'store', severity: 'critical',
    reason: 'The store {entity} is unreachable.',
    alarmType: 'communication', probableCause: 'communication-subsystem-failure',
    proposedRepairAction: 'Check the database (PostgreSQL server or SQLite file and its disk).',
    serviceAffecting: true, suppression: false, mgmtAffecting: 'critical', degradeAffecting: 'none',
  }),
  def({
    alarmId: '600.005', raisedBy: 'site', entityTypeId: 'site.resource', severity: 'major',
    reason: 'Site drift: {entity} is not what the site documents and the last deploy made it.',
    alarmType: 'integrity-violation', probableCause: 'configuration-or-customization-error',
    proposedRepairAction: "Run 'strata site drift' for the detail; 'strata site update' puts it back (or change the documents).",
    serviceAffecting: true, suppression: true, mgmtAffecting: 'none', degradeAffecting: 'none',
  }),
];

const BY_ID = new Map(ALARMS.map((a) => [a.alarmId, a]));

export function alarmDefinition(alarmId: string): AlarmDefinition | undefined {
  return BY_ID.get(alarmId);
}

/** The value of the last `type=value` pair of an instance id (`host=node-3` → `node-3`). */
export function entityName(entityInstanceId: string): string {
  const last = entityInstanceId.split('.').pop() ?? entityInstanceId;
  const eq = last.indexOf('=');
  return eq >= 0 ? last.slice(eq + 1) : last;
}

export function reasonFor(d: AlarmDefinition, entityInstanceId: string): string {
  return d.reason.replaceAll('{entity}', entityName(entityInstanceId));
}

/** Instance ids are `type=value` pairs joined by `.`; values must not hold `.` or `=`. */
export function isEntityInstanceId(s: string): boolean {
  return /^[A-Za-z0-9_-]+=[^.=\s]+(\.[A-Za-z0-9_-]+=[^.=\s]+)*$/.test(s) && s.length <= 255;
}
