/**
 * The system controller's sw-update-strategy records (dcmanager's
 * `sw_update_strategy` and `strategy_steps`): at most one strategy at a
 * time, its steps one per subcloud. Every state change is checked against
 * the tables in strategy-machines.ts and written as a conditional UPDATE
 * on the state it leaves, so a stale caller changes nothing.
 */
import type { Kysely, Transaction } from 'kysely';
import { ConflictError, InvalidInputError, NotFoundError, isUniqueViolation, json, moveState, parseJson } from '../../core/index.js';
import { stepState, strategyMachine, strategyState, type StepEvent, type StepState, type StrategyEvent, type StrategyState } from './strategy-machines.js';

export const STRATEGY_TYPES = ['site-revision', 'release'] as const;
export type StrategyType = (typeof STRATEGY_TYPES)[number];

interface StrategyRow {
  id: number;
  type: string;
  state: string;
  subcloud_apply_type: string;
  max_parallel_subclouds: number;
  stop_on_failure: number;
  group_id: number | null;
  extra_args: string;
  created_at: number;
  updated_at: number | null;
}

interface StepRow {
  id: number;
  strategy_id: number;
  subcloud_id: number;
  cloud: string;
  stage: number;
  state: string;
  details: string;
  started_at: number | null;
  finished_at: number | null;
  created_at: number;
  updated_at: number | null;
}

interface Tables {
  edge_strategies: StrategyRow;
  edge_strategy_steps: StepRow;
}

export interface Strategy {
  id: number;
  type: StrategyType;
  state: StrategyState;
  applyType: 'serial' | 'parallel';
  maxParallel: number;
  stopOnFailure: boolean;
  groupId: number | null;
  extraArgs: Record<string, unknown>;
  createdAt: number;
  updatedAt: number | null;
}

export interface Step {
  id: number;
  strategyId: number;
  subcloudId: number;
  cloud: string;
  stage: number;
  state: StepState;
  details: string;
  startedAt: number | null;
  finishedAt: number | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface NewStrategy {
  type: StrategyType;
  applyType: 'serial' | 'parallel';
  maxParallel: number;
  stopOnFailure: boolean;
  groupId: number | null;
  extraArgs: Record<string, unknown>;
  subclouds: readonly { id: number; name: string }[];
}

export class Strategies {
  private readonly db: Kysely<Tables>;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Tables>;
  }

