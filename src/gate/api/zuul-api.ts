// Zuul's REST API (zuul/web/__init__.py; what zuul-client and Zuul's web UI
// call), mounted at /api where Zuul serves it. Reads need a Strata token
// (reader and up) and show only the projects the token may see; the admin
// actions (enqueue, dequeue, promote, autohold) need a tenant admin: a
// Strata admin, or a token whose claims match one of the tenant's
// `admin-rules` (zuul-admin.ts).

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import AjvModule, { type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { coreErrorHandler, InvalidInputError, NotFoundError, type Principal } from '../../core/index.js';
import { attachConsoleStream } from './console-stream.js';
import type { JobVariant } from '../config/index.js';
import type { BuildRecord } from '../db/state-store.js';
import type { GateService } from '../service.js';
import { canSeeGateProject } from './routes.js';
import { isTenantAdmin, requireTenantAdmin } from './zuul-admin.js';

const CHANGE = '^[0-9]{1,9},[0-9]{1,4}$';
const EnqueueBody = Type.Object({
  pipeline: Type.String({ minLength: 1, maxLength: 255 }),
  change: Type.Optional(Type.String({ pattern: CHANGE })),
  ref: Type.Optional(Type.String({ pattern: '^refs/[^\\s]{1,250}$' })),
  oldrev: Type.Optional(Type.String({ pattern: '^[0-9a-f]{40}$' })),
  newrev: Type.Optional(Type.String({ pattern: '^[0-9a-f]{40}$' })),
  trigger: Type.Optional(Type.String()),
}, { additionalProperties: false });
const PromoteBody = Type.Object({
  pipeline: Type.String({ minLength: 1, maxLength: 255 }),
  changes: Type.Array(Type.String({ pattern: CHANGE }), { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false });
const AutoholdBody = Type.Object({
  job: Type.String({ minLength: 1, maxLength: 255 }),
  change: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}(,[0-9]{1,4})?$' })),
  ref: Type.Optional(Type.String({ maxLength: 255 })),
  reason: Type.String({ minLength: 1, maxLength: 1000 }),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  node_hold_expiration: Type.Optional(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });
const BuildsQuery = Type.Object({
  project: Type.Optional(Type.String()),
  pipeline: Type.Optional(Type.String()),
  change: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  job_name: Type.Optional(Type.String()),
  result: Type.Optional(Type.String()),
  uuid: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  skip: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('Z', ''));

/** A build as Zuul's /builds answers it (zuul/web BuildConverter): the ref both nested and, as older clients read it, flat. */
export function zuulBuild(b: BuildRecord, logUrl: string) {
  const [change, patchset] = b.change ? b.change.split(',').map(Number) : [null, null];
  const ref = {
    project: b.project, branch: b.branch, change, patchset, ref: b.ref, oldrev: null, newrev: null,
    ref_url: null as string | null,
  };
  return {
    _id: b.id,
    uuid: b.id,
    job_name: b.job,
    result: b.result,
    held: false,
    start_time: iso(b.start_time),
    end_time: iso(b.end_time),
    duration: b.start_time !== null && b.end_time !== null ? (b.end_time - b.start_time) / 1000 : null,
    voting: b.voting,
    log_url: logUrl,
    nodeset: null,
    error_detail: b.result && b.result !== 'SUCCESS' ? b.message : null,
    final: b.status === 'completed',
    artifacts: [],
    provides: [],
    ref,
    // Flat, as older clients read them (`ref` itself is the object above).
    project: ref.project, branch: ref.branch, change, patchset, newrev: null, oldrev: null, ref_url: null,
    pipeline: b.pipeline,
    buildset: { uuid: b.buildset },
    event_id: null,
  };
}

/** A job variant as /job/{name} shows it: what it is and does, never its secrets' data. */
function jobVariant(v: JobVariant) {
  const step = (list?: Array<{ command: string }>) => (list ?? []).map((s) => s.command);
  return {
    name: v.name,
    parent: v.parent ?? null,
    description: v.description ?? null,
    variant_description: v.variantDescription ?? null,
    source_context: { project: v.source.project, branch: v.source.branch, path: v.source.path },
    branches: (v.branches ?? []).map((b) => b.toString()),
    voting: v.voting ?? true,
    abstract: v.abstract ?? false,
    final: v.final ?? false,
    protected: v.protected ?? false,
    timeout: v.timeout ?? null,
    attempts: v.attempts ?? 3,
    tags: v.tags ?? [],
    nodeset: typeof v.nodeset === 'string' ? v.nodeset : v.nodeset ? { nodes: v.nodeset.nodes, groups: v.nodeset.groups } : null,
    pre_run: step(v.preRun),
    run: step(v.run),
    post_run: step(v.postRun),
    cleanup_run: step(v.cleanupRun),
    variables: v.vars ?? {},
    secrets: (v.secrets ?? []).map((s) => s.alias),
  };
}

export function zuulApi(gate: GateService, auth: { verify(token: string): Promise<Principal | null>; noauth: boolean }): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(coreErrorHandler);
    attachConsoleStream(app.server, gate, (t) => auth.verify(t), auth.noauth);

    const layoutOf = (tenant: string) => {
      const layout = gate.scheduler(tenant).currentLayout;
      if (!layout) throw new NotFoundError(`tenant ${tenant} has no configuration loaded yet`);
      return layout;
    };
    const projectOf = (tenant: string, name: string) => {
      const p = layoutOf(tenant).tenant.getProject(name);
      if (!p) throw new NotFoundError(`project ${name} is not in tenant ${tenant}`);
      return p;
    };
    const visible = (req: FastifyRequest, project: string) => canSeeGateProject(req.principal, project);

    app.get('/info', async () => ({ info: { capabilities: { job_history: true, auth: { realms: {}, default_realm: null } }, websocket_url: null, stats: { url: null } } }));
    // Zuul's web UI asks for the stream at this path; a plain GET gets told to upgrade.
    app.get('/tenant/:tenant/console-stream', async () => {
      throw new InvalidInputError('console-stream is a WebSocket: upgrade, then send {"uuid": BUILD, "logfile": "console.log"}');
    });

    app.get('/tenants', async () => [...gate.schedulers.entries()].map(([name, s]) => ({
      name, projects: s.currentLayout?.tenant.projects.length ?? 0, queue: s.itemCount(),
    })));

    // ---------------------------------------------------------- status
    const statusOf = (req: FastifyRequest, tenant: string) => {
      const s = gate.scheduler(tenant).status((b) => gate.logUrl(b));
      const pipelines = s.pipelines.map((p) => ({
        ...p,
        change_queues: p.change_queues.map((q) => ({ ...q, heads: q.heads.map((h) => h.filter((i) => visible(req, i.project))).filter((h) => h.length) })),
      }));
      return {
        zuul_version: 'strata', last_reconfigured: s.last_reconfigured, tenant: s.tenant, pipelines,
        trigger_event_queue: { length: 0 }, management_event_queue: { length: 0 }, result_event_queue: { length: 0 },
      };
    };
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/status', async (req) => statusOf(req, req.params.tenant));
    app.get<{ Params: { tenant: string; id: string } }>('/tenant/:tenant/status/change/:id', async (req) => {
      const items = statusOf(req, req.params.tenant).pipelines.flatMap((p) => p.change_queues.flatMap((q) => q.heads.flat()));
      return items.filter((i) => i.changes.some((c) => c.id === req.params.id || c.id.split(',')[0] === req.params.id));
    });

    // ---------------------------------------------------------- builds
    const builds = async (req: FastifyRequest, tenant: string, q: Static<typeof BuildsQuery>) => {
      gate.scheduler(tenant);
      let list = await gate.builds({ tenant, pipeline: q.pipeline, project: q.project, change: q.change === undefined ? undefined : Number(q.change), id: q.uuid });
      list = list.filter((b) => visible(req, b.project) && (!q.job_name || b.job === q.job_name) && (!q.result || b.result === q.result));
      list.sort((a, b) => (b.launch_time - a.launch_time));
      const skip = Number(q.skip ?? 0);
      return list.slice(skip, skip + Number(q.limit ?? 50));
    };
    app.get<{ Params: { tenant: string }; Querystring: Static<typeof BuildsQuery> }>('/tenant/:tenant/builds', { schema: { querystring: BuildsQuery } },
      async (req) => (await builds(req, req.params.tenant, req.query)).map((b) => zuulBuild(b, gate.logUrl(b))));
    app.get<{ Params: { tenant: string; uuid: string } }>('/tenant/:tenant/build/:uuid', async (req) => {
      const [b] = await builds(req, req.params.tenant, { uuid: req.params.uuid });
      if (!b) throw new NotFoundError(`build ${req.params.uuid} not found`);
      return zuulBuild(b, gate.logUrl(b));
    });
    const buildset = (uuid: string, list: BuildRecord[]) => {
      const done = list.every((b) => b.status === 'completed');
      const first = list[0]!;
      const [change, patchset] = first.change ? first.change.split(',').map(Number) : [null, null];
      return {
        uuid, pipeline: first.pipeline, project: first.project, branch: first.branch, change, patchset, ref: first.ref,
        result: !done ? null : list.every((b) => !b.voting || b.result === 'SUCCESS' || b.result === 'SKIPPED') ? 'SUCCESS' : 'FAILURE',
        first_build_start_time: iso(Math.min(...list.map((b) => b.start_time ?? Infinity)) === Infinity ? null : Math.min(...list.map((b) => b.start_time ?? Infinity))),
        last_build_end_time: iso(done ? Math.max(...list.map((b) => b.end_time ?? 0)) : null),
      };
    };
    app.get<{ Params: { tenant: string }; Querystring: Static<typeof BuildsQuery> }>('/tenant/:tenant/buildsets', { schema: { querystring: BuildsQuery } }, async (req) => {
      const by = new Map<string, BuildRecord[]>();
      for (const b of await builds(req, req.params.tenant, { ...req.query, limit: '10000', skip: '0' })) by.set(b.buildset, [...(by.get(b.buildset) ?? []), b]);
      const skip = Number(req.query.skip ?? 0);
      return [...by.entries()].map(([id, l]) => buildset(id, l)).slice(skip, skip + Number(req.query.limit ?? 50));
    });
    app.get<{ Params: { tenant: string; uuid: string } }>('/tenant/:tenant/buildset/:uuid', async (req) => {
      const list = (await builds(req, req.params.tenant, { limit: '10000' })).filter((b) => b.buildset === req.params.uuid);
      if (!list.length) throw new NotFoundError(`buildset ${req.params.uuid} not found`);
      return { ...buildset(req.params.uuid, list), builds: list.map((b) => zuulBuild(b, gate.logUrl(b))) };
    });

    // ---------------------------------------------------------- configuration
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/jobs', async (req) => [...layoutOf(req.params.tenant).jobs.entries()].map(([name, vs]) => ({
      name, description: vs[0]?.description ?? null, tags: [...new Set(vs.flatMap((v) => v.tags ?? []))],
      variants: vs.map((v) => ({ parent: v.parent ?? null, branches: (v.branches ?? []).map((b) => b.toString()) })),
    })));
    app.get<{ Params: { tenant: string; name: string } }>('/tenant/:tenant/job/:name', async (req) => {
      const vs = layoutOf(req.params.tenant).jobs.get(req.params.name);
      if (!vs) throw new NotFoundError(`job ${req.params.name} not found`);
      return vs.map(jobVariant);
    });
    const projectView = (p: { name: string; canonicalName: string; connection: string; trusted: boolean }) => ({
      name: p.name, canonical_name: p.canonicalName, connection_name: p.connection, type: p.trusted ? 'config' : 'untrusted',
    });
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/projects', async (req) =>
      layoutOf(req.params.tenant).tenant.projects.filter((p) => visible(req, p.name)).map(projectView));
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/pipelines', async (req) => [...layoutOf(req.params.tenant).pipelines.values()].map((p) => ({
      name: p.name, triggers: [...new Set(p.triggers.map((t) => t.connection))].map((c) => ({ name: c, driver: c === 'timer' ? 'timer' : 'local' })),
    })));
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/config-errors', async (req) => layoutOf(req.params.tenant).errors.all.map((e) => ({
      source_context: e.location?.project ? { project: e.location.project, branch: e.location.branch, path: e.location.path } : null,
      error: e.message, short_error: e.reason, severity: e.severity, name: e.code,
    })));

    // Zuul's /nodes: what nodepool holds (Strata's nodepool: metal machines and quota slots), with the requests.
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/nodes', async (req) => {
      gate.scheduler(req.params.tenant);
      const { nodes, requests } = gate.nodepool?.list() ?? { nodes: [], requests: [] };
      return {
        nodes: nodes.map((n) => ({
          id: n.id, label: [n.label], connection_type: 'strata_agent', external_id: n.metal?.uuid ?? null, provider: n.metal ? 'strata-metal' : 'strata-sandbox',
          state: n.state, state_time: n.stateTime / 1000, comment: n.error ?? null, build: n.build ?? null, hostname: n.metal?.name ?? null,
        })),
        requests: requests.map((r) => ({ id: r.id, build: r.build, labels: r.labels, state: r.state, nodes: r.nodes, created_time: r.createdAt / 1000, error: r.error ?? null })),
      };
    });

    // ---------------------------------------------------------- keys
    // zuul-client encrypt reads the project's public key here (a PEM document).
    app.get<{ Params: { tenant: string; '*': string } }>('/tenant/:tenant/key/*', async (req, reply) => {
      const m = /^(.+)\.pub$/.exec(req.params['*']);
      if (!m) throw new NotFoundError(`no such key path ${req.params['*']} (want <project>.pub)`);
      const project = projectOf(req.params.tenant, m[1]!);
      const key = await gate.keys.get(project.canonicalName);
      return reply.type('text/plain').send(key.publicPem);
    });

    // ---------------------------------------------------------- projects and their admin actions
    // Project names hold slashes: /project/org/a, /project/org/a/enqueue, …
    const split = (tail: string) => {
      const m = /^(.+?)(?:\/(enqueue|dequeue|autohold))?$/.exec(tail);
      return { project: m?.[1] ?? tail, action: m?.[2] };
    };
    app.get<{ Params: { tenant: string; '*': string } }>('/tenant/:tenant/project/*', async (req) => {
      const { project, action } = split(req.params['*']);
      if (action) throw new NotFoundError(`GET ${action} is not an API (POST it)`);
      const p = projectOf(req.params.tenant, project);
      if (!visible(req, p.name)) throw new NotFoundError(`project ${project} is not in tenant ${req.params.tenant}`);
      const layout = layoutOf(req.params.tenant);
      const configs = [...layout.pipelines.keys()].flatMap((pl) => p.branches.map((branch) => ({ pl, branch, c: layout.getProjectPipelineConfig({ project: p.name, branch }, pl) })))
        .filter((x) => x.c).map((x) => ({ pipeline: x.pl, branch: x.branch, jobs: x.c!.jobs ? [...x.c!.jobs.keys()] : [] }));
      return { ...projectView(p), configs };
    });
    app.post<{ Params: { tenant: string; '*': string } }>('/tenant/:tenant/project/*', async (req) => {
      const { project, action } = split(req.params['*']);
      if (!action) throw new NotFoundError('POST a project\'s enqueue, dequeue or autohold');
      const tenant = req.params.tenant;
      const p = projectOf(tenant, project);
      requireTenantAdmin(gate, tenant, req.principal);
      if (action === 'autohold') {
        const body = validate(AutoholdBody, req.body, 'autohold');
        if (!layoutOf(tenant).jobs.has(body.job)) throw new InvalidInputError(`job ${body.job} is not defined in tenant ${tenant}`);
        return gate.autoholds.create({
          tenant, project: p.name, job: body.job, refFilter: body.change ? `refs/changes/.*/${body.change.split(',')[0]}/.*` : body.ref ?? '.*',
          reason: body.reason, count: body.count ?? 1, nodeExpiration: body.node_hold_expiration ?? 86_400, by: req.principal.name,
        });
      }
      const body = validate(EnqueueBody, req.body, action);
      await gate.adminEvent(tenant, action === 'enqueue' ? 'admin-enqueue' : 'admin-dequeue', { ...body, project: p.name }, req.principal);
      return true;
    });
    // What Zuul's web UI asks before showing its admin actions (zuul/web's tenant_authorizations).
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/authorizations', async (req) => {
      gate.scheduler(req.params.tenant);
      return { zuul: { admin: isTenantAdmin(gate, req.params.tenant, req.principal), scope: [req.params.tenant] } };
    });
    app.post<{ Params: { tenant: string } }>('/tenant/:tenant/promote', async (req) => {
      const tenant = req.params.tenant;
      requireTenantAdmin(gate, tenant, req.principal);
      const body = validate(PromoteBody, req.body, 'promote');
      await gate.adminEvent(tenant, 'admin-promote', body, req.principal);
      return true;
    });
    app.get<{ Params: { tenant: string } }>('/tenant/:tenant/autohold', async (req) => {
      gate.scheduler(req.params.tenant);
      return (await gate.autoholds.list(req.params.tenant)).filter((a) => visible(req, a.project));
    });
    app.get<{ Params: { tenant: string; id: string } }>('/tenant/:tenant/autohold/:id', async (req) => {
      const a = await gate.autoholds.get(req.params.tenant, req.params.id);
      if (!a || !visible(req, a.project)) throw new NotFoundError(`autohold request ${req.params.id} not found`);
      return a;
    });
    app.delete<{ Params: { tenant: string; id: string } }>('/tenant/:tenant/autohold/:id', async (req, reply) => {
      requireTenantAdmin(gate, req.params.tenant, req.principal);
      if (!(await gate.autoholds.remove(req.params.tenant, req.params.id))) throw new NotFoundError(`autohold request ${req.params.id} not found`);
      return reply.status(204).send();
    });
  };
}

const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const ajv = new (Ajv as any)({ allErrors: false, strict: false }) as import('ajv').default;
const compiled = new Map<unknown, ValidateFunction>();

/** One route serves several actions (project names hold slashes), so bodies are checked here, saying what and where. */
function validate<T extends TSchema>(schema: T, body: unknown, what: string): Static<T> {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(schema)));
  if (!v(body)) {
    const e = v.errors![0]!;
    throw new InvalidInputError(`${what}${e.instancePath.replace(/\//g, '.')}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`);
  }
  return body as Static<T>;
}
