/**
 * The fault manager: active alarms, the event log and suppression, in the
 * store. What FM's fmManager does for StarlingX, with the catalog as the one
 * source of each alarm's fixed fields: only what varies per instance
 * (severity, reason, times) is stored.
 *
 * Setting an alarm that is already set with the same severity and reason
 * changes nothing and logs nothing, so a periodic check may raise on every
 * pass; clearing an alarm that is not set is a no-op likewise.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { InvalidInputError, NotFoundError, isUniqueViolation, type AlarmSeverity, type FaultReporter, type RaiseAlarm, type Store } from '../../core/index.js';
import { ALARMS, alarmDefinition, isEntityInstanceId, reasonFor, type AlarmDefinition } from './catalog.js';

export const SEVERITIES: readonly AlarmSeverity[] = ['critical', 'major', 'minor', 'warning'];
export type SuppressionStatus = 'suppressed' | 'unsuppressed';

interface AlarmRow {
  uuid: string;
  alarm_id: string;
  entity_instance_id: string;
  entity_type_id: string;
  severity: string;
  reason_text: string;
  created_at: number;
  updated_at: number;
}

interface EventRow {
  seq?: number;
  uuid: string;
  event_log_id: string;
  state: string;
  entity_instance_id: string;
  entity_type_id: string;
  severity: string;
  reason_text: string;
  timestamp: number;
}

interface SuppressionRow {
  uuid: string;
  alarm_id: string;
  suppression_status: string;
  created_at: number;
  updated_at: number | null;
}

interface Tables {
  fm_alarms: AlarmRow;
  fm_event_log: EventRow;
  fm_event_suppression: SuppressionRow;
}

export interface Alarm {
  uuid: string;
  definition: AlarmDefinition;
  entityInstanceId: string;
  severity: AlarmSeverity;
  reasonText: string;
  createdAt: number;
  updatedAt: number;
  suppressed: boolean;
}

export interface LoggedEvent {
  uuid: string;
  seq: number;
  eventLogId: string;
  state: 'set' | 'clear' | 'log';
  definition: AlarmDefinition;
  entityInstanceId: string;
  severity: AlarmSeverity;
  reasonText: string;
  timestamp: number;
  suppressed: boolean;
}

export interface Suppression {
  uuid: string;
  definition: AlarmDefinition;
  status: SuppressionStatus;
  createdAt: number;
  updatedAt: number | null;
}

export interface AlarmFilter {
  alarm_id?: string;
  entity_type_id?: string;
  entity_instance_id?: string;
  severity?: string;
  alarm_type?: string;
  includeSuppressed?: boolean;
}

export interface EventFilter {
  event_log_id?: string;
  entity_type_id?: string;
  entity_instance_id?: string;
  severity?: string;
  event_log_type?: string;
  /** Epoch ms bounds, inclusive. */
  start?: number;
  end?: number;
  alarmsOnly?: boolean;
  logsOnly?: boolean;
  /** Only events older than this one (the `marker` of the next page). */
  beforeSeq?: number;
  limit?: number;
}

export interface Summary {
  critical: number;
  major: number;
  minor: number;
  warnings: number;
  status: 'OK' | 'degraded' | 'critical';
}

/** FM's overall status: critical with any critical alarm, degraded with any major, else OK. */
export function summarize(severities: readonly string[]): Summary {
  const n = (s: string) => severities.filter((x) => x === s).length;
  const s = { critical: n('critical'), major: n('major'), minor: n('minor'), warnings: n('warning') };
  return { ...s, status: s.critical > 0 ? 'critical' : s.major > 0 ? 'degraded' : 'OK' };
}

export class FaultManager implements FaultReporter {
  private readonly db: Kysely<Tables>;
  /** Listeners told after every change to the active set (metrics, tests). */
  private readonly listeners: (() => void)[] = [];

  constructor(store: Store) {
    this.db = store.db as Kysely<Tables>;
  }

