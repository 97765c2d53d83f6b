/**
 * dcmanager's API at /dcmanager/v1.0 on a system controller: subclouds,
 * subcloud groups and the per-subcloud alarm summary, with dcmanager's
 * field names (its mix of `availability-status` and `sync_status`
 * included) and times as Python prints them. Strata's one deliberate
 * difference (docs/edge-dcmanager.md): a subcloud is added as an existing
 * Strata server, `{name, endpoint, token, group_id?, description?,
 * location?}`, instead of StarlingX's bootstrap and install payload.
 * Errors are wsme's body, as the fm API's.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { FaultReporter } from '../../core/index.js';
import { errorBody, fmErrorHandler } from '../fm/api.js';
import { offlineEntity, syncEntity } from './audit-step.js';
import type { Subcloud, SubcloudGroup, Subclouds } from './subclouds.js';
import { ENDPOINT_TYPES, overallSync, type SyncStatus } from './sync-digest.js';

export const DCMANAGER_PREFIX = '/dcmanager';

/** Python's str(datetime): `2021-10-04 15:04:13.045000`. */
const pyTime = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('T', ' ').replace('Z', '000'));

export function subcloudView(s: Subcloud) {
  const endpoint_sync_status = ENDPOINT_TYPES.filter((t) => t in s.endpointSync).map((t) => ({ sync_status: (s.endpointSync[t] ?? 'unknown') as SyncStatus, endpoint_type: t }));
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    location: s.location,
    'software-version': s.softwareVersion,
    'management-state': s.management,
    'availability-status': s.availability,
    'deploy-status': s.deployStatus,
    'backup-status': null,
    'backup-datetime': null,
    'prestage-status': null,
    'region-name': s.name,
    'openstack-installed': false,
    group_id: s.groupId,
    'created-at': pyTime(s.createdAt),
    'updated-at': pyTime(s.updatedAt),
    data_install: null,
    data_upgrade: null,
    sync_status: overallSync(endpoint_sync_status.map((e) => e.sync_status)),
    endpoint_sync_status,
    // Strata additions: where the subcloud is reached, and the last audit's error.
    endpoint: s.endpoint,
    'last-audit-at': pyTime(s.lastAuditAt),
    error_description: s.lastError ?? 'No errors present',
  };
}

export function groupView(g: SubcloudGroup) {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    update_apply_type: g.updateApplyType,
    max_parallel_subclouds: g.maxParallelSubclouds,
    'created-at': pyTime(g.createdAt),
    'updated-at': pyTime(g.updatedAt),
  };
}

const Ref = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64 }) });
const text = (max: number) => Type.String({ maxLength: max });
const AddBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    endpoint: Type.String({ minLength: 1, maxLength: 2000 }),
    token: Type.String({ minLength: 1, maxLength: 500 }),
    group_id: Type.Optional(Type.Integer({ minimum: 1 })),
    description: Type.Optional(text(255)),
    location: Type.Optional(text(255)),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    'management-state': Type.Optional(Type.Union([Type.Literal('managed'), Type.Literal('unmanaged')])),
    description: Type.Optional(text(255)),
    location: Type.Optional(text(255)),
    group_id: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const ApplyType = Type.Union([Type.Literal('serial'), Type.Literal('parallel')]);
const GroupBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    description: Type.Optional(text(255)),
    update_apply_type: Type.Optional(ApplyType),
    max_parallel_subclouds: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const GroupPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    description: Type.Optional(text(255)),
    update_apply_type: Type.Optional(ApplyType),
    max_parallel_subclouds: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

type AddInput = { name: string; endpoint: string; token: string; group_id?: number; description?: string; location?: string };

