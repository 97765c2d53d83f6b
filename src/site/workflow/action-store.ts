/**
 * Site actions and their steps in the store. Every state write goes through
 * the lifecycle tables (states.ts) and is guarded on the state it moves
 * from, so two processes (or a runner taking over a dead one's task) never
 * both move one step.
 */
import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { moveState, NotFoundError, type Migrations } from '../../core/index.js';
import { actionMachine, actionState, stepMachine, stepState, type ActionEvent, type ActionState, type StepEvent, type StepState } from './states.js';

export const workflowMigrations: Migrations = {
  '002-workflow': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('site_actions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('lifecycle', 'text', (c) => c.notNull())
        // what an operator asked last: pause stops new steps starting; stop ends the action
        .addColumn('control', 'text', (c) => c.notNull())
        .addColumn('revision_id', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('context_marker', 'text', (c) => c.notNull())
        // the plan prepare_site computed: what the later steps touch
        .addColumn('plan', 'text')
        .addColumn('audit', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('site_action_steps')
        .addColumn('action_id', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('deps', 'text', (c) => c.notNull())
        .addColumn('critical', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('task_id', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('result', 'text')
        .addColumn('log', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addPrimaryKeyConstraint('site_action_steps_pk', ['action_id', 'step_id'])
        .execute();
    },
  },
};

export interface StepDep {
  step: string;
  /** a hard dependency must succeed; a soft one need only have ended */
  hard: boolean;
}

export interface StepDef {
  id: string;
  kind: string;
  critical: boolean;
  deps: StepDep[];
  params: Record<string, unknown>;
}

export interface StepRecord extends StepDef {
  actionId: string;
  index: number;
  state: StepState;
  taskId: string | null;
  attempts: number;
  result: unknown;
  log: string;
  startedAt: number | null;
  endedAt: number | null;
}

export interface AuditEntry {
  command: string;
  user: string;
  at: number;
}

export interface ActionRecord {
  id: string;
  name: string;
  parameters: Record<string, unknown>;
  lifecycle: ActionState;
  control: 'run' | 'pause' | 'stop';
  revisionId: number;
  user: string;
  contextMarker: string;
  plan: unknown;
  audit: AuditEntry[];
  createdAt: number;
  updatedAt: number;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID, as Shipyard names actions: time-ordered, 26 characters. */
export function ulid(now = Date.now()): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rand = [...randomBytes(16)].slice(0, 16).map((b) => CROCKFORD[b % 32]).join('');
  return time + rand;
}

const MAX_LOG = 256 * 1024;

function actionOf(r: any): ActionRecord {
  return {
    id: r.id,
    name: r.name,
    parameters: JSON.parse(r.parameters),
    lifecycle: r.lifecycle,
    control: r.control,
    revisionId: Number(r.revision_id),
    user: r.created_by,
    contextMarker: r.context_marker,
    plan: r.plan === null ? null : JSON.parse(r.plan),
    audit: JSON.parse(r.audit),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function stepOf(r: any): StepRecord {
  return {
    actionId: r.action_id,
    id: r.step_id,
    index: Number(r.idx),
    kind: r.kind,
    params: JSON.parse(r.params),
    deps: JSON.parse(r.deps),
    critical: Number(r.critical) === 1,
    state: r.state,
    taskId: r.task_id,
    attempts: Number(r.attempts),
    result: r.result === null ? null : JSON.parse(r.result),
    log: r.log,
    startedAt: r.started_at === null ? null : Number(r.started_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  };
}

export class ActionStore {
  constructor(private readonly db: Kysely<any>) {}

  async create(a: { name: string; parameters: Record<string, unknown>; revisionId: number; user: string; contextMarker?: string }, steps: StepDef[]): Promise<ActionRecord> {
    const now = Date.now();
    const id = ulid(now);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('site_actions')
        .values({
          id,
          name: a.name,
          parameters: JSON.stringify(a.parameters),
          lifecycle: actionMachine.spec.initial,
          control: 'run',
          revision_id: a.revisionId,
          created_by: a.user,
          context_marker: a.contextMarker ?? ulid(now).toLowerCase(),
          plan: null,
          audit: JSON.stringify([{ command: 'invoke', user: a.user, at: now }]),
          created_at: now,
          updated_at: now,
        })
        .execute();
      if (steps.length) {
        await trx
          .insertInto('site_action_steps')
          .values(
            steps.map((s, i) => ({
              action_id: id,
              step_id: s.id,
              idx: i + 1,
              kind: s.kind,
              params: JSON.stringify(s.params),
              deps: JSON.stringify(s.deps),
              critical: s.critical ? 1 : 0,
              state: stepMachine.spec.initial,
              log: '',
            })),
          )
          .execute();
      }
    });
    return this.get(id);
  }

  async get(id: string): Promise<ActionRecord> {
    const r = await this.db.selectFrom('site_actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new NotFoundError(`action ${id} not found`);
    return actionOf(r);
  }

  async list(): Promise<ActionRecord[]> {
    return (await this.db.selectFrom('site_actions').selectAll().orderBy('id').execute()).map(actionOf);
  }

  /** Moves the action by `event` if it is still where the table allows that from; returns it, or undefined when it had moved. */
  async move(id: string, event: ActionEvent, changes: { control?: ActionRecord['control']; audit?: AuditEntry } = {}): Promise<ActionRecord | undefined> {
    const a = await this.get(id);
    if (!actionMachine.can(a.lifecycle, event)) return undefined;
    const set = {
      updated_at: Date.now(),
      ...(changes.control ? { control: changes.control } : {}),
      ...(changes.audit ? { audit: JSON.stringify([...a.audit, changes.audit]) } : {}),
    };
    const row = await moveState(this.db, actionState, id, a.lifecycle, event, { set });
    return row ? { ...a, lifecycle: row.lifecycle } : undefined;
  }

  async setControl(id: string, control: ActionRecord['control'], audit: AuditEntry): Promise<void> {
    const a = await this.get(id);
    await this.db.updateTable('site_actions').set({ control, audit: JSON.stringify([...a.audit, audit]), updated_at: Date.now() }).where('id', '=', id).execute();
  }

  async setPlan(id: string, plan: unknown): Promise<void> {
    await this.db.updateTable('site_actions').set({ plan: JSON.stringify(plan), updated_at: Date.now() }).where('id', '=', id).execute();
  }

  async steps(actionId: string): Promise<StepRecord[]> {
    return (await this.db.selectFrom('site_action_steps').selectAll().where('action_id', '=', actionId).orderBy('idx').execute()).map(stepOf);
  }

  async step(actionId: string, stepId: string): Promise<StepRecord> {
    const r = await this.db.selectFrom('site_action_steps').selectAll().where('action_id', '=', actionId).where('step_id', '=', stepId).executeTakeFirst();
    if (!r) throw new NotFoundError(`action ${actionId} has no step ${stepId}`);
    return stepOf(r);
  }

  /** Moves a step by `event`, guarded on its current state; false when someone else moved it first. */
  async moveStep(
    actionId: string,
    stepId: string,
    event: StepEvent,
    changes: { taskId?: string; result?: unknown; trx?: Kysely<any> } = {},
  ): Promise<boolean> {
    const db = changes.trx ?? this.db;
    const s = await this.step(actionId, stepId);
    if (!stepMachine.can(s.state, event)) return false;
    const to = stepMachine.next(s.state, event);
    const now = Date.now();
    const set = {
      ...(changes.taskId ? { task_id: changes.taskId } : {}),
      ...(changes.result !== undefined ? { result: JSON.stringify(changes.result) } : {}),
      ...(event === 'start' ? { started_at: s.startedAt ?? now, attempts: s.attempts + 1 } : {}),
      ...(stepMachine.spec.states[to].stable ? { ended_at: now } : {}),
    };
    return (await moveState(db, stepState, [actionId, stepId], s.state, event, { set })) !== undefined;
  }

  async setResult(actionId: string, stepId: string, result: unknown): Promise<void> {
    await this.db.updateTable('site_action_steps').set({ result: JSON.stringify(result) }).where('action_id', '=', actionId).where('step_id', '=', stepId).execute();
  }

  /** Appends lines to a step's log (kept to its last 256 KiB). */
  async appendLog(actionId: string, stepId: string, text: string): Promise<void> {
    const s = await this.step(actionId, stepId);
    let log = s.log + text;
    if (log.length > MAX_LOG) log = log.slice(log.length - MAX_LOG);
    await this.db.updateTable('site_action_steps').set({ log }).where('action_id', '=', actionId).where('step_id', '=', stepId).execute();
  }
}