  /** Alarms held in memory while the store cannot be read (the store watch's 600.004). */
  private held: () => Alarm[] = () => [];

  holdWhileStoreDown(source: () => Alarm[]): void {
    this.held = source;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Creates the suppression row of every catalog id not yet in the store. */
  async init(): Promise<void> {
    const have = new Set((await this.db.selectFrom('fm_event_suppression').select('alarm_id').execute()).map((r) => r.alarm_id));
    for (const d of ALARMS) {
      if (have.has(d.alarmId)) continue;
      try {
        await this.db.insertInto('fm_event_suppression').values({ uuid: randomUUID(), alarm_id: d.alarmId, suppression_status: 'unsuppressed', created_at: Date.now(), updated_at: null }).execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // another process on the store made it first
      }
    }
  }

  async raise(a: RaiseAlarm): Promise<void> {
    const { d, severity, reason } = this.check(a);
    const now = Date.now();
    const changed = await this.db.transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('fm_alarms').selectAll().where('alarm_id', '=', d.alarmId).where('entity_instance_id', '=', a.entityInstanceId).executeTakeFirst();
      if (cur && cur.severity === severity && cur.reason_text === reason) return false;
      if (cur) {
        await trx.updateTable('fm_alarms').set({ severity, reason_text: reason, updated_at: now }).where('uuid', '=', cur.uuid).execute();
      } else {
        await trx
          .insertInto('fm_alarms')
          .values({ uuid: randomUUID(), alarm_id: d.alarmId, entity_instance_id: a.entityInstanceId, entity_type_id: d.entityTypeId, severity, reason_text: reason, created_at: now, updated_at: now })
          .execute();
      }
      await trx.insertInto('fm_event_log').values(event(d, 'set', a.entityInstanceId, severity, reason, now)).execute();
      return true;
    }).catch((err) => {
      // Two processes raising the same new alarm at once: the other one set it.
      if (isUniqueViolation(err)) return false;
      throw err;
    });
    if (changed) this.changed();
  }

  async clear(alarmId: string, entityInstanceId: string): Promise<void> {
    const cleared = await this.db.transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('fm_alarms').selectAll().where('alarm_id', '=', alarmId).where('entity_instance_id', '=', entityInstanceId).executeTakeFirst();
      if (!cur) return false;
      await trx.deleteFrom('fm_alarms').where('uuid', '=', cur.uuid).execute();
      const d = alarmDefinition(alarmId);
      await trx.insertInto('fm_event_log').values(event(d, 'clear', entityInstanceId, cur.severity, cur.reason_text, Date.now(), alarmId, cur.entity_type_id)).execute();
      return true;
    });
    if (cleared) this.changed();
  }

  async log(e: RaiseAlarm): Promise<void> {
    const { d, severity, reason } = this.check(e);
    await this.db.insertInto('fm_event_log').values(event(d, 'log', e.entityInstanceId, severity, reason, Date.now())).execute();
  }

  /** Deletes an active alarm by uuid (FM's DELETE, for alarms whose cause is gone but were not cleared). */
  async delete(uuid: string): Promise<void> {
    const cur = await this.db.selectFrom('fm_alarms').select(['alarm_id', 'entity_instance_id']).where('uuid', '=', uuid).executeTakeFirst();
    if (!cur) throw new NotFoundError(`Alarm ${uuid} could not be found.`);
    await this.clear(cur.alarm_id, cur.entity_instance_id);
  }

  async list(f: AlarmFilter = {}): Promise<Alarm[]> {
    let q = this.db.selectFrom('fm_alarms').selectAll().orderBy('updated_at', 'desc').orderBy('uuid');
    if (f.alarm_id) q = q.where('alarm_id', '=', f.alarm_id);
    if (f.entity_type_id) q = q.where('entity_type_id', '=', f.entity_type_id);
    if (f.entity_instance_id) q = q.where('entity_instance_id', '=', f.entity_instance_id);
    if (f.severity) q = q.where('severity', '=', f.severity);
    let found: Alarm[];
    const held = this.held();
    try {
      const suppressed = await this.suppressedIds();
      found = (await q.execute()).map((r) => toAlarm(r, suppressed));
      // Held until the store watch has written them (the store may answer before it probes).
      const key = (a: Alarm) => `${a.definition.alarmId} ${a.entityInstanceId}`;
      const have = new Set(found.map(key));
      found.push(...held.filter((a) => !have.has(key(a))));
    } catch (err) {
      // The store is down: what is held in memory is all there is to show.
      found = held;
      if (found.length === 0) throw err;
    }
    return found.filter(
      (a) =>
        (f.includeSuppressed || !a.suppressed) &&
        (!f.alarm_type || a.definition.alarmType === f.alarm_type) &&
        (!f.alarm_id || a.definition.alarmId === f.alarm_id) &&
        (!f.entity_type_id || a.definition.entityTypeId === f.entity_type_id) &&
        (!f.entity_instance_id || a.entityInstanceId === f.entity_instance_id) &&
        (!f.severity || a.severity === f.severity),
    );
  }

  async get(uuid: string): Promise<Alarm> {
    const r = await this.db.selectFrom('fm_alarms').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw new NotFoundError(`Alarm ${uuid} could not be found.`);
    return toAlarm(r, await this.suppressedIds());
  }

  async summary(includeSuppressed = false): Promise<Summary> {
    return summarize((await this.list({ includeSuppressed })).map((a) => a.severity));
  }

  /** Active alarms by severity, suppressed ones included (what the gauges show). */
  async countsBySeverity(): Promise<Record<AlarmSeverity, number>> {
    const out = { critical: 0, major: 0, minor: 0, warning: 0 } as Record<AlarmSeverity, number>;
    try {
      const rows = await this.db.selectFrom('fm_alarms').select(['severity', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('severity').execute();
      for (const r of rows) if (r.severity in out) out[r.severity as AlarmSeverity] = Number(r.n);
    } catch (err) {
      const held = this.held();
      if (held.length === 0) throw err;
      for (const a of held) out[a.severity]++;
    }
    return out;
  }

  /** Newest first. Suppression never hides an event: the log is the record of what happened. */
  async events(f: EventFilter = {}): Promise<LoggedEvent[]> {
    let q = this.db.selectFrom('fm_event_log').selectAll().orderBy('seq', 'desc').limit(Math.min(f.limit ?? 1000, 10_000));
    if (f.event_log_id) q = q.where('event_log_id', '=', f.event_log_id);
    if (f.entity_type_id) q = q.where('entity_type_id', '=', f.entity_type_id);
    if (f.entity_instance_id) q = q.where('entity_instance_id', '=', f.entity_instance_id);
    if (f.severity) q = q.where('severity', '=', f.severity);
    if (f.start !== undefined) q = q.where('timestamp', '>=', f.start);
    if (f.end !== undefined) q = q.where('timestamp', '<=', f.end);
    if (f.alarmsOnly) q = q.where('state', '!=', 'log');
    if (f.logsOnly) q = q.where('state', '=', 'log');
    if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
    const suppressed = await this.suppressedIds();
    return (await q.execute())
      .map((r) => toEvent(r, suppressed))
      .filter((e) => !f.event_log_type || e.definition.alarmType === f.event_log_type);
  }

  async event(uuid: string): Promise<LoggedEvent> {
    const r = await this.db.selectFrom('fm_event_log').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw new NotFoundError(`Event log ${uuid} could not be found.`);
    return toEvent(r, await this.suppressedIds());
  }

  async suppressions(): Promise<Suppression[]> {
    const rows = await this.db.selectFrom('fm_event_suppression').selectAll().orderBy('alarm_id').execute();
    return rows.filter((r) => alarmDefinition(r.alarm_id)).map(toSuppression);
  }

  /** Sets the suppression of one alarm id, by its suppression uuid or the alarm id itself. */
  async setSuppression(uuidOrAlarmId: string, status: SuppressionStatus): Promise<Suppression> {
    const r = await this.db.selectFrom('fm_event_suppression').selectAll().where((eb) => eb.or([eb('uuid', '=', uuidOrAlarmId), eb('alarm_id', '=', uuidOrAlarmId)])).executeTakeFirst();
    const d = r && alarmDefinition(r.alarm_id);
    if (!r || !d) throw new NotFoundError(`Event suppression ${uuidOrAlarmId} could not be found.`);
    if (status === 'suppressed' && !d.suppression) throw new InvalidInputError(`alarm ${d.alarmId} cannot be suppressed`);
    await this.db.updateTable('fm_event_suppression').set({ suppression_status: status, updated_at: Date.now() }).where('uuid', '=', r.uuid).execute();
    this.changed();
    return toSuppression({ ...r, suppression_status: status, updated_at: Date.now() });
  }

  private async suppressedIds(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('fm_event_suppression').select('alarm_id').where('suppression_status', '=', 'suppressed').execute();
    return new Set(rows.map((r) => r.alarm_id));
  }

  private check(a: RaiseAlarm): { d: AlarmDefinition; severity: AlarmSeverity; reason: string } {
    const d = alarmDefinition(a.alarmId);
    if (!d) throw new InvalidInputError(`alarm ${a.alarmId} is not in the alarm catalog`);
    if (!isEntityInstanceId(a.entityInstanceId)) throw new InvalidInputError(`entity_instance_id must be type=value pairs joined by '.' (got "${a.entityInstanceId}")`);
    const severity = a.severity ?? d.severity;
    if (!SEVERITIES.includes(severity)) throw new InvalidInputError(`severity must be one of ${SEVERITIES.join(', ')} (got "${severity}")`);
    return { d, severity, reason: (a.reasonText ?? reasonFor(d, a.entityInstanceId)).slice(0, 2000) };
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

function event(d: AlarmDefinition | undefined, state: EventRow['state'], entity: string, severity: string, reason: string, now: number, id = d?.alarmId ?? '', type = d?.entityTypeId ?? ''): EventRow {
  return { uuid: randomUUID(), event_log_id: id, state, entity_instance_id: entity, entity_type_id: type, severity, reason_text: reason, timestamp: now };
}

/** Rows whose id left the catalog (a downgrade) still show, with a minimal definition. */
function definitionOf(alarmId: string, entityTypeId: string): AlarmDefinition {
  return alarmDefinition(alarmId) ?? {
    alarmId, raisedBy: 'core', entityTypeId, severity: 'warning', reason: '', alarmType: 'operational', probableCause: 'unknown',
    proposedRepairAction: '', serviceAffecting: false, suppression: false, mgmtAffecting: 'none', degradeAffecting: 'none',
  };
}

function toAlarm(r: AlarmRow, suppressed: Set<string>): Alarm {
  return {
    uuid: r.uuid, definition: definitionOf(r.alarm_id, r.entity_type_id), entityInstanceId: r.entity_instance_id, severity: r.severity as AlarmSeverity,
    reasonText: r.reason_text, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), suppressed: suppressed.has(r.alarm_id),
  };
}

function toEvent(r: EventRow, suppressed: Set<string>): LoggedEvent {
  return {
    uuid: r.uuid, seq: Number(r.seq), eventLogId: r.event_log_id, state: r.state as LoggedEvent['state'], definition: definitionOf(r.event_log_id, r.entity_type_id),
    entityInstanceId: r.entity_instance_id, severity: r.severity as AlarmSeverity, reasonText: r.reason_text, timestamp: Number(r.timestamp), suppressed: suppressed.has(r.event_log_id),
  };
}

function toSuppression(r: SuppressionRow): Suppression {
  return { uuid: r.uuid, definition: alarmDefinition(r.alarm_id)!, status: r.suppression_status as SuppressionStatus, createdAt: Number(r.created_at), updatedAt: r.updated_at === null ? null : Number(r.updated_at) };
}
