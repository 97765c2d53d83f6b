/**
 * The sandbox HTTP API under /sandbox/api/v1 (docs/sandbox-api.md):
 * sandboxes (create, list, show, remove), execs with their output streamed
 * as NDJSON and stdin / signals / terminal sizes as separate requests,
 * files in and out as tar or single-file streams, and the one-shot run.
 * Bodies are validated strictly; errors are core's `{"error": {…}}` with the
 * library's codes, and bad input never answers 500.
 */
import AjvModule, { type ErrorObject } from 'ajv';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { InvalidInputError } from '../../core/index.js';
import { BUILTIN_RUNTIME_NAMES } from '../runtimes/index.js';
import { sandboxErrorHandler } from './errors.js';
import {
  CreateBody,
  DeleteQuery,
  ExecBody,
  ExecParams,
  FilesQuery,
  ListQuery,
  ResizeBody,
  RunBody,
  SandboxParams,
  SignalBody,
  StdinQuery,
  isSet,
} from './schemas.js';
import type { ExecStart, SandboxService } from '../service/index.js';

const Ajv = AjvModule.default ?? AjvModule;

type Req<B = unknown, P = unknown, Q = unknown> = FastifyRequest<{ Body: B; Params: P; Querystring: Q }>;

function describe(errors: ErrorObject[], dataVar: string): string {
  const e = errors[0]!;
  const where = `${dataVar}${e.instancePath.replace(/\//g, '.')}`;
  if (e.keyword === 'additionalProperties') return `${where}: unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'required') return `${where}: missing field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`;
  return `${where} ${e.message}`;
}

/** Sends an exec stream (Fastify destroys it when the client goes away, which kills the command). */
function sendFrames(reply: FastifyReply, started: ExecStart, extra: Record<string, string> = {}) {
  void reply
    .status(200)
    .headers({
      'content-type': 'application/x-ndjson',
      'cache-control': 'no-store',
      // proxies (nginx) must pass frames through as they come
      'x-accel-buffering': 'no',
      ...(started.execId ? { 'x-strata-exec': started.execId } : {}),
      ...extra,
    });
  return reply.send(started.stream);
}

export function sandboxRoutes(service: SandboxService): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: false });
    app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
    app.setSchemaErrorFormatter((errors, dataVar) => new Error(describe(errors as ErrorObject[], dataVar)));
    app.setErrorHandler(sandboxErrorHandler);
    // stdin and uploads are streamed through, never parsed or buffered
    app.addContentTypeParser(['application/octet-stream', 'application/x-tar'], (_req, payload, done) => done(null, payload));

    app.get('/v1/runtimes', async () => {
      const runtimes = await Promise.all(
        service.manager.registry.all().map(async (r) => {
          const check = await service.manager.check(r.name);
          return { name: r.name, isolation: r.isolation, description: r.description, available: check.ok, problems: check.problems, versions: check.versions };
        }),
      );
      const order = (n: string) => (BUILTIN_RUNTIME_NAMES as readonly string[]).indexOf(n);
      runtimes.sort((a, b) => order(a.name) - order(b.name));
      return { runtimes, classes: service.manager.classes.list() };
    });

    app.get('/v1/sandboxes', { schema: { querystring: ListQuery } }, async (req: Req<unknown, unknown, { project?: string }>) => ({
      sandboxes: await service.list(req.principal, { project: req.query.project }),
    }));

    app.post('/v1/sandboxes', { schema: { body: CreateBody } }, async (req: Req<CreateBody>, reply) => {
      const view = await service.create(req.principal, req.body);
      return reply.status(201).header('location', `${req.url.split('?')[0]}/${view.id}`).send(view);
    });

    app.get('/v1/sandboxes/:id', { schema: { params: SandboxParams } }, async (req: Req<unknown, { id: string }>) => service.get(req.principal, req.params.id));

    app.get('/v1/sandboxes/:id/earlier-execs', { schema: { params: SandboxParams } }, async (req: Req<unknown, { id: string }>) => service.earlierExecs(req.principal, req.params.id));

    app.get('/v1/sandboxes/:id/usage', { schema: { params: SandboxParams } }, async (req: Req<unknown, { id: string }>) => service.usage(req.principal, req.params.id));

    app.delete('/v1/sandboxes/:id', { schema: { params: SandboxParams, querystring: DeleteQuery } }, async (req: Req<unknown, { id: string }, { force?: string }>, reply) => {
      await service.remove(req.principal, req.params.id, { force: isSet(req.query.force) });
      return reply.status(204).send();
    });

    app.post('/v1/sandboxes/:id/exec', { schema: { params: SandboxParams, body: ExecBody } }, async (req: Req<ExecBody, { id: string }>, reply) => {
      const started = await service.exec(req.principal, req.params.id, req.body);
      return sendFrames(reply, started);
    });

    app.post(
      '/v1/sandboxes/:id/execs/:exec/stdin',
      { schema: { params: ExecParams, querystring: StdinQuery } },
      async (req: Req<Readable | undefined, ExecParams, { eof?: string }>) => {
        if (req.body !== undefined && req.body !== null && typeof (req.body as Readable).pipe !== 'function')
          throw new InvalidInputError('stdin is sent as the raw request body with Content-Type: application/octet-stream');
        const body: AsyncIterable<Buffer> = (req.body as IncomingMessage | undefined) ?? (async function* () {})();
        return service.stdin(req.principal, req.params.id, req.params.exec, body, isSet(req.query.eof));
      },
    );

    app.post('/v1/sandboxes/:id/execs/:exec/signal', { schema: { params: ExecParams, body: SignalBody } }, async (req: Req<SignalBody, ExecParams>, reply) => {
      await service.signal(req.principal, req.params.id, req.params.exec, req.body.signal, req.body.group ?? false);
      return reply.status(204).send();
    });

    app.post('/v1/sandboxes/:id/execs/:exec/resize', { schema: { params: ExecParams, body: ResizeBody } }, async (req: Req<ResizeBody, ExecParams>, reply) => {
      await service.resize(req.principal, req.params.id, req.params.exec, req.body.rows, req.body.cols);
      return reply.status(204).send();
    });

    app.put('/v1/sandboxes/:id/files', { schema: { params: SandboxParams, querystring: FilesQuery } }, async (req: Req<Readable | undefined, { id: string }, FilesQuery>) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!req.body || (type !== 'application/x-tar' && type !== 'application/octet-stream'))
        throw new InvalidInputError('send a tar archive (Content-Type: application/x-tar) or one file (Content-Type: application/octet-stream) as the body');
      const mode = req.query.mode === undefined ? undefined : parseInt(req.query.mode, 8);
      return service.copyIn(req.principal, req.params.id, req.query.path, req.body as IncomingMessage, type === 'application/x-tar' ? 'tar' : 'file', mode);
    });

    app.get(
      '/v1/sandboxes/:id/files',
      { schema: { params: SandboxParams, querystring: FilesQuery }, config: { role: 'member' } },
      async (req: Req<unknown, { id: string }, FilesQuery>, reply) => {
        const format = req.query.format ?? 'tar';
        const out = await service.copyOut(req.principal, req.params.id, req.query.path, format);
        const filename = format === 'tar' ? `${out.name}.tar` : out.name;
        void reply.headers({
          'content-type': format === 'tar' ? 'application/x-tar' : 'application/octet-stream',
          'x-strata-file-type': out.type,
          'content-disposition': `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
          ...(format === 'file' && out.size !== undefined ? { 'content-length': String(out.size) } : {}),
        });
        return reply.send(out.stream);
      },
    );

    app.post('/v1/run', { schema: { body: RunBody } }, async (req: Req<RunBody>, reply) => {
      const started = await service.run(req.principal, req.body);
      return sendFrames(reply, started);
    });
  };
}
