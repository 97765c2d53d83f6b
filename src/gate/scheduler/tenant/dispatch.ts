// Dispatch: what a round decided is started once it is persisted (items
// prepared by the merger, builds submitted to the executor, cancels), and
// the results come back into the loop as inbox entries, applied by the
// managers at the next round.

import type { ZuulItem } from '../../executor/ansible/zuul-vars.js';
import type { BuildOutcome } from '../../executor/index.js';
import type { QueueItem } from '../../model.js';
import { PRECEDENCE_RANK } from '../layout-adapter.js';
import { prepareItem } from '../preparer.js';
import type { LaunchAction, PrepareAction } from '../types.js';
import type { TenantContext } from './context.js';

/** Starts what the round decided, now that it is persisted. */
export function dispatch(t: TenantContext): void {
  const effects = t.effects;
  t.effects = [];
  for (const a of effects) {
    if (a.type === 'prepare') startPrepare(t, a);
    else if (a.type === 'launch') launch(t, a);
    else if (a.type === 'cancel') t.deps.executor.cancel(a.buildId);
  }
}

function startPrepare(t: TenantContext, a: PrepareAction): void {
  const { deps } = t;
  t.preparing++;
  const layout = t.layout!;
  prepareItem({
    merger: deps.merger,
    repos: deps.repos,
    tenantConfig: deps.tenantConfig,
    reader: deps.reader,
    layout: () => layout,
    runtimes: deps.runtimes(),
    isolatedRuntimes: deps.runtimePolicy?.().isolated,
    untrustedRuntime: deps.runtimePolicy?.().untrusted,
    loadOptions: deps.loadOptions,
    mergeConflictMessage: (p) => t.managers.get(p)?.pipeline.messages.mergeConflict ?? 'Merge Failed.',
  }, a)
    .catch((err) => {
      deps.log.error({ err, item: a.itemId }, 'preparing an item failed');
      return { ok: false as const, kind: 'merge-conflict' as const, error: `The gate could not prepare this change: ${(err as Error).message}` };
    })
    .then((result) => {
      t.preparing--;
      t.inbox.push(() => {
        const managed = t.managers.get(a.pipeline);
        if (!managed) return;
        t.states.set(a.pipeline, managed.manager.onPrepared(t.states.get(a.pipeline)!, a.itemId, a.seq, result, t.env(a.pipeline)).state);
      });
      t.wake();
    });
}

function launch(t: TenantContext, a: LaunchAction): void {
  const managed = t.managers.get(a.pipeline);
  const found = managed?.manager.findItem(t.states.get(a.pipeline)!, a.itemId);
  const item = found?.item;
  if (!item || item.buildSet.id !== a.buildSet || !item.buildSet.builds[a.job.uid] || item.buildSet.builds[a.job.uid]!.id !== a.build.id) return;
  const own = item.changes.find((c) => c.key === a.job.change) ?? item.changes[0]!;
  t.buildPipelines.set(a.build.id, a.pipeline);
  t.deps.claimBuild(a.build.id);
  t.deps.executor.submit({
    buildId: a.build.id,
    tenant: t.name,
    pipeline: a.pipeline,
    job: a.job,
    change: own.kind === 'change' ? own.key : '',
    changes: item.buildSet.changes.filter((k) => /^\d+,\d+$/.test(k)),
    ...(own.kind === 'ref' ? { ref: own.ref, newrev: own.newrev } : {}),
    commits: item.buildSet.commits,
    priority: PRECEDENCE_RANK[managed!.pipeline.precedence],
    buildset: item.buildSet.id,
    items: zuulItems(t, a.pipeline, item),
  });
}

/** The changes of an item's speculative state, in queue order (Zuul's zuul.items): those of the items ahead, then its own. */
function zuulItems(t: TenantContext, pipeline: string, item: QueueItem): ZuulItem[] {
  const managed = t.managers.get(pipeline)!;
  const state = t.states.get(pipeline)!;
  const chain: QueueItem[] = [];
  for (let it: QueueItem | undefined = item; it; it = it.aheadId ? managed.manager.findItem(state, it.aheadId)?.item : undefined) {
    chain.unshift(it);
    if (chain.length > 1000) break;
  }
  return chain.flatMap((it) => it.changes).map((c): ZuulItem => c.kind === 'change'
    ? { project: c.project, branch: c.branch, change: c.number, patchset: c.patchset, ref: c.ref, changeUrl: c.url, topic: c.topic }
    : { project: c.project, branch: c.branch ?? c.ref, ref: c.ref, oldrev: c.oldrev, newrev: c.newrev });
}

export function onBuildStarted(t: TenantContext, buildId: string, time: number): void {
  const name = t.buildPipelines.get(buildId);
  if (!name) return;
  t.inbox.push(() => {
    const managed = t.managers.get(name);
    if (managed) t.states.set(name, managed.manager.onBuildStarted(t.states.get(name)!, buildId, time, t.env(name)).state);
  });
  t.wake();
}

export function onBuildFinished(t: TenantContext, buildId: string, outcome: BuildOutcome): void {
  const name = t.buildPipelines.get(buildId);
  if (!name) return;
  t.buildPipelines.delete(buildId);
  t.inbox.push(() => {
    const managed = t.managers.get(name);
    if (!managed) return;
    t.states.set(name, managed.manager.onBuildCompleted(t.states.get(name)!, buildId, {
      result: outcome.result, endTime: outcome.endTime, startTime: outcome.startTime, ...(outcome.message ? { message: outcome.message } : {}),
    }, t.env(name)).state);
  });
  t.wake();
}
