// The gate's HTTP API under /gate/api: the local review source's changes,
// the scheduler's status, builds and their logs (streamed while running),
// an exact wait-for-idle, and the configuration check. Bodies are validated
// by schema; errors use core's body ({"error": {"code", "message"}}) and bad
// input never answers 500.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { canSeeProject, coreErrorHandler, InvalidInputError, NotFoundError, type Principal } from '../../core/index.js';
import { checkConfig, type CheckResult } from '../config/index.js';
import type { BuildRecord } from '../db/state-store.js';
import type { Account } from '../model.js';
import type { GateService } from '../service.js';
import { openLogStream } from './log-stream.js';

const Params = Type.Object({ number: Type.String({ pattern: '^[0-9]{1,9}$' }) });
const BuildParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' }) });
const CreateBody = Type.Object({
  project: Type.String({ minLength: 1, maxLength: 300 }),
  branch: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  commit: Type.String({ minLength: 1, maxLength: 200 }),
  topic: Type.Optional(Type.String({ maxLength: 300 })),
}, { additionalProperties: false });
const UpdateBody = Type.Object({ commit: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const ReviewBody = Type.Object({
  labels: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' }), Type.Integer({ minimum: -2, maximum: 2 }), {
    propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' },
  })),
  message: Type.Optional(Type.String({ maxLength: 65_536 })),
}, { additionalProperties: false });
const MessageBody = Type.Union([Type.Object({ message: Type.Optional(Type.String({ maxLength: 65_536 })) }, { additionalProperties: false }), Type.Null()]);
const BuildsQuery = Type.Object({
  tenant: Type.Optional(Type.String()),
  pipeline: Type.Optional(Type.String()),
  project: Type.Optional(Type.String()),
  change: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
});
const WaitQuery = Type.Object({ timeout: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' })) });
const LogQuery = Type.Object({ follow: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')])) });

/**
 * Token projects cannot hold a slash, gate projects usually do: a token of
 * project `org` covers the gate projects `org` and `org/…`.
 */
export function canSeeGateProject(p: Principal, project: string): boolean {
  return canSeeProject(p, project) || (p.role !== 'admin' && project.startsWith(`${p.project}/`));
}

function account(p: Principal): Account {
  return { username: p.name, name: p.name };
}

/** A build as `strata gate builds --json` prints it. */
export function buildView(b: BuildRecord, logUrl: string) {
  return {
    uuid: b.id,
    job: b.job,
    pipeline: b.pipeline,
    tenant: b.tenant,
    project: b.project,
    branch: b.branch,
    ref: b.ref,
    change: b.change,
    changes: b.changes,
    result: b.result,
    status: b.status,
    voting: b.voting,
    launch_time: b.launch_time,
    start_time: b.start_time,
    end_time: b.end_time,
    duration: b.start_time !== null && b.end_time !== null ? b.end_time - b.start_time : null,
    message: b.message,
    log_url: logUrl,
    buildset: b.buildset,
  };
}

export function gateRoutes(gate: GateService): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(coreErrorHandler);

    const visibleChange = async (req: FastifyRequest, number: number) => {
      const view = await gate.source.show(number);
      if (!canSeeGateProject(req.principal, view.project)) throw new NotFoundError(`change ${number} not found`);
      return view;
    };

    // ---------------------------------------------------------- changes
    app.post<{ Body: Static<typeof CreateBody> }>('/api/changes', { schema: { body: CreateBody } }, async (req, reply) => {
      if (!canSeeGateProject(req.principal, req.body.project)) throw new NotFoundError(`project ${req.body.project} not found`);
      const created = await gate.source.createChange({ ...req.body, uploader: account(req.principal) });
      return reply.status(201).send(created);
    });

    app.get<{ Querystring: { status?: string; project?: string } }>('/api/changes', {
      schema: { querystring: Type.Object({ status: Type.Optional(Type.String({ pattern: '^([Nn][Ee][Ww]|[Mm][Ee][Rr][Gg][Ee][Dd]|[Aa][Bb][Aa][Nn][Dd][Oo][Nn][Ee][Dd])$' })), project: Type.Optional(Type.String()) }) },
    }, async (req) => {
      const list = await gate.source.list(req.query);
      return list.filter((c) => canSeeGateProject(req.principal, c.project));
    });

    app.get<{ Params: Static<typeof Params> }>('/api/changes/:number', { schema: { params: Params } }, async (req) => visibleChange(req, Number(req.params.number)));
    app.get<{ Params: Static<typeof Params> }>('/changes/:number', { schema: { params: Params } }, async (req) => visibleChange(req, Number(req.params.number)));

    app.post<{ Params: Static<typeof Params>; Body: Static<typeof UpdateBody> }>('/api/changes/:number/patchsets', { schema: { params: Params, body: UpdateBody } }, async (req, reply) => {
      const n = Number(req.params.number);
      await visibleChange(req, n);
      return reply.status(201).send(await gate.source.updateChange(n, { commit: req.body.commit, uploader: account(req.principal) }));
    });

    app.post<{ Params: Static<typeof Params>; Body: Static<typeof ReviewBody> }>('/api/changes/:number/review', { schema: { params: Params, body: ReviewBody } }, async (req) => {
      const n = Number(req.params.number);
      await visibleChange(req, n);
      await gate.source.review(n, { labels: req.body.labels, message: req.body.message, author: account(req.principal) });
      return gate.source.show(n);
    });

    app.post<{ Params: Static<typeof Params>; Body: Static<typeof MessageBody> }>('/api/changes/:number/approve', { schema: { params: Params } }, async (req) => {
      const n = Number(req.params.number);
      await visibleChange(req, n);
      await gate.source.review(n, { labels: { 'Code-Review': 2, Workflow: 1 }, message: req.body?.message, author: account(req.principal) });
      return gate.source.show(n);
    });

    for (const verb of ['abandon', 'restore'] as const) {
      app.post<{ Params: Static<typeof Params>; Body: Static<typeof MessageBody> }>(`/api/changes/:number/${verb}`, { schema: { params: Params } }, async (req) => {
        const n = Number(req.params.number);
        await visibleChange(req, n);
        await gate.source[verb](n, account(req.principal), req.body?.message ?? undefined);
        return gate.source.show(n);
      });
    }

    // ---------------------------------------------------------- scheduler
    const status = (req: FastifyRequest, tenant?: string) => {
      const s = gate.scheduler(tenant).status((b) => gate.logUrl(b));
      if (req.principal.role === 'admin') return s;
      return {
        ...s,
        pipelines: s.pipelines.map((p) => ({
          ...p,
          change_queues: p.change_queues.map((q) => ({ ...q, heads: q.heads.map((h) => h.filter((i) => canSeeGateProject(req.principal, i.project))).filter((h) => h.length) })),
        })),
      };
    };
    app.get<{ Querystring: { tenant?: string } }>('/api/status', { schema: { querystring: Type.Object({ tenant: Type.Optional(Type.String()) }) } }, async (req) => status(req, req.query.tenant));
    app.get<{ Params: { tenant: string } }>('/api/tenant/:tenant/status', async (req) => status(req, req.params.tenant));
    app.get('/api/tenants', async () => [...gate.schedulers.keys()].map((name) => ({ name })));

    app.get<{ Querystring: Static<typeof BuildsQuery> }>('/api/builds', { schema: { querystring: BuildsQuery } }, async (req) => {
      const q = req.query;
      const builds = await gate.builds({
        tenant: q.tenant, pipeline: q.pipeline, project: q.project, change: q.change === undefined ? undefined : Number(q.change),
        limit: q.limit === undefined ? undefined : Number(q.limit),
      });
      return builds.filter((b) => canSeeGateProject(req.principal, b.project)).map((b) => buildView(b, gate.logUrl(b)));
    });

    const findBuild = async (req: FastifyRequest, id: string) => {
      const [b] = await gate.builds({ id });
      if (!b || !canSeeGateProject(req.principal, b.project)) throw new NotFoundError(`build ${id} not found`);
      return b;
    };
    app.get<{ Params: Static<typeof BuildParams> }>('/api/builds/:id', { schema: { params: BuildParams } }, async (req) => {
      const b = await findBuild(req, req.params.id);
      return buildView(b, gate.logUrl(b));
    });

    app.get<{ Params: Static<typeof BuildParams>; Querystring: Static<typeof LogQuery> }>('/api/builds/:id/log', { schema: { params: BuildParams, querystring: LogQuery } }, async (req, reply) => {
      const b = await findBuild(req, req.params.id);
      return streamLog(gate, b, req, reply, req.query.follow !== 'false' && req.query.follow !== '0');
    });

    app.get<{ Querystring: Static<typeof WaitQuery> }>('/api/wait', { schema: { querystring: WaitQuery } }, async (req) => {
      const timeout = req.query.timeout === undefined ? 300 : Number(req.query.timeout);
      if (timeout > 86_400) throw new InvalidInputError('timeout is at most 86400 seconds');
      const abort = new AbortController();
      req.raw.on('close', () => abort.abort());
      const t0 = Date.now();
      const idle = await gate.waitIdle(timeout * 1000, abort.signal);
      return { idle, waited_ms: Date.now() - t0 };
    });

    app.get('/api/idle', async () => ({ idle: await gate.isIdle() }));

    // ---------------------------------------------------------- configuration
    app.addContentTypeParser(['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post('/api/config/check', async (req) => {
      const body = req.body;
      if (typeof body !== 'string' || body.length === 0) throw new InvalidInputError('send the configuration as a text/yaml body');
      const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = mkdtempSync(join(tmpdir(), 'strata-check-'));
      try {
        const file = join(dir, 'zuul.yaml');
        writeFileSync(file, body);
        const result = await checkConfig(file, { project: 'check/project', open: false });
        return checkView(result, file, 'request body');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  };
}

export function checkView(r: CheckResult, from?: string, to?: string) {
  const fix = (s: string) => (from && to ? s.split(from).join(to) : s);
  const one = (e: CheckResult['errors'][number]) => ({ ...e.toJSON(), message: fix(e.message) });
  return { target: fix(r.target), kind: r.kind, ok: r.ok, errors: r.errors.map(one), warnings: r.warnings.map(one), objects: r.objects, tenants: r.tenants };
}

/** The log file; while the build runs, what it writes next too, until it ends. */
function streamLog(gate: GateService, b: BuildRecord, req: FastifyRequest, reply: FastifyReply, follow: boolean) {
  const opened = openLogStream(gate, b.id, follow);
  if (!opened) throw new NotFoundError(`build ${b.id} has no log${b.start_time === null ? ' (it never started)' : ''}`);
  reply.header('content-type', 'text/plain; charset=utf-8');
  req.raw.on('close', () => opened.stop());
  return reply.send(opened.stream);
}