  async create(n: NewStrategy): Promise<Strategy> {
    if (n.subclouds.length === 0) throw new InvalidInputError('no subclouds to update: the strategy needs managed, online subclouds (in the group, if one is given)');
    const now = Date.now();
    // Steps in a stage run together: stage 1 holds the first max-parallel (1 when serial), and so on, as dcmanager numbers them.
    const perStage = n.applyType === 'serial' ? 1 : Math.max(1, n.maxParallel);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('edge_strategies').select(['type', 'state']).executeTakeFirst();
        if (existing) throw new ConflictError(`a strategy of type ${existing.type} already exists (state ${existing.state}): delete it first`);
        const row = await trx
          .insertInto('edge_strategies')
          .values({
            type: n.type, state: strategyMachine.spec.initial, subcloud_apply_type: n.applyType, max_parallel_subclouds: n.maxParallel,
            stop_on_failure: n.stopOnFailure ? 1 : 0, group_id: n.groupId, extra_args: json(n.extraArgs), created_at: now, updated_at: null,
          } as Omit<StrategyRow, 'id'> as StrategyRow)
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('edge_strategy_steps')
          .values(
            n.subclouds.map((s, i) => ({
              strategy_id: row.id, subcloud_id: s.id, cloud: s.name, stage: 1 + Math.floor(i / perStage), state: stepState.machine.spec.initial,
              details: '', started_at: null, finished_at: null, created_at: now, updated_at: null,
            })) as Omit<StepRow, 'id'>[] as StepRow[],
          )
          .execute();
        return toStrategy(row);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`a strategy of type ${n.type} already exists`);
      throw err;
    }
  }

  /** The strategy (of that type, when given); undefined when there is none. */
  async find(type?: string): Promise<Strategy | undefined> {
    let q = this.db.selectFrom('edge_strategies').selectAll();
    if (type !== undefined) q = q.where('type', '=', type);
    const row = await q.orderBy('id').executeTakeFirst();
    return row && toStrategy(row);
  }

  async get(type?: string): Promise<Strategy> {
    const s = await this.find(type);
    if (!s) throw new NotFoundError(type ? `Strategy of type '${type}' not found` : 'Strategy not found');
    return s;
  }

  async byId(id: number): Promise<Strategy | undefined> {
    const row = await this.db.selectFrom('edge_strategies').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toStrategy(row);
  }

  /** Strategies the orchestrator must drive (after a restart, all of them). */
  async active(): Promise<Strategy[]> {
    const rows = await this.db.selectFrom('edge_strategies').selectAll().where('state', 'in', ['applying', 'abort-requested', 'aborting']).execute();
    return rows.map(toStrategy);
  }

  async steps(strategyId: number): Promise<Step[]> {
    return (await this.db.selectFrom('edge_strategy_steps').selectAll().where('strategy_id', '=', strategyId).orderBy('id').execute()).map(toStep);
  }

  async step(id: number): Promise<Step | undefined> {
    const row = await this.db.selectFrom('edge_strategy_steps').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toStep(row);
  }

  /** Moves the strategy by `event`; false (and nothing written) when it was no longer in `from`. */
  async transition(s: Strategy, event: StrategyEvent): Promise<boolean> {
    return (await moveState(this.db, strategyState, s.id, s.state, event, { set: { updated_at: Date.now() } })) !== undefined;
  }

  /** Moves one step by `event` from the state it is in; false when another writer moved it first. */
  async moveStep(step: Pick<Step, 'id' | 'state'>, event: StepEvent, details: string, trx?: Transaction<any>): Promise<boolean> {
    const now = Date.now();
    const set: Partial<StepRow> = { details: details.slice(0, 1000), updated_at: now };
    if (event === 'start') set.started_at = now;
    else set.finished_at = now;
    return (await moveState(trx ?? this.db, stepState, step.id, step.state, event, { set })) !== undefined;
  }

  async setDetails(stepId: number, details: string): Promise<void> {
    await this.db.updateTable('edge_strategy_steps').set({ details: details.slice(0, 1000), updated_at: Date.now() }).where('id', '=', stepId).execute();
  }

  /** dcmanager's delete: only a strategy at rest; it passes through `deleting` and is gone. */
  async remove(s: Strategy): Promise<Strategy> {
    if (!strategyMachine.events(s.state).includes('delete')) throw new InvalidInputError(`Strategy in state ${s.state} cannot be deleted`);
    await this.db.transaction().execute(async (trx) => {
      if (!(await moveState(trx, strategyState, s.id, s.state, 'delete', { set: { updated_at: Date.now() } }))) throw new ConflictError('the strategy changed meanwhile: try again');
      await trx.deleteFrom('edge_strategy_steps').where('strategy_id', '=', s.id).execute();
      await trx.deleteFrom('edge_strategies').where('id', '=', s.id).execute();
    });
    return { ...s, state: 'deleting' };
  }

  transaction<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn as (trx: Transaction<Tables>) => Promise<T>);
  }
}

function toStrategy(r: StrategyRow): Strategy {
  return {
    id: Number(r.id), type: r.type as StrategyType, state: r.state as StrategyState, applyType: r.subcloud_apply_type as 'serial' | 'parallel',
    maxParallel: Number(r.max_parallel_subclouds), stopOnFailure: Number(r.stop_on_failure) === 1, groupId: r.group_id === null ? null : Number(r.group_id),
    extraArgs: parseJson(r.extra_args, {}), createdAt: Number(r.created_at), updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}

function toStep(r: StepRow): Step {
  return {
    id: Number(r.id), strategyId: Number(r.strategy_id), subcloudId: Number(r.subcloud_id), cloud: r.cloud, stage: Number(r.stage), state: r.state as StepState,
    details: r.details, startedAt: r.started_at === null ? null : Number(r.started_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    createdAt: Number(r.created_at), updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}
