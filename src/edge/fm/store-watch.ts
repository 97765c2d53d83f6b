/**
 * Alarm 600.004, the store unreachable. The fault manager keeps its alarms
 * in the store, so this one cannot be written while it holds: the watch
 * probes the store on a period, holds the alarm in memory while the probe
 * fails (the API and the gauges show it from there), and once the store
 * answers again writes the outage to the event log as a set and a clear,
 * so the record survives. Each process watches its own connection: one
 * that cannot reach a shared PostgreSQL says so even while others can.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger, Store } from '../../core/index.js';
import type { Alarm, FaultManager } from './fault-manager.js';
import { alarmDefinition } from './catalog.js';

export interface Outage {
  uuid: string;
  since: number;
  error: string;
}

export class StoreWatch {
  private timer: NodeJS.Timeout | undefined;
  private outage: Outage | undefined;
  private probing = false;

  constructor(
    private readonly store: Store,
    private readonly fm: FaultManager,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {
    fm.holdWhileStoreDown(() => (this.outage ? [this.heldAlarm(this.outage)] : []));
  }

  get entity(): string {
    return `store=${this.store.dialect}`;
  }

  /** The outage in progress, if any. */
  get down(): Outage | undefined {
    return this.outage;
  }

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One probe: records the start or the end of an outage. */
  async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await sql`select 1`.execute(this.store.db);
      if (this.outage) await this.recovered(this.outage);
    } catch (err) {
      if (!this.outage) {
        this.outage = { uuid: randomUUID(), since: Date.now(), error: (err as Error).message };
        this.log.error({ err, store: this.store.location }, 'the store is unreachable');
      }
    } finally {
      this.probing = false;
    }
  }

  private heldAlarm(o: Outage): Alarm {
    return { uuid: o.uuid, definition: alarmDefinition('600.004')!, entityInstanceId: this.entity, severity: 'critical', reasonText: this.reason(o), createdAt: o.since, updatedAt: o.since, suppressed: false };
  }

  reason(o: Outage): string {
    return `The store ${this.store.location} is unreachable since ${new Date(o.since).toISOString()}: ${o.error}`.slice(0, 1000);
  }

  private async recovered(o: Outage): Promise<void> {
    // Written before the outage is forgotten: if the store fails again mid-way, the next probe retries.
    await this.fm.raise({ alarmId: '600.004', entityInstanceId: this.entity, reasonText: this.reason(o) });
    await this.fm.clear('600.004', this.entity);
    this.outage = undefined;
    this.log.info({ store: this.store.location, downMs: Date.now() - o.since }, 'the store answers again');
  }
}
