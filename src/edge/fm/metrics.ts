import { Gauge, type Registry } from 'prom-client';
import type { FaultManager } from './fault-manager.js';
import { SEVERITIES } from './fault-manager.js';

/**
 * `strata_fm_active_alarms{severity}`: active alarms by severity, read from
 * the store at each scrape so every process sharing a store reports the same
 * numbers. Suppressed alarms count: suppression hides, it does not resolve.
 */
export function registerFmMetrics(registry: Registry, fm: FaultManager): void {
  new Gauge({
    name: 'strata_fm_active_alarms',
    help: 'Active alarms by severity (suppressed ones included)',
    labelNames: ['severity'] as const,
    registers: [registry],
    async collect() {
      const counts = await fm.countsBySeverity();
      for (const s of SEVERITIES) this.set({ severity: s }, counts[s]);
    },
  });
}
