/**
 * The composition root: builds the all-in-one Strata process from core and
 * the modules, in one place, so every other file can stay ignorant of how
 * the whole is wired.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  createHttpServer,
  createLogger,
  createMetrics,
  coreMigrations,
  isLoopback,
  InvalidInputError,
  migrate,
  openStore,
  SecretBox,
  Services,
  TaskRunner,
  TaskStore,
  TokenService,
  tokenRoutes,
  secretKeyRoutes,
  verifySecretKey,
  type Logger,
  type ModuleInstance,
  type ServerConfig,
  type StopOptions,
  type Store,
  type StrataModule,
} from './core/index.js';
import { loadModules } from './modules.js';

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  log: Logger;
  /** What modules provided (the fm service, the conductor, …): for tests and embedding. */
  services: Services;
  tasks: TaskRunner;
  /** Set on the first start of a data directory: where the admin token was written. */
  adminTokenFile?: string;
  /**
   * Stops the server. With `handover`, work that can outlive it is left
   * running for the next server on this data directory to take over
   * (supervised sandboxes; in-flight deploys resume through takeover); with
   * `drainMs`, it stops listening first and lets running tasks finish.
   */
  close(opts?: StopOptions & { drainMs?: number }): Promise<void>;
}

export const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version as string;

export async function startServer(
  config: ServerConfig,
  opts: { modules?: StrataModule[]; log?: Logger } = {},
): Promise<RunningServer> {
  const modules = opts.modules ?? (await loadModules());
  if (config.noauth && !isLoopback(config.listen.host)) {
    throw new InvalidInputError(`--noauth is accepted only when listening on loopback (got ${config.listen.host})`);
  }
  const log = opts.log ?? createLogger({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config.database);
  const instances: ModuleInstance[] = [];
  let runner: TaskRunner | undefined;
  let app: FastifyInstance | undefined;
  try {
    await migrate(store, { core: coreMigrations, ...Object.fromEntries(modules.filter((m) => m.migrations).map((m) => [m.name, m.migrations!])) });
    const secrets = SecretBox.load(config.dataDir);
    await verifySecretKey(store, secrets);
    const tokens = new TokenService(store);
    const adminTokenFile = await bootstrapAdminToken(tokens, config.dataDir);

    const metrics = createMetrics();
    runner = new TaskRunner(new TaskStore(store), { log });
    app = createHttpServer({
      log,
      tokens,
      noauth: config.noauth,
      metrics,
      bodyLimit: config.bodyLimit,
      health: async () => ({ version: VERSION, store: store.dialect, modules: modules.map((m) => m.name) }),
    });
    await app.register(tokenRoutes(tokens), { prefix: '/auth/v1' });
    await app.register(secretKeyRoutes(store, secrets), { prefix: '/auth/v1' });

    let url = '';
    const services = new Services();
    for (const m of modules) {
      const instance = await m.create({
        config,
        store,
        tasks: runner,
        log: log.child({ module: m.name }),
        secrets,
        tokens,
        metrics: metrics.registry,
        services,
        url: () => url,
      });
      instances.push(instance);
      for (const mount of instance.mounts ?? []) await app.register(mount.plugin, { prefix: mount.prefix });
    }

    await app.listen({ host: config.listen.host, port: config.listen.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.listen.port;
    const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
    url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    writeFileSync(join(config.dataDir, 'endpoint.json'), JSON.stringify({ url, pid: process.pid }) + '\n', { mode: 0o600 });

    runner.start();
    for (const i of instances) await i.start?.();
    log.info({ url, store: store.location }, 'strata is listening');

    const started = { app, runner };
    return {
      url,
      app,
      store,
      log,
      services,
      tasks: runner,
      adminTokenFile,
      async close(opts: StopOptions & { drainMs?: number } = {}) {
        if (opts.drainMs !== undefined) {
          // No new connections (the successor binds the address once this process is gone); idle keep-alives closed.
          started.app.server.close();
          started.app.server.closeIdleConnections();
          await started.runner.drain(opts.drainMs);
        }
        await started.runner.stop();
        for (const i of [...instances].reverse()) await i.stop?.(opts).catch((err) => log.error({ err }, 'module stop failed'));
        await started.app.close();
        await store.close();
        log.flush?.();
      },
    };
  } catch (err) {
    await runner?.stop();
    for (const i of instances.reverse()) await i.stop?.().catch(() => {});
    await app?.close().catch(() => {});
    await store.close();
    throw err;
  }
}

/** On a fresh store, creates the first admin token and writes it to `<data>/admin-token` (0600). */
async function bootstrapAdminToken(tokens: TokenService, dataDir: string): Promise<string | undefined> {
  if ((await tokens.count()) > 0) return undefined;
  const { token } = await tokens.create({ role: 'admin', project: 'admin', name: 'bootstrap admin' });
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) writeFileSync(file, '', { mode: 0o600 });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return file;
}
