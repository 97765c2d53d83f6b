/**
 * dcmanager's sw-update-strategy routes under /dcmanager/v1.0: create,
 * show and delete the strategy, `actions` (apply, abort), and its steps per
 * subcloud, with dcmanager's field names. Strata's strategy types are its
 * own (`site-revision`, `release`; docs/edge-updates.md); `extra-args`
 * carries what a type needs, as dcmanager's does.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError, NotFoundError } from '../../core/index.js';
import type { Orchestrator } from './orchestrator.js';
import { STRATEGY_TYPES, type Step, type Strategies, type Strategy, type StrategyType } from './strategies.js';
import type { StepKind } from './step-kinds.js';
import type { Subclouds } from './subclouds.js';

const pyTime = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('T', ' ').replace('Z', '000'));

export function strategyView(s: Strategy) {
  return {
    id: s.id,
    type: s.type,
    'subcloud-apply-type': s.applyType,
    'max-parallel-subclouds': s.maxParallel,
    'stop-on-failure': s.stopOnFailure,
    state: s.state,
    'extra-args': s.extraArgs,
    subcloud_group: s.groupId,
    'created-at': pyTime(s.createdAt),
    'updated-at': pyTime(s.updatedAt),
  };
}

export function stepView(s: Step) {
  return {
    id: s.id,
    cloud: s.cloud,
    stage: s.stage,
    state: s.state,
    details: s.details,
    'started-at': pyTime(s.startedAt),
    'finished-at': pyTime(s.finishedAt),
    'created-at': pyTime(s.createdAt),
    'updated-at': pyTime(s.updatedAt),
  };
}

// dcmanager's client sends stop-on-failure as a string ("true") as often as a boolean.
const Bool = Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false')]);
const CreateBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64 }),
    'subcloud-apply-type': Type.Optional(Type.Union([Type.Literal('serial'), Type.Literal('parallel')])),
    'max-parallel-subclouds': Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
    'stop-on-failure': Type.Optional(Bool),
    cloud_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    subcloud_group: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    'extra-args': Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
const ActionBody = Type.Object({ action: Type.Union([Type.Literal('apply'), Type.Literal('abort')]), type: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
const TypeQuery = Type.Object({ type: Type.Optional(Type.String({ maxLength: 64 })) });

type CreateInput = {
  type: string;
  'subcloud-apply-type'?: 'serial' | 'parallel';
  'max-parallel-subclouds'?: number;
  'stop-on-failure'?: boolean | 'true' | 'false';
  cloud_name?: string;
  subcloud_group?: string;
  'extra-args'?: Record<string, unknown>;
};

export interface StrategyApiDeps {
  strategies: Strategies;
  subclouds: Subclouds;
  orchestrator: Orchestrator;
  kinds: Partial<Record<string, StepKind>>;
}

export function strategyRoutes(app: FastifyInstance, deps: StrategyApiDeps): void {
  const admin = { config: { role: 'admin' as const } };

  app.get<{ Querystring: { type?: string } }>('/v1.0/sw-update-strategy', { schema: { querystring: TypeQuery } }, async (req) => strategyView(await deps.strategies.get(req.query.type)));

  app.post<{ Body: CreateInput }>('/v1.0/sw-update-strategy', { schema: { body: CreateBody }, ...admin }, async (req) => {
    const b = req.body;
    if (!(STRATEGY_TYPES as readonly string[]).includes(b.type)) throw new InvalidInputError(`type must be one of ${STRATEGY_TYPES.join(', ')} (got "${b.type}")`);
    const kind = deps.kinds[b.type];
    if (!kind) throw new InvalidInputError(`strategies of type ${b.type} are not available on this controller`);
    if (b.cloud_name && b.subcloud_group) throw new InvalidInputError('cloud_name and subcloud_group cannot be given together');
    const group = b.subcloud_group ? await deps.subclouds.group(b.subcloud_group) : undefined;
    // Unset apply type and parallelism come from the group (the Default group without one), as dcmanager does.
    const defaults = group ?? (await deps.subclouds.group('1'));
    let candidates = await deps.subclouds.list(group ? { groupId: group.id } : {});
    if (b.cloud_name) {
      const one = await deps.subclouds.get(b.cloud_name);
      candidates = [one];
      if (one.management !== 'managed' || one.availability !== 'online') throw new InvalidInputError(`Subcloud ${one.name} must be managed and online to be updated`);
    }
    const targets = candidates.filter((s) => s.management === 'managed' && s.availability === 'online');
    const extraArgs = await kind.prepare(b['extra-args'] ?? {});
    const s = await deps.strategies.create({
      type: b.type as StrategyType,
      applyType: b['subcloud-apply-type'] ?? defaults.updateApplyType,
      maxParallel: b['max-parallel-subclouds'] ?? defaults.maxParallelSubclouds,
      stopOnFailure: b['stop-on-failure'] === undefined ? true : b['stop-on-failure'] === true || b['stop-on-failure'] === 'true',
      groupId: group?.id ?? null,
      extraArgs,
      subclouds: targets.map((t) => ({ id: t.id, name: t.name })),
    });
    return strategyView(s);
  });

  app.delete<{ Querystring: { type?: string } }>('/v1.0/sw-update-strategy', { schema: { querystring: TypeQuery }, ...admin }, async (req) =>
    strategyView(await deps.strategies.remove(await deps.strategies.get(req.query.type))),
  );

  app.post<{ Body: { action: 'apply' | 'abort'; type?: string } }>('/v1.0/sw-update-strategy/actions', { schema: { body: ActionBody }, ...admin }, async (req) => {
    const s = await deps.strategies.get(req.body.type);
    if (req.body.action === 'apply') {
      if (s.state !== 'initial') throw new InvalidInputError(`Strategy in state ${s.state} cannot be applied`);
      await deps.orchestrator.apply(s);
    } else {
      if (s.state !== 'applying') throw new InvalidInputError(`Strategy in state ${s.state} cannot be aborted`);
      await deps.orchestrator.abort(s);
    }
    return strategyView(await deps.strategies.get(s.type));
  });

  app.get<{ Querystring: { type?: string } }>('/v1.0/sw-update-strategy/steps', { schema: { querystring: TypeQuery } }, async (req) => {
    const s = await deps.strategies.get(req.query.type);
    return { 'strategy-steps': (await deps.strategies.steps(s.id)).map(stepView) };
  });

  app.get<{ Params: { cloud: string }; Querystring: { type?: string } }>(
    '/v1.0/sw-update-strategy/steps/:cloud',
    { schema: { params: Type.Object({ cloud: Type.String({ minLength: 1, maxLength: 64 }) }), querystring: TypeQuery } },
    async (req) => {
      const s = await deps.strategies.get(req.query.type);
      const step = (await deps.strategies.steps(s.id)).find((x) => x.cloud === req.params.cloud);
      if (!step) throw new NotFoundError(`Strategy step not found for ${req.params.cloud}`);
      return stepView(step);
    },
  );
}
