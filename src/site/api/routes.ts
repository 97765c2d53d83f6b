/**
 * The Deckhand v1.0 API as a Fastify plugin, routes as in Deckhand's
 * deckhand/service.py. Every error, including authentication failures and
 * unknown paths, answers with Deckhand's Status document.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError, classify } from '../../core/index.js';
import { RevisionNotFound } from '../revisions/index.js';
import { statusBody } from './errors.js';
import { queryParams } from './filters.js';
import { ACCEPTED_BODY_TYPES, UnsupportedMediaType, send } from './media.js';
import { parseRevisionId, type DeckhandService } from './service.js';

type Params = Record<string, string>;

/** The externally visible base of the API, for the `url` fields Deckhand puts in revisions. */
function baseUrl(req: FastifyRequest): string {
  const host = req.headers.host ?? 'localhost';
  return `${req.protocol}://${host}${req.url.slice(0, req.url.indexOf('/api/v1.0') + '/api/v1.0'.length)}`;
}

function bodyText(req: FastifyRequest): string {
  return typeof req.body === 'string' ? req.body : '';
}

export function deckhandPlugin(service: DeckhandService): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(ACCEPTED_BODY_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.addContentTypeParser('*', (req, _payload, done) => {
      const type = req.headers['content-type'];
      done(type ? new UnsupportedMediaType(type) : new InvalidInputError('Missing header value: The Content-Type header is required.'), undefined);
    });

    app.setErrorHandler((err, req, reply) => {
      const e = classify(err);
      if (e.status >= 500) req.log.error({ err }, 'deckhand request failed');
      return send(req, reply, e.status, statusBody(err));
    });
    app.setNotFoundHandler((req, reply) =>
      send(req, reply, 404, statusBody(Object.assign(new Error(`The requested resource ${req.method} ${req.url.split('?')[0]} was not found`), { statusCode: 404 }))),
    );

    const v1 = '/api/v1.0';
    const rev = (req: FastifyRequest) => parseRevisionId((req.params as Params).revision_id);
    const q = (req: FastifyRequest) => queryParams(req.url);

    app.get('/versions', { config: { public: true } }, async (req, reply) =>
      send(req, reply, 200, { 'v1.0': { path: '/api/v1.0', status: 'stable' } }),
    );
    app.get(`${v1}/health`, { config: { public: true } }, async (req, reply) => send(req, reply, 204));

    app.put(`${v1}/buckets/:bucket/documents`, async (req, reply: FastifyReply) => {
      const renderCheck = ['true', '1', 'yes'].includes(String((req.query as Record<string, unknown>).render ?? '').toLowerCase());
      const out = await service.putBucket((req.params as Params).bucket, bodyText(req), req.principal, { renderCheck });
      reply.header('x-strata-revision', String(out.revision)).header('x-strata-revision-created', String(out.created));
      return send(req, reply, 200, out.body);
    });

    app.get(`${v1}/revisions`, async (req, reply) => send(req, reply, 200, await service.listRevisions(q(req))));
    app.delete(`${v1}/revisions`, { config: { role: 'admin' } }, async (req, reply) => {
      await service.purge();
      return send(req, reply, 204);
    });
    app.get(`${v1}/revisions/:revision_id`, async (req, reply) => {
      const id = rev(req);
      if (id === 0) throw new RevisionNotFound(0);
      return send(req, reply, 200, await service.showRevision(id, baseUrl(req)));
    });
    app.get(`${v1}/revisions/:revision_id/documents`, async (req, reply) =>
      send(req, reply, 200, await service.revisionDocuments(rev(req), q(req), req.principal)),
    );
    app.get(`${v1}/revisions/:revision_id/rendered-documents`, async (req, reply) =>
      send(req, reply, 200, await service.renderedDocuments(rev(req), q(req), req.principal)),
    );
    app.get(`${v1}/revisions/:revision_id/diff/:other`, async (req, reply) =>
      send(req, reply, 200, await service.diff(rev(req), parseRevisionId((req.params as Params).other), false)),
    );
    app.get(`${v1}/revisions/:revision_id/deepdiff/:other`, async (req, reply) =>
      send(req, reply, 200, await service.diff(rev(req), parseRevisionId((req.params as Params).other), true)),
    );

    app.get(`${v1}/revisions/:revision_id/tags`, async (req, reply) => send(req, reply, 200, await service.listTags(rev(req))));
    app.delete(`${v1}/revisions/:revision_id/tags`, async (req, reply) => {
      await service.store().deleteTags(rev(req));
      return send(req, reply, 204);
    });
    app.post(`${v1}/revisions/:revision_id/tags/:tag`, async (req, reply) =>
      send(req, reply, 201, await service.putTag(rev(req), (req.params as Params).tag, bodyText(req))),
    );
    app.get(`${v1}/revisions/:revision_id/tags/:tag`, async (req, reply) => send(req, reply, 200, await service.showTag(rev(req), (req.params as Params).tag)));
    app.delete(`${v1}/revisions/:revision_id/tags/:tag`, async (req, reply) => {
      await service.store().deleteTag(rev(req), (req.params as Params).tag);
      return send(req, reply, 204);
    });

    app.get(`${v1}/revisions/:revision_id/validations`, async (req, reply) => send(req, reply, 200, await service.listValidations(rev(req))));
    app.get(`${v1}/revisions/:revision_id/validations/detail`, async (req, reply) => send(req, reply, 200, await service.validationDetails(rev(req))));
    app.post(`${v1}/revisions/:revision_id/validations/:name`, async (req, reply) =>
      send(req, reply, 201, await service.addValidation(rev(req), (req.params as Params).name, bodyText(req))),
    );
    app.get(`${v1}/revisions/:revision_id/validations/:name`, async (req, reply) =>
      send(req, reply, 200, await service.validationEntries(rev(req), (req.params as Params).name)),
    );
    app.get(`${v1}/revisions/:revision_id/validations/:name/entries/:entry_id`, async (req, reply) => {
      const p = req.params as Params;
      return send(req, reply, 200, await service.validationEntry(rev(req), p.name, p.entry_id));
    });

    app.post(`${v1}/rollback/:revision_id`, async (req, reply) => send(req, reply, 201, await service.rollback(rev(req), req.principal, baseUrl(req))));
  };
}
