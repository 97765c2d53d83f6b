/**
 * Continuous drift detection: every period, the deployed design (the last
 * successful site action's revision) against what metal and the sandboxes
 * report. Each drifted node or workload raises alarm 600.005; it clears
 * when a later check finds it as designed. No alarm is raised while an
 * action runs (a site being deployed is not drifting), but the report is
 * still kept.
 */
import type { FaultReporter, Logger } from '../../core/index.js';
import type { DriftItem } from './drift.js';

export const DRIFT_ALARM = '600.005';

export interface DriftReport {
  checked_at: string | null;
  revision: number | null;
  drift: DriftItem[];
  /** why there is nothing to compare yet, or the check failed */
  note?: string;
}

/** The FM entity of a drift item: `site=SITE.node=N` / `site=SITE.workload=RELEASE-N` (no `.` or `=` in values). */
export function driftEntity(site: string, item: DriftItem): string {
  const clean = (s: string) => s.replace(/[.=\s]/g, '_').replace('/', '-');
  return `site=${clean(site)}.${item.kind}=${clean(item.name)}`;
}

export class DriftMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last: DriftReport = { checked_at: null, revision: null, drift: [], note: 'not checked yet' };
  private raised: Set<string> | undefined;
  private running: Promise<DriftReport> | undefined;

  constructor(
    private readonly deps: {
      check(): Promise<{ revision: number; drift: DriftItem[] } | undefined>;
      actions: { list(): Promise<{ lifecycle: string }[]> };
      faults: FaultReporter;
      /** the drift alarms already raised (by an earlier process), so they clear when their cause is gone */
      raised?(): Promise<string[]>;
      log: Logger;
      site: string;
    },
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.intervalMs).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  report(): DriftReport {
    return this.last;
  }

  /** Checks now (one check at a time: a call during a check gets that check's report). */
  check(): Promise<DriftReport> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<DriftReport> {
    const now = new Date().toISOString();
    try {
      const out = await this.deps.check();
      if (!out) {
        this.last = { checked_at: now, revision: null, drift: [], note: 'no site action has succeeded yet: nothing is deployed to drift from' };
        return this.last;
      }
      this.last = { checked_at: now, revision: out.revision, drift: out.drift };
      const busy = (await this.deps.actions.list()).some((a) => a.lifecycle === 'Pending' || a.lifecycle === 'Processing' || a.lifecycle === 'Paused');
      if (busy) {
        this.last.note = 'an action is running: no alarms raised';
        return this.last;
      }
      this.raised ??= new Set((await this.deps.raised?.().catch(() => [])) ?? []);
      const now_ = new Set<string>();
      for (const item of out.drift) {
        const entity = driftEntity(this.deps.site, item);
        now_.add(entity);
        if (!this.raised.has(entity)) this.deps.log.warn({ entity, problem: item.problem }, `site drift: ${item.kind} ${item.name}: ${item.detail}`);
        await this.deps.faults.raise({ alarmId: DRIFT_ALARM, entityInstanceId: entity, reasonText: `Site drift: ${item.kind} ${item.name} ${item.problem.replace('_', ' ')}: ${item.detail}.` });
      }
      for (const entity of this.raised) if (!now_.has(entity)) await this.deps.faults.clear(DRIFT_ALARM, entity);
      this.raised = now_;
      return this.last;
    } catch (err) {
      this.deps.log.warn({ err }, 'site drift check failed');
      this.last = { ...this.last, checked_at: now, note: `the check failed: ${(err as Error).message}` };
      return this.last;
    }
  }
}
