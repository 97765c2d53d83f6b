// Events, read from the log in order: review events (a new patchset, an
// abandon, a ref update, a merge) remove items and enqueue changes into the
// pipelines whose triggers match; Zuul's management events enqueue,
// dequeue and promote; timer firings enqueue each branch tip.

import { pipelineTriggerFor } from '../../config/index.js';
import type { GateEvent } from '../../db/events.js';
import type { Changeish, RefUpdate } from '../../model.js';
import { refKey } from '../../model.js';
import { changeState, triggerEvent } from '../layout-adapter.js';
import { handleActions } from './actions.js';
import type { TenantContext } from './context.js';
import { maybeReconfigure } from './reconfiguration.js';

export async function handleEvent(t: TenantContext, e: GateEvent): Promise<void> {
  if (!t.layout) return;
  if (e.type.startsWith('admin-')) {
    if (e.tenant === t.name && e.pipeline && t.managers.has(e.pipeline)) await handleAdmin(t, e);
    return;
  }
  if (e.type === 'timer') {
    if (e.tenant === t.name && e.pipeline && t.managers.has(e.pipeline)) await timerFired(t, e.pipeline);
    return;
  }
  if (e.connection !== 'local' || !e.project) return;
  let inTenant = false;
  try {
    inTenant = t.layout.tenant.getProject(e.project) !== undefined;
  } catch {
    inTenant = false;
  }
  if (!inTenant) return;
  if (e.change) await t.loadChange(e.change.number);
  const n = e.change?.number;
  if (e.type === 'patchset-created' && n !== undefined) {
    for (const name of t.pipelineOrder()) {
      dropWaiting(t, name, n);
      if (t.managers.get(name)!.pipeline.dequeueOnNewPatchset) {
        await remove(t, name, (c) => c.kind === 'change' && c.number === n && c.patchset < e.change!.patchset, `a new patchset (${n},${e.change!.patchset}) was uploaded`);
      }
    }
  } else if (e.type === 'change-abandoned' && n !== undefined) {
    for (const name of t.pipelineOrder()) {
      dropWaiting(t, name, n);
      await remove(t, name, (c) => c.kind === 'change' && c.number === n, `change ${n} was abandoned`);
    }
  } else if (e.type === 'ref-updated') {
    await maybeReconfigure(t, e);
  }

  let subject: Changeish | undefined;
  if (e.change) subject = await t.deps.source.getChange(e.change.number, e.change.patchset);
  else if (e.type === 'ref-updated' && e.ref && e.newrev) {
    subject = {
      kind: 'ref', key: refKey(e.project, e.ref, e.newrev), project: e.project, branch: e.branch ?? null, ref: e.ref,
      oldrev: e.oldrev ?? '0'.repeat(40), newrev: e.newrev,
    } satisfies RefUpdate;
  }
  if (!subject) return;
  if (subject.kind === 'change') await t.loadClosure(subject);
  const te = triggerEvent(e);
  const cs = changeState(subject);
  for (const name of t.pipelineOrder()) {
    const managed = t.managers.get(name);
    if (!managed || !pipelineTriggerFor(managed.pipeline, te, cs, Date.now() / 1000)) continue;
    await enqueue(t, name, subject, describeEvent(e), true);
  }
  if (e.type === 'change-merged' && n !== undefined) {
    // Changes that waited for this one to merge (it was in a queue they do not share) may enter now.
    for (const name of t.pipelineOrder()) {
      const state = t.states.get(name)!;
      for (const w of [...(state.waiting ?? [])]) {
        const c = await t.loadChange(w);
        if (c && c.needs.some((x) => x.number === n)) await enqueue(t, name, c, `change ${n}, which it needs, merged`, true);
      }
    }
  }
}

/** Zuul's management events: enqueue (requirements not checked, as Zuul), dequeue, promote. */
async function handleAdmin(t: TenantContext, e: GateEvent): Promise<void> {
  const name = e.pipeline!;
  const by = e.account ? ` by ${e.account.username}` : '';
  if (e.type === 'admin-promote') {
    const managed = t.managers.get(name)!;
    const out = managed.manager.promote(t.states.get(name)!, e.changes ?? [], t.env(name));
    t.states.set(name, out.state);
    await handleActions(t, name, out.actions);
    return;
  }
  let subject: Changeish | undefined;
  if (e.change) subject = await t.deps.source.getChange(e.change.number, e.change.patchset);
  else if (e.project && e.ref && e.newrev) {
    subject = {
      kind: 'ref', key: refKey(e.project, e.ref, e.newrev), project: e.project, branch: e.ref.startsWith('refs/heads/') ? e.ref.slice(11) : null,
      ref: e.ref, oldrev: e.oldrev ?? '0'.repeat(40), newrev: e.newrev,
    } satisfies RefUpdate;
  }
  if (!subject) return;
  if (e.type === 'admin-enqueue') {
    if (subject.kind === 'change') await t.loadClosure(subject);
    await enqueue(t, name, subject, `enqueued${by}`, false, new Set(), true);
  } else {
    const key = subject.key;
    await remove(t, name, (c) => c.key === key || (c.kind === 'ref' && subject!.kind === 'ref' && c.project === subject!.project && c.ref === subject!.ref), `dequeued${by}`);
  }
}

