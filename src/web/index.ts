/**
 * The web dashboard as a module: its server side is the shell, `whoami` and
 * the event stream (src/web/server); its pages are a Preact app under
 * src/web/ui, one folder per module's pages, built by Vite into dist/web-ui.
 * It mounts last, so it can probe every other module's API in process.
 */
import { join } from 'node:path';
import type { StrataModule } from '../core/index.js';
import { InvalidInputError } from '../core/errors/index.js';
import { packageRoot } from '../core/host/index.js';
import { webRoutes } from './server/routes.js';
import { StaticBundle } from './server/static-files.js';
import { WatchHub, type Probe } from './server/watch-hub.js';

export { StaticBundle } from './server/static-files.js';
export { WatchHub } from './server/watch-hub.js';
export { SseParser, sseFrame } from './server/sse.js';

export const WEB_BUNDLE_DIR = () => process.env.STRATA_WEB_BUNDLE ?? join(packageRoot(), 'dist', 'web-ui');

function intervalOption(raw: unknown): number {
  if (raw === undefined) return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 50 || n > 60_000) throw new InvalidInputError(`--web-watch-interval: milliseconds between 50 and 60000 (got ${String(raw)})`);
  return n;
}

export const webModule: StrataModule = {
  name: 'web',
  async create(ctx) {
    const bundle = StaticBundle.load(WEB_BUNDLE_DIR());
    if (!bundle) ctx.log.warn({ dir: WEB_BUNDLE_DIR() }, 'the dashboard is not built: serving the APIs only (npm run build:web)');
    let inject: FastifyInjector | undefined;
    // Probes go through the whole HTTP stack (auth hook, schemas, each API's
    // own visibility rules) with the watcher's credential, never around it.
    const probe: Probe = async (path, credential) => {
      if (!inject) throw new Error('the server is not ready');
      const res = await inject({ method: 'GET', url: path, headers: { ...credential, accept: 'application/json', 'x-openstack-ironic-api-version': 'latest', 'openstack-api-version': 'accelerator latest' } });
      let body: unknown = res.body;
      try {
        body = JSON.parse(res.body);
      } catch {
        /* not JSON: sent as text */
      }
      return { status: res.statusCode, body };
    };
    const hub = new WatchHub(probe, intervalOption(ctx.config.options.webWatchInterval ?? process.env.STRATA_WEB_WATCH_INTERVAL));
    return {
      mounts: [{
        prefix: '',
        plugin: async (app, o) => {
          inject = (req) => app.inject(req);
          await webRoutes({ bundle, hub })(app, o);
        },
      }],
      async stop() {
        hub.close();
      },
    };
  },
};

type FastifyInjector = (req: { method: 'GET'; url: string; headers: Record<string, string> }) => Promise<{ statusCode: number; body: string }>;