export function dcmanagerApi(deps: { subclouds: Subclouds; faults: FaultReporter; onChange?: () => void; more?: (app: FastifyInstance) => void }): FastifyPluginAsync {
  const { subclouds } = deps;
  return async (app: FastifyInstance) => {
    app.setErrorHandler(fmErrorHandler);
    app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody(404, `The resource could not be found: ${req.method} ${req.url}`)));
    const admin = { config: { role: 'admin' as const } };

    app.get('/', { config: { public: true } }, async () => ({ versions: [{ id: 'v1.0', status: 'CURRENT', links: [{ rel: 'self', href: '/dcmanager/v1.0/' }] }] }));

    // ------------------------------------------------------------ subclouds
    app.get('/v1.0/subclouds', async () => ({ subclouds: (await subclouds.list()).map(subcloudView) }));
    app.post<{ Body: AddInput }>('/v1.0/subclouds', { schema: { body: AddBody }, ...admin }, async (req) => {
      const s = await subclouds.add(req.body);
      deps.onChange?.();
      return subcloudView(s);
    });
    app.get<{ Params: { ref: string } }>('/v1.0/subclouds/:ref', { schema: { params: Ref } }, async (req) => subcloudView(await subclouds.get(req.params.ref)));
    app.get<{ Params: { ref: string } }>('/v1.0/subclouds/:ref/detail', { schema: { params: Ref } }, async (req) => subcloudView(await subclouds.get(req.params.ref)));
    app.patch<{ Params: { ref: string }; Body: Record<string, unknown> }>('/v1.0/subclouds/:ref', { schema: { params: Ref, body: PatchBody }, ...admin }, async (req) => {
      const b = req.body as { 'management-state'?: 'managed' | 'unmanaged'; description?: string; location?: string; group_id?: number };
      const management = b['management-state'] === undefined ? undefined : b['management-state'] === 'managed' ? ('manage' as const) : ('unmanage' as const);
      const s = await subclouds.update(req.params.ref, { management, description: b.description, location: b.location, group_id: b.group_id });
      // A subcloud just managed is audited (and synced) at once rather than a period later.
      if (management === 'manage') deps.onChange?.();
      return subcloudView(s);
    });
    app.delete<{ Params: { ref: string } }>('/v1.0/subclouds/:ref', { schema: { params: Ref }, ...admin }, async (req, reply) => {
      const s = await subclouds.remove(req.params.ref);
      await deps.faults.clear('280.001', offlineEntity(s.name));
      for (const t of ENDPOINT_TYPES) await deps.faults.clear('280.002', syncEntity(s.name, t));
      return reply.status(204).send();
    });

    // ------------------------------------------------------------ groups
    app.get('/v1.0/subcloud-groups', async () => ({ subcloud_groups: (await subclouds.groups()).map(groupView) }));
    app.post<{ Body: { name: string } }>('/v1.0/subcloud-groups', { schema: { body: GroupBody }, ...admin }, async (req) => groupView(await subclouds.addGroup(req.body)));
    app.get<{ Params: { ref: string } }>('/v1.0/subcloud-groups/:ref', { schema: { params: Ref } }, async (req) => groupView(await subclouds.group(req.params.ref)));
    app.get<{ Params: { ref: string } }>('/v1.0/subcloud-groups/:ref/subclouds', { schema: { params: Ref } }, async (req) => {
      const g = await subclouds.group(req.params.ref);
      return { subclouds: (await subclouds.list({ groupId: g.id })).map(subcloudView) };
    });
    app.patch<{ Params: { ref: string }; Body: Record<string, unknown> }>('/v1.0/subcloud-groups/:ref', { schema: { params: Ref, body: GroupPatch }, ...admin }, async (req) =>
      groupView(await subclouds.updateGroup(req.params.ref, req.body)),
    );
    app.delete<{ Params: { ref: string } }>('/v1.0/subcloud-groups/:ref', { schema: { params: Ref }, ...admin }, async (req, reply) => {
      await subclouds.removeGroup(req.params.ref);
      return reply.status(204).send();
    });

    // ------------------------------------------------------------ sw-update-strategy (strategy-api.ts)
    deps.more?.(app);

    // ------------------------------------------------------------ alarms
    app.get('/v1.0/alarms', async () => ({
      alarm_summary: (await subclouds.list()).map((s) => {
        const a = s.availability === 'online' ? s.alarmSummary : null;
        return {
          uuid: `subcloud-${s.id}`,
          region_name: s.name,
          cloud_status: a ? (a.status === 'OK' ? 'OK' : a.status) : 'disabled',
          critical_alarms: a?.critical ?? -1,
          major_alarms: a?.major ?? -1,
          minor_alarms: a?.minor ?? -1,
          warnings: a?.warnings ?? -1,
        };
      }),
    }));
  };
}
