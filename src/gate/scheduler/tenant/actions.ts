// The passes and what the shell does at once with the managers' actions:
// reports are sent (a final report submits first, and its outcome goes back
// to the manager), cancelled and dequeued builds are noted for the store,
// and prepares, launches and cancels are kept to start once the round is
// persisted (dispatch.ts).

import { buildRecord } from '../../db/state-store.js';
import { changeMachine } from '../../machines.js';
import type { Action, ReportAction, ReportKind, ReportOutcome } from '../types.js';
import type { TenantContext } from './context.js';

/** Passes over every pipeline, highest precedence first, until none asks for anything. True when any did. */
export async function processAll(t: TenantContext): Promise<boolean> {
  if (!t.layout) return false;
  let worked = false;
  for (let pass = 0; pass < 100_000; pass++) {
    let any = false;
    for (const name of t.pipelineOrder()) {
      const managed = t.managers.get(name);
      if (!managed) continue;
      const out = managed.manager.processQueue(t.states.get(name)!, t.env(name));
      t.states.set(name, out.state);
      if (out.actions.length) {
        any = true;
        await handleActions(t, name, out.actions);
      }
    }
    if (!any) return worked;
    worked = true;
  }
  throw new Error('the scheduler does not settle');
}

export async function handleActions(t: TenantContext, name: string, actions: Action[]): Promise<void> {
  for (const a of actions) {
    switch (a.type) {
      case 'prepare':
      case 'launch':
        t.effects.push(a);
        break;
      case 'cancel': {
        t.effects.push(a);
        const b = Object.values(a.item.buildSet.builds).find((x) => x.id === a.buildId);
        if (b) t.store.noteBuild(buildRecord(t.name, name, a.item, b, a.item.buildSet.jobs.find((j) => j.uid === b.job)));
        break;
      }
      case 'dequeued':
        for (const b of Object.values(a.item.buildSet.builds)) {
          t.store.noteBuild(buildRecord(t.name, name, a.item, b, a.item.buildSet.jobs.find((j) => j.uid === b.job)));
        }
        break;
      case 'report':
        if (a.final) await finalReport(t, name, a);
        else await t.deps.reporter.report(t.name, t.managers.get(name)!.pipeline, a);
        break;
    }
  }
}

async function finalReport(t: TenantContext, name: string, a: ReportAction): Promise<void> {
  const managed = t.managers.get(name)!;
  // The verdict's inputs (build results) are durable before anything moves.
  await t.store.save(t.states, t.cursor);
  let outcome: ReportOutcome = { merged: false };
  let kind: ReportKind = a.kind;
  let extra = a.message;
  let merged: Array<{ project: string; branch: string; sha: string }> = [];
  if (a.submit) {
    const r = await t.deps.reporter.submit(t.name, a.item);
    outcome = { merged: r.merged, ...(r.error ? { error: r.error } : {}) };
    merged = r.advanced;
    if (!r.merged) {
      kind = 'failure';
      extra = `The change passed its jobs but could not be merged: ${r.error}.`;
    }
  }
  await t.deps.reporter.report(t.name, managed.pipeline, a, { kind, extra, merged });
  for (const m of merged) {
    for (const c of a.item.changes) {
      if (c.kind !== 'change' || c.project !== m.project || c.branch !== m.branch) continue;
      const cached = t.changes.get(c.number);
      if (cached && changeMachine.can(cached.status, 'merge')) t.changes.set(c.number, { ...cached, status: changeMachine.next(cached.status, 'merge') });
    }
  }
  const out = managed.manager.onReported(t.states.get(name)!, a.itemId, outcome, t.env(name));
  t.states.set(name, out.state);
  await handleActions(t, name, out.actions);
}
