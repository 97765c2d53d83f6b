/**
 * The dashboard's HTTP side: the shell at `/` and every deep link under
 * `/ui/` (public: the shell holds no data; every datum comes from the
 * authenticated APIs with the user's token), who the token is, and one
 * event stream per page carrying the resources that page watches.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { coreErrorHandler } from '../../core/index.js';
import { SSE_PING, sseFrame } from './sse.js';
import type { StaticBundle, StaticFile } from './static-files.js';
import { parseWatchPaths } from './watch-paths.js';
import type { WatchHub } from './watch-hub.js';

/** The shell runs only its own bundle: no inline script, no other origin. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface WebRoutesOptions {
  bundle?: StaticBundle;
  hub: WatchHub;
  heartbeatMs?: number;
}

/** The headers that carry a credential, copied from the stream's request into each probe. */
function credentialOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of ['authorization', 'x-auth-token']) {
    const v = req.headers[h];
    if (typeof v === 'string') out[h] = v;
  }
  return out;
}

function sendFile(req: FastifyRequest, reply: FastifyReply, f: StaticFile): FastifyReply {
  const gz = f.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  void reply
    .header('content-type', f.type)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('vary', 'accept-encoding');
  if (f.type.startsWith('text/html')) void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
  if (gz) void reply.header('content-encoding', 'gzip');
  return reply.send(gz ? f.gzip : f.body);
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Strata</title>
<p>The Strata dashboard is not built on this host. The APIs are served as usual.
Build it with <code>npm run build:web</code> (part of <code>npm start</code> and <code>npm test</code>).</p>\n`;

export function webRoutes(opts: WebRoutesOptions): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(coreErrorHandler);
    const shell = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!opts.bundle) return reply.status(404).header('content-type', 'text/html; charset=utf-8').send(NOT_BUILT);
      return sendFile(req, reply, opts.bundle.index);
    };
    app.get('/', { config: { public: true } }, shell);
    app.get('/ui', { config: { public: true } }, shell);
    app.get<{ Params: { '*': string } }>('/ui/*', { config: { public: true } }, async (req, reply) => {
      const rest = req.params['*'];
      if (rest.startsWith('api/')) {
        return reply.status(404).send({ error: { code: 'not_found', message: `no route for ${req.method} /ui/${rest.split('?')[0]}` } });
      }
      if (rest.startsWith('assets/')) {
        const f = opts.bundle?.get(rest);
        if (!f) return reply.status(404).send({ error: { code: 'not_found', message: `no asset ${rest}` } });
        return sendFile(req, reply, f);
      }
      return shell(req, reply); // a deep link: the shell routes it
    });

    app.get('/ui/api/whoami', async (req) => {
      const { name, role, project } = req.principal;
      return { name, role, project };
    });

    app.get<{ Querystring: { watch?: string | string[] } }>('/ui/api/events', async (req, reply) => {
      const paths = parseWatchPaths(req.query.watch);
      const credential = credentialOf(req);
      const identity = createHash('sha256').update(JSON.stringify(credential)).digest('hex');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      let id = 0;
      const { name, role, project } = req.principal;
      res.write('retry: 1000\n' + sseFrame('hello', { name, role, project, watching: paths }, ++id));
      const stops = paths.map((p) => opts.hub.watch(identity, p, credential, (u) => res.write(sseFrame('update', u, ++id))));
      const ping = setInterval(() => res.write(SSE_PING), opts.heartbeatMs ?? 15_000);
      const end = () => {
        clearInterval(ping);
        for (const s of stops) s();
      };
      req.raw.on('close', end);
      res.on('error', end);
    });
  };
}
