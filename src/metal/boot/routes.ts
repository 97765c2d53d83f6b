/**
 * The HTTP side of network boot, registered inside the Ironic-compatible API
 * plugin (so under /baremetal/boot/…):
 *
 * - `GET boot.ipxe` (public): the chain script DHCP names; it asks for
 *   `pxelinux.cfg/<mac>` for each NIC (Ironic's layout);
 * - `GET pxelinux.cfg/<mac>` (public): the script prepared for the node that
 *   owns that MAC, and nothing for any other MAC, so a machine on the
 *   provisioning network learns only what it would boot itself;
 * - `GET|HEAD images/<name>` (public): kernels and ramdisks Strata serves;
 *   `GET images` (reader) lists them, `PUT|DELETE images/<name>` (admin)
 *   manage them.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { InvalidInputError, NotFoundError } from '../../core/index.js';
import type { AgentNodeStore } from '../agent/ports.js';
import type { BootImages } from './boot-images.js';
import type { HttpBootStore } from './http-boot-store.js';
import { renderChainScript } from './ipxe-script.js';
import { normalizeMac } from './mac.js';

export interface BootRoutesOptions {
  store: HttpBootStore;
  images: BootImages;
  nodes: Pick<AgentNodeStore, 'findByPortAddresses'>;
}

export function bootRoutes(opts: BootRoutesOptions | (() => BootRoutesOptions)): FastifyPluginAsync {
  const get = typeof opts === 'function' ? opts : () => opts;
  return async (app) => {
    // Uploads are streamed to disk, not buffered: bypass the JSON body limit.
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

    app.get('/boot/boot.ipxe', { config: { public: true } }, async (req, reply) => {
      // Built from the URL this client used, so the per-MAC URLs reach the same server.
      const here = new URL(req.url, `${req.protocol}://${req.host}`);
      const script = renderChainScript({ perMacUrlPrefix: new URL('pxelinux.cfg/', here).href });
      return reply.type('text/plain; charset=utf-8').send(script);
    });

    app.get<{ Params: { mac: string } }>('/boot/pxelinux.cfg/:mac', { config: { public: true } }, async (req, reply) => {
      const mac = normalizeMac(req.params.mac.replace(/^01-/, ''));
      if (!mac) throw new InvalidInputError(`${JSON.stringify(req.params.mac)} is not a MAC address`);
      const node = await get().nodes.findByPortAddresses([mac]);
      const script = node ? get().store.read(node.uuid) : null;
      if (!script) throw new NotFoundError(`no boot script is prepared for ${mac}`);
      req.log.info({ mac, node: node!.uuid }, 'serving a boot script');
      return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(script);
    });

    app.get('/boot/images', async () => ({ images: get().images.list() }));

    app.get<{ Params: { name: string } }>('/boot/images/:name', { config: { public: true } }, async (req, reply) => {
      const { info, stream } = get().images.open(req.params.name);
      return reply.type('application/octet-stream').header('content-length', String(info.size)).header('last-modified', new Date(info.updated_at).toUTCString()).send(stream);
    });

    app.put<{ Params: { name: string } }>('/boot/images/:name', { config: { role: 'admin' } }, async (req, reply) => {
      if (!req.body || typeof (req.body as Readable).pipe !== 'function') {
        throw new InvalidInputError('send the image as the request body with Content-Type: application/octet-stream');
      }
      const info = await get().images.put(req.params.name, req.body as Readable);
      return reply.status(201).send(info);
    });

    app.delete<{ Params: { name: string } }>('/boot/images/:name', { config: { role: 'admin' } }, async (req, reply) => {
      get().images.remove(req.params.name);
      return reply.status(204).send();
    });
  };
}
