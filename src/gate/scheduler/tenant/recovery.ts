// Recovery, when this process becomes the tenant's leader: the layout is
// loaded, the persisted state read back, work that was in flight when the
// previous process stopped is redone (merges prepared again, builds
// interrupted and run again), and submits cut short are repaired.

import { moveState } from '../../../core/index.js';
import { submitStates } from '../../db/state-columns.js';
import { buildMachine, buildSetMachine } from '../../machines.js';
import type { TenantContext } from './context.js';
import { reconfigure } from './reconfiguration.js';

export async function recover(t: TenantContext): Promise<void> {
  await reconfigure(t, true);
  const loaded = await t.store.load();
  t.cursor = loaded.cursor ?? (await t.deps.events.lastId());
  const interrupted: string[] = [];
  for (const [name, state] of loaded.pipelines) {
    if (!t.managers.has(name)) continue; // a pipeline gone from the configuration
    for (const q of state.queues) {
      for (const item of q.items) {
        const bs = item.buildSet;
        // Work in flight when the previous process stopped is redone: merges, and builds (their processes were killed).
        if (bs.state === 'preparing') bs.state = buildSetMachine.next(bs.state, 'restart');
        for (const [uid, b] of Object.entries(bs.builds)) {
          if (!buildMachine.can(b.status, 'interrupt')) continue;
          interrupted.push(b.id);
          delete bs.builds[uid];
        }
      }
    }
    // A restart is a reconfiguration: as Zuul, it enables a pipeline disabled after consecutive failures.
    t.states.set(name, state.disabled ? { ...state, disabled: false, consecutiveFailures: 0 } : state);
  }
  await t.store.interruptBuilds(interrupted, Date.now());
  for (const state of t.states.values()) for (const q of state.queues) for (const i of q.items) for (const c of i.changes) if (c.kind === 'change') await t.loadClosure(c);
  await repairMerges(t);
  t.deps.log.info({ tenant: t.name, cursor: t.cursor, items: t.itemCount() }, 'gate scheduler started');
}

/** Submits recorded but not marked done: done if the branch is where the submit was taking it. */
async function repairMerges(t: TenantContext): Promise<void> {
  const rows = await t.deps.db.selectFrom('gate_merges').selectAll().where('tenant', '=', t.name).where('state', '=', 'pending').execute();
  for (const r of rows) {
    const tip = await t.deps.repos.branchTip(r.project, r.branch);
    if (tip === r.new_sha) {
      await moveState(t.deps.db, submitStates, r.buildset, 'pending', 'advanced', {
        set: { detail: 'completed before a restart', updated_at: Date.now() }, where: { project: r.project, branch: r.branch }, by: 'gate-scheduler',
      });
      t.deps.log.warn({ project: r.project, branch: r.branch, changes: r.changes }, 'a submit interrupted by a restart had moved the branch: recorded as done');
    }
  }
}
