/** Actions and steps as Shipyard's API shows them. Pure. */
import type { ActionRecord, StepRecord } from './action-store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Airflow's task states, as Shipyard passes them on (a step not yet queued has none). */
function airflowState(s: StepRecord): string | null {
  return s.state === 'pending' ? null : s.state;
}

export function stepSummary(a: ActionRecord, s: StepRecord): Record<string, unknown> {
  return { id: s.id, url: `/actions/${a.id}/steps/${s.id}`, index: s.index, state: airflowState(s) };
}

export function stepView(a: ActionRecord, s: StepRecord): Record<string, unknown> {
  const result = (s.result ?? {}) as { message?: string; detail?: unknown };
  return {
    task_id: s.id,
    dag_id: a.name,
    index: s.index,
    state: airflowState(s),
    operator: s.kind,
    critical: s.critical,
    depends_on: s.deps.map((d) => d.step),
    try_number: s.attempts,
    execution_date: iso(a.createdAt),
    start_date: iso(s.startedAt),
    end_date: iso(s.endedAt),
    duration: s.startedAt !== null && s.endedAt !== null ? (s.endedAt - s.startedAt) / 1000 : null,
    message: result.message ?? null,
    ...(result.detail !== undefined ? { detail: result.detail } : {}),
  };
}

function dagStatus(a: ActionRecord): string {
  return { Pending: 'queued', Processing: 'running', Paused: 'paused', Complete: 'success', Failed: 'failed' }[a.lifecycle];
}

export function actionView(a: ActionRecord, steps: StepRecord[] | undefined): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    dag_id: a.name,
    parameters: a.parameters,
    action_lifecycle: a.lifecycle,
    dag_status: dagStatus(a),
    dag_execution_date: iso(a.createdAt),
    datetime: iso(a.createdAt),
    user: a.user,
    context_marker: a.contextMarker,
    committed_rev_id: a.revisionId,
    ...(steps ? { steps: steps.map((s) => stepSummary(a, s)) } : {}),
    command_audit: a.audit.map((c, i) => ({ id: `${a.id}-${i}`, action_id: a.id, command: c.command, user: c.user, datetime: iso(c.at) })),
    validations: [{ id: 'site-design', name: 'site design', status: 'Success', url: `/actions/${a.id}/validations/site-design` }],
  };
}
