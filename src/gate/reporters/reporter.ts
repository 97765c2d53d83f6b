// Reporting on the `local` connection, with Gerrit's reporter keys: label
// votes (`Verified: 2`), `comment`, and `submit: true`, which merges: each
// project-branch of the item advances to the commit the item was tested
// on. A submit is recorded (gate_merges) before the branch moves and marked
// done after, and the final report of a build set is recorded
// (gate_reports) with its messages, so a restart neither merges nor reports
// anything twice.

import type { Kysely } from 'kysely';
import type { Pipeline } from '../config/index.js';
import { moveState, type Logger } from '../../core/index.js';
import { submitStates } from '../db/state-columns.js';
import { submitMachine, type SubmitEvent, type SubmitState } from '../machines.js';
import type { EventLog } from '../db/events.js';
import { advanceBranch, isAncestor, type RepoCache } from '../merger/index.js';
import type { Build, QueueItem } from '../model.js';
import type { ReportAction, ReportKind, ReportOutcome } from '../scheduler/types.js';
import type { LocalSource } from '../sources/index.js';
import { formatReport } from './format.js';

export interface ReporterDeps {
  db: Kysely<any>;
  source: LocalSource;
  events: EventLog;
  repos: RepoCache;
  log: Logger;
  logUrl(b: Build): string;
  statusUrl(): string;
}

interface MergeTarget {
  project: string;
  branch: string;
  sha: string;
}

function targetsOf(item: QueueItem): MergeTarget[] {
  const out: MergeTarget[] = [];
  for (const c of item.changes) {
    if (c.kind !== 'change') continue;
    if (out.some((t) => t.project === c.project && t.branch === c.branch)) continue;
    const sha = item.buildSet.commits[c.project]?.[c.branch];
    if (sha) out.push({ project: c.project, branch: c.branch, sha });
  }
  return out;
}

export class Reporter {
  constructor(private readonly deps: ReporterDeps) {}

  /** Merges the item's changes (idempotent: a repeated submit of the same build set is recognised). */
  async submit(tenant: string, item: QueueItem): Promise<ReportOutcome & { advanced: MergeTarget[] }> {
    const { db, repos } = this.deps;
    const bs = item.buildSet;
    const advanced: MergeTarget[] = [];
    const keys = item.changes.map((c) => c.key);
    for (const t of targetsOf(item)) {
      const row = await db.selectFrom('gate_merges').selectAll().where('buildset', '=', bs.id).where('project', '=', t.project).where('branch', '=', t.branch).executeTakeFirst();
      if (row?.state === 'done') {
        advanced.push(t);
        continue;
      }
      let at = row?.state as SubmitState | undefined;
      const tip = await repos.branchTip(t.project, t.branch);
      let old = row?.old_sha as string | undefined;
      if (tip === t.sha) {
        await this.mark(tenant, item, t, old ?? tip, at, 'advanced');
        advanced.push(t);
        continue;
      }
      if (!old) {
        // The branch must not have moved away from what the item was tested on.
        const cache = await repos.update(t.project);
        if (!tip || !(await isAncestor(cache, tip, t.sha))) {
          return { merged: false, error: `${t.project} ${t.branch} moved to ${tip?.slice(0, 12) ?? 'nothing'}, which the tested state does not contain`, advanced };
        }
        old = tip;
        at = submitMachine.spec.initial;
        await db.insertInto('gate_merges').values({
          buildset: bs.id, project: t.project, branch: t.branch, tenant, item_id: item.id, changes: JSON.stringify(keys),
          old_sha: old, new_sha: t.sha, state: at, created_at: Date.now(), updated_at: Date.now(),
        }).execute();
      }
      const r = await advanceBranch(repos, t.project, t.branch, old, t.sha, `strata gate: merge ${keys.join(' ')}`);
      if (r.status === 'moved') {
        await this.mark(tenant, item, t, old, at, 'moved', `the branch moved to ${r.current}`);
        return { merged: false, error: `${t.project} ${t.branch} moved meanwhile`, advanced };
      }
      if ('note' in r && r.note) this.deps.log.warn({ project: t.project }, r.note);
      await this.mark(tenant, item, t, old, at, 'advanced');
      advanced.push(t);
    }
    return { merged: true, advanced };
  }

  /** Moves the submit's record of a branch (`from`: its stored state), or records it when there was none. */
  private async mark(tenant: string, item: QueueItem, t: MergeTarget, old: string, from: SubmitState | undefined, event: SubmitEvent, detail?: string): Promise<void> {
    const now = Date.now();
    const { db } = this.deps;
    if (from) {
      await moveState(db, submitStates, item.buildSet.id, from, event, { set: { detail: detail ?? null, updated_at: now }, where: { project: t.project, branch: t.branch }, by: 'gate-reporter' });
      return;
    }
    await db.insertInto('gate_merges').values({
      buildset: item.buildSet.id, project: t.project, branch: t.branch, tenant, item_id: item.id,
      changes: JSON.stringify(item.changes.map((c) => c.key)), old_sha: old, new_sha: t.sha, state: submitMachine.next(submitMachine.spec.initial, event),
      detail: detail ?? null, created_at: now, updated_at: now,
    }).execute();
  }

  /**
   * Posts a report (votes and message on each change of the item) and, for
   * merged changes, marks them merged with Gerrit's events, all in one
   * transaction. A final report is sent once per build set.
   */
  async report(tenant: string, pipeline: Pipeline, a: ReportAction, opts: { kind?: ReportKind; extra?: string; merged?: MergeTarget[] } = {}): Promise<boolean> {
    const kind = opts.kind ?? a.kind;
    const { db, source, events } = this.deps;
    const reporters = (pipeline.reporters[kind] ?? []).filter((r) => r.connection === source.connection && r.supported);
    if (!a.final && reporters.length === 0) return false;
    const message = formatReport({
      kind, pipeline: pipeline.name, messages: pipeline.messages, item: a.item, logUrl: this.deps.logUrl, statusUrl: this.deps.statusUrl(),
      extra: opts.extra ?? a.message,
    });
    let sent = false;
    await db.transaction().execute(async (trx) => {
      if (a.final) {
        const done = await trx.selectFrom('gate_reports').select(['buildset']).where('buildset', '=', a.item.buildSet.id).executeTakeFirst();
        if (done) return;
        await trx.insertInto('gate_reports').values({
          buildset: a.item.buildSet.id, tenant, item_id: a.itemId, kind, merged: opts.merged?.length ? 1 : 0, created_at: Date.now(),
        }).execute();
      }
      for (const c of a.item.changes) {
        if (c.kind !== 'change') continue;
        for (const r of reporters) {
          if (!r.comment && Object.keys(r.labels).length === 0) continue;
          await source.report(trx, c.number, { labels: r.labels, message: r.comment ? message : '' });
        }
      }
      for (const t of opts.merged ?? []) {
        let first = true;
        for (const c of a.item.changes) {
          if (c.kind !== 'change' || c.project !== t.project || c.branch !== t.branch) continue;
          await source.markMerged(trx, c.number, { oldrev: '', newrev: t.sha });
          if (first) {
            const row = await trx.selectFrom('gate_merges').select(['old_sha']).where('buildset', '=', a.item.buildSet.id)
              .where('project', '=', t.project).where('branch', '=', t.branch).executeTakeFirst();
            await source.refUpdated(trx, t.project, t.branch, row?.old_sha ?? '', t.sha);
            first = false;
          }
        }
      }
      sent = true;
    });
    if (sent) events.notify();
    return sent;
  }
}
