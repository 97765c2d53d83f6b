// What the tenant's scheduler shows: the status page (Zuul's shape), its
// items, and alarm 600.001 while a pipeline is disabled.

import type { Build, QueueItem } from '../../model.js';
import { statusPipeline, type StatusPipeline } from '../status.js';
import type { TenantContext } from './context.js';

export interface TenantStatus {
  tenant: string;
  leader: boolean;
  last_reconfigured: number;
  config_errors: string[];
  pipelines: StatusPipeline[];
}

export function tenantStatus(t: TenantContext, logUrl: (b: Build) => string): TenantStatus {
  return {
    tenant: t.name,
    leader: t.leader,
    last_reconfigured: t.lastReconfigured,
    config_errors: t.configErrors.map((e) => e.message),
    pipelines: t.pipelineOrder().map((n) => statusPipeline(t.managers.get(n)!.pipeline, t.states.get(n)!, logUrl)),
  };
}

export function tenantItems(t: TenantContext): Array<{ pipeline: string; item: QueueItem }> {
  const out: Array<{ pipeline: string; item: QueueItem }> = [];
  for (const [pipeline, s] of t.states) for (const q of s.queues) for (const item of q.items) out.push({ pipeline, item });
  return out;
}

/**
 * Alarm 600.001 is set exactly while a pipeline is disabled (Zuul's
 * disable-after-consecutive-failures); only changes reach the fault manager.
 */
export async function syncAlarms(t: TenantContext): Promise<void> {
  const fm = t.deps.faults;
  if (!fm) return;
  const clean = (v: string) => v.replace(/[\s.=]/g, '_');
  const entity = (p: string) => `tenant=${clean(t.name)}.pipeline=${clean(p)}`;
  for (const [name, state] of t.states) {
    if (t.alarmed.get(name) === state.disabled) continue;
    t.alarmed.set(name, state.disabled);
    if (state.disabled) await fm.raise({ alarmId: '600.001', entityInstanceId: entity(name), reasonText: `Pipeline ${name} of tenant ${t.name} was disabled after ${state.consecutiveFailures} consecutive failures.` });
    else await fm.clear('600.001', entity(name));
  }
  for (const name of [...t.alarmed.keys()]) {
    if (t.states.has(name)) continue;
    t.alarmed.delete(name);
    await fm.clear('600.001', entity(name));
  }
}
