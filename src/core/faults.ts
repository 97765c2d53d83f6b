import type { Services } from './services.js';
import type { Logger } from './logging.js';

/**
 * The seam through which any module raises and clears alarms. The fault
 * manager (the `fm` module, src/edge/fm) provides it as the `fm` service;
 * a module asks for it at call time through `faults(services)`, so it works
 * unchanged when fm is not loaded (`--modules metal`) and regardless of the
 * order modules are created in.
 */
export const FM_SERVICE = 'fm';

export type AlarmSeverity = 'critical' | 'major' | 'minor' | 'warning';

export interface RaiseAlarm {
  /** A catalog id, e.g. `200.004`. */
  alarmId: string;
  /** `.`-separated `type=value` pairs, e.g. `host=node-3` or `subcloud=site-1`. */
  entityInstanceId: string;
  /** Overrides the catalog's reason text (which may hold `{entity}`). */
  reasonText?: string;
  severity?: AlarmSeverity;
}

export interface FaultReporter {
  /** Sets the alarm (idempotent: raising it again updates it and logs only a change). */
  raise(alarm: RaiseAlarm): Promise<void>;
  /** Clears it if set; a no-op otherwise. */
  clear(alarmId: string, entityInstanceId: string): Promise<void>;
  /** A customer log: an event in the event log with no alarm behind it. */
  log(event: RaiseAlarm): Promise<void>;
}

/**
 * A reporter that finds the fm service at each call and does nothing when
 * it is absent. Reporting never throws into the caller: a fault about a
 * fault must not break the work that found it; it is logged instead.
 */
export function faults(services: Services, log?: Logger): FaultReporter {
  const call = async (what: string, fn: (fm: FaultReporter) => Promise<void>) => {
    const fm = services.maybe<FaultReporter>(FM_SERVICE);
    if (!fm) return;
    try {
      await fn(fm);
    } catch (err) {
      log?.warn({ err }, `fault manager: ${what} failed`);
    }
  };
  return {
    raise: (a) => call(`raising ${a.alarmId} ${a.entityInstanceId}`, (fm) => fm.raise(a)),
    clear: (id, entity) => call(`clearing ${id} ${entity}`, (fm) => fm.clear(id, entity)),
    log: (e) => call(`logging ${e.alarmId}`, (fm) => fm.log(e)),
  };
}
