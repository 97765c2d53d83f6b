// Reconfiguration: the tenant's layout is loaded from the branch tips (at
// start, and when a merge touches configuration files); each pipeline gets
// its manager, pipelines gone from the configuration are dropped with their
// builds cancelled, and timer triggers are armed.

import { changedFiles, isAncestor } from '../../merger/index.js';
import { introducedErrors, isConfigFile, loadTenantLayout, nextCronTime } from '../../config/index.js';
import type { GateEvent } from '../../db/events.js';
import { pipelineSettings } from '../layout-adapter.js';
import { createManager } from '../managers.js';
import type { TenantContext } from './context.js';

/** Loads the layout from the branch tips; a layout with new errors never replaces the current one. */
export async function reconfigure(t: TenantContext, initial = false): Promise<boolean> {
  const { deps } = t;
  deps.reader.invalidate();
  const candidate = await loadTenantLayout(deps.tenantConfig, deps.reader, deps.loadOptions);
  if (!initial && t.layout) {
    const introduced = introducedErrors(t.layout, candidate);
    if (introduced.length) {
      deps.log.error({ tenant: t.name, errors: introduced.map((e) => e.message) }, 'the new configuration has errors: keeping the last good one');
      t.configErrors = introduced;
      return false;
    }
  } else if (candidate.errors.errors.length) {
    deps.log.warn({ tenant: t.name, errors: candidate.errors.errors.map((e) => e.message) }, 'the configuration has errors; objects with errors are left out');
  }
  t.layout = candidate;
  t.configErrors = candidate.errors.errors;
  t.lastReconfigured = Date.now();
  const seen = new Set<string>();
  for (const [name, p] of candidate.pipelines) {
    const manager = createManager(pipelineSettings(p));
    t.managers.set(name, { pipeline: p, manager });
    const prev = t.states.get(name);
    if (!prev) t.states.set(name, manager.initialState());
    // As Zuul: a pipeline disabled after consecutive failures is enabled again by a reconfiguration.
    else if (prev.disabled) t.states.set(name, { ...prev, disabled: false, consecutiveFailures: 0 });
    seen.add(name);
  }
  for (const name of [...t.managers.keys()]) {
    if (seen.has(name)) continue;
    const state = t.states.get(name);
    for (const q of state?.queues ?? []) for (const i of q.items) for (const b of Object.values(i.buildSet.builds)) if (b.status !== 'completed') deps.executor.cancel(b.id);
    t.managers.delete(name);
    t.states.delete(name);
  }
  setupTimers(t);
  return true;
}

/** A ref update that touches configuration files of a project of the tenant reloads the layout. */
export async function maybeReconfigure(t: TenantContext, e: GateEvent): Promise<void> {
  const tp = t.layout?.tenant.getProject(e.project!);
  if (!tp || !e.newrev) return;
  let touches = true;
  if (e.oldrev && !/^0+$/.test(e.oldrev)) {
    try {
      const src = t.deps.repos.sourceDir(tp.name);
      touches = (await isAncestor(src, e.oldrev, e.newrev)) &&
        (await changedFiles(src, e.newrev, e.oldrev)).some((f) => isConfigFile(f, tp.entry.extraConfigFiles, tp.entry.extraConfigDirs));
    } catch {
      touches = true;
    }
  }
  if (touches) {
    t.deps.log.info({ tenant: t.name, project: tp.name, branch: e.branch }, 'configuration changed: reconfiguring');
    await reconfigure(t);
  }
}

/** Timer triggers: each firing is appended to the event log, so it is handled in order like any event. */
function setupTimers(t: TenantContext): void {
  for (const x of t.timers) clearTimeout(x);
  t.timers = [];
  if (t.stopped) return;
  for (const [name, { pipeline }] of t.managers) {
    for (const trigger of pipeline.triggers) {
      if (trigger.kind !== 'timer') continue;
      const arm = () => {
        const next = nextCronTime(trigger.cron, new Date()).getTime();
        const timer = setTimeout(() => {
          t.timers = t.timers.filter((x) => x !== timer);
          if (t.stopped || t.managers.get(name)?.pipeline !== pipeline) return;
          void t.deps.db.transaction().execute((trx) => t.deps.events.append(trx, { type: 'timer', connection: trigger.connection, tenant: t.name, pipeline: name }))
            .then(() => t.deps.events.notify())
            .catch((err) => t.deps.log.error({ err }, 'recording a timer event failed'));
          arm();
        }, Math.max(0, next - Date.now()));
        timer.unref?.();
        t.timers.push(timer);
      };
      arm();
    }
  }
}