function dropWaiting(t: TenantContext, name: string, n: number): void {
  const state = t.states.get(name);
  if (state?.waiting?.includes(n)) t.states.set(name, { ...state, waiting: state.waiting.filter((x) => x !== n) });
}

async function enqueue(t: TenantContext, name: string, change: Changeish, cause: string, fromTrigger: boolean, visited = new Set<string>(), ignoreRequirements = false): Promise<void> {
  if (visited.has(`${name} ${change.key}`)) return;
  visited.add(`${name} ${change.key}`);
  const managed = t.managers.get(name);
  if (!managed) return;
  if (change.kind === 'change') await t.loadClosure(change);
  const out = managed.manager.addChange(t.states.get(name)!, change, t.env(name), { cause, ignoreRequirements });
  t.states.set(name, out.state);
  await handleActions(t, name, out.actions);
  if (change.kind === 'change' && out.waiting && fromTrigger && managed.manager.name === 'dependent') {
    const state = t.states.get(name)!;
    if (!state.waiting?.includes(change.number)) t.states.set(name, { ...state, waiting: [...(state.waiting ?? []), change.number] });
    t.deps.log.info({ pipeline: name, change: change.key, reason: out.rejected }, 'change waits for a dependency');
  } else if (out.rejected) {
    t.deps.log.info({ pipeline: name, change: change.key, reason: out.rejected }, 'change not enqueued');
  }
  if (out.enqueued.length === 0) return;
  for (const c of out.enqueued) if (c.kind === 'change') dropWaiting(t, name, c.number);
  for (const other of managed.pipeline.supercedes) {
    if (!t.managers.has(other)) continue;
    const keys = new Set(out.enqueued.map((c) => c.key));
    await remove(t, other, (c) => keys.has(c.key), `superseded by pipeline ${name}`);
  }
  if (managed.manager.name === 'dependent') {
    // Zuul's enqueueChangesBehind: changes needing what just entered follow it (if they meet the requirements).
    for (const c of out.enqueued) {
      if (c.kind !== 'change') continue;
      for (const n of await t.deps.source.neededBy(c.number)) {
        const d = await t.loadChange(n);
        if (d) await enqueue(t, name, d, `${c.key}, which it needs, was enqueued`, false, visited);
      }
    }
  }
}

async function remove(t: TenantContext, name: string, matches: (c: Changeish) => boolean, reason: string): Promise<void> {
  const managed = t.managers.get(name)!;
  const out = managed.manager.removeChanges(t.states.get(name)!, matches, reason, t.env(name));
  t.states.set(name, out.state);
  await handleActions(t, name, out.actions);
}

async function timerFired(t: TenantContext, name: string): Promise<void> {
  const layout = t.layout!;
  for (const tp of layout.tenant.projects) {
    if (!tp.available) continue;
    for (const branch of tp.branches) {
      if (!layout.getProjectPipelineConfig({ project: tp.name, branch }, name)) continue;
      const tip = await t.deps.repos.branchTip(tp.name, branch);
      if (!tip) continue;
      const ref = `refs/heads/${branch}`;
      const subject: RefUpdate = { kind: 'ref', key: refKey(tp.name, ref, tip), project: tp.name, branch, ref, oldrev: tip, newrev: tip };
      await enqueue(t, name, subject, 'timer', true);
    }
  }
}

function describeEvent(e: GateEvent): string {
  if (e.type === 'comment-added') {
    const votes = (e.approvals ?? []).filter((a) => a.oldValue !== undefined).map((a) => `${a.label}${a.value > 0 ? '+' : ''}${a.value}`);
    return `comment-added${votes.length ? ` ${votes.join(' ')}` : ''}${e.account ? ` by ${e.account.username}` : ''}`;
  }
  return `${e.type}${e.account ? ` by ${e.account.username}` : ''}`;
}
