import type { Command } from 'commander';
import { action, defaultDataDir, type ServerOption } from '../core/cli/index.js';

/** `strata server`: the all-in-one control plane in this process. */
export function registerServerCommand(program: Command, moduleOptions: ServerOption[]): void {
  const cmd = program
    .command('server')
    .description('run the Strata control plane (HTTP API, task runner, every module) in this process')
    .option('--listen <host:port>', 'address to listen on (default $STRATA_LISTEN or 127.0.0.1:7070)')
    .option('--data <dir>', 'data directory (default $STRATA_DATA or ./data of the installation)')
    .option('--database <url>', 'postgres://… for a shared PostgreSQL store (default: SQLite in the data directory)')
    .option('--noauth', 'serve without authentication (accepted only on a loopback address)')
    .option('--log-level <level>', 'trace, debug, info, warn, error', process.env.STRATA_LOG_LEVEL ?? 'info')
    .option('--body-limit <bytes>', 'largest request body accepted', String(32 * 1024 * 1024))
    .option('--modules <names>', 'run only these modules, comma-separated (fm, site, metal, sandbox, accel, gate, edge, web; default: all)');
  for (const o of moduleOptions) cmd.option(o.flags, o.description, o.defaultValue);
  cmd.action(
    action(async (ctx, opts: Record<string, unknown>) => {
      const { serverConfig } = await import('../core/config.js');
      const { startServer, VERSION } = await import('../server.js');
      const { listen, data, database, noauth, logLevel, bodyLimit, modules, ...options } = opts as Record<string, any>;
      if (typeof database === 'string' && /:\/\/[^/]*:[^@/]+@/.test(database)) {
        ctx.warn('the database password is visible in the process list; prefer PGPASSWORD or ~/.pgpass');
      }
      const config = serverConfig({ listen, data: data ?? defaultDataDir(), database, noauth, logLevel, bodyLimit, options });
      const { loadModules } = await import('../modules.js');
      const names = typeof modules === 'string' ? modules.split(',').map((m: string) => m.trim()).filter(Boolean) : undefined;
      const server = await startServer(config, { modules: await loadModules(names) });
      const info = { url: server.url, version: VERSION, data: config.dataDir, store: server.store.location, adminTokenFile: server.adminTokenFile };
      ctx.out(info, (i) =>
        [
          `Strata ${i.version} listening on ${i.url}`,
          `data: ${i.data} (store: ${i.store})`,
          i.adminTokenFile ? `admin token created and stored in ${i.adminTokenFile} (the CLI on this host uses it by default)` : '',
          config.noauth ? 'WARNING: authentication is disabled (--noauth)' : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
      const { releaseHandover, HANDOVER_SERVICE } = await import('./handover.js');
      const { PACKAGE_ROOT } = await import('../core/cli/index.js');
      server.services.provide(HANDOVER_SERVICE, releaseHandover({ root: PACKAGE_ROOT, dataDir: config.dataDir, port: config.listen.port, close: (o) => server.close(o), info: (m) => ctx.info(m) }));
      let closing = false;
      const shutdown = async (signal: string, handover = false) => {
        if (closing) return;
        closing = true;
        ctx.info(handover ? `${signal}: handing over (sandboxes keep running for the next server)` : `${signal}: stopping`);
        await server.close({ handover });
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      // SIGUSR2: a zero-impact restart or upgrade; the next server adopts what runs
      process.on('SIGUSR2', () => void shutdown('SIGUSR2', true));
    }),
  );
}
