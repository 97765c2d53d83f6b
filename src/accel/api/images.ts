/**
 * Bitstream images, Glance-shaped at /image (what Cyborg reads bitstreams
 * from, and what `openstack accelerator deployable program` looks an image
 * up in): create with metadata (Strata's `sha256` is the checksum the
 * upload must match; `bitstream_id`, `function_id`, `vendor` as Cyborg's
 * image properties), upload the bytes with PUT .../file, list, show,
 * delete. Glance's own fields (os_hash_algo/value, size, status) describe
 * the stored bytes.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ImageStore, Image } from '../images.js';
import { cyborgErrorHandler, errorBody } from './errors.js';
import { object, parseJsonBody, uuidParam } from './body.js';
import { iso } from './views.js';

function imageView(i: Image, prefix: string) {
  return {
    id: i.uuid,
    name: i.name,
    status: i.status,
    size: i.size,
    checksum: null,
    os_hash_algo: i.sha256 ? 'sha256' : null,
    os_hash_value: i.sha256,
    disk_format: 'raw',
    container_format: 'bare',
    visibility: 'shared',
    protected: false,
    owner: i.project,
    tags: [],
    bitstream_id: i.bitstreamId,
    function_id: i.functionId,
    vendor: i.vendor,
    ...(i.expectedSha256 && i.status === 'queued' ? { sha256: i.expectedSha256 } : {}),
    created_at: iso(i.createdAt).replace('+00:00', 'Z'),
    updated_at: iso(i.updatedAt).replace('+00:00', 'Z'),
    self: `/v2/images/${i.uuid}`,
    file: `/v2/images/${i.uuid}/file`,
    schema: '/v2/schemas/image',
  };
}

const versions = (req: FastifyRequest, prefix: string) => ({
  versions: [{ id: 'v2.9', status: 'CURRENT', links: [{ rel: 'self', href: `${req.protocol}://${req.headers.host ?? 'localhost'}${prefix}/v2/` }] }],
});

export function imageApi(images: ImageStore, prefix: string): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1 << 16 }, parseJsonBody);
    app.setErrorHandler(cyborgErrorHandler);
    app.setNotFoundHandler((req, reply) => void reply.status(404).send(errorBody(404, `The resource could not be found: ${req.method} ${req.url.split('?')[0]}`)));
    app.get('/', { config: { public: true } }, async (req) => versions(req, prefix));
    app.get('/versions', { config: { public: true } }, async (req) => versions(req, prefix));
    app.get('/v2/images', async (req) => {
      const q = req.query as Record<string, string>;
      return { images: (await images.list({ bitstreamId: q.bitstream_id, functionId: q.function_id })).map((i) => imageView(i, prefix)), schema: '/v2/schemas/images', first: '/v2/images' };
    });
    app.post('/v2/images', { config: { role: 'admin' } }, async (req, reply) => {
      const o = object(req.body ?? {}, 'image');
      // Glance clients send these; they are the only formats a bitstream has
      const { disk_format, container_format, visibility, ...meta } = o;
      void disk_format;
      void container_format;
      void visibility;
      const img = await images.create(req.principal.project, meta as never);
      void reply.status(201);
      return imageView(img, prefix);
    });
    app.get('/v2/images/:id', async (req) => imageView(await images.get(uuidParam((req.params as any).id, 'image')), prefix));
    app.put('/v2/images/:id/file', { config: { role: 'admin' }, bodyLimit: images.maxBytes }, async (req, reply) => {
      const id = uuidParam((req.params as any).id, 'image');
      const length = Number(req.headers['content-length']);
      if (Number.isFinite(length) && length > images.maxBytes) return reply.status(413).send(errorBody(413, `image data of ${length} bytes is larger than the ${images.maxBytes}-byte limit`));
      await images.upload(id, req.body as NodeJS.ReadableStream);
      return reply.status(204).send();
    });
    app.delete('/v2/images/:id', { config: { role: 'admin' } }, async (req, reply) => {
      await images.remove(uuidParam((req.params as any).id, 'image'));
      return reply.status(204).send();
    });
  };
}
