import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/**
 * A throwaway PostgreSQL cluster for tests: initdb + pg_ctl on 127.0.0.1,
 * fsync off. It fails loudly when PostgreSQL is not installed: a test that
 * cannot find its peer must not pass.
 */
export interface PostgresCluster {
  url: string;
  stop(): void;
  /** Stops the server, keeping its data (a store outage); `resume()` starts it again on the same port. */
  pause(): void;
  resume(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (Debian package postgresql)');
}

/** initdb refuses to run as root: run the server as the `postgres` user when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'strata-pg-'));
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const opts = { ...(user ?? {}), encoding: 'utf8' as const, env: { ...process.env, LC_ALL: 'C' } };
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], opts);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error}`);
  const serverOpts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const start = spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', serverOpts, 'start'], opts);
  if (start.status !== 0) throw new Error(`pg_ctl start failed: ${start.stderr || start.stdout}`);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause() {
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], opts);
    },
    resume() {
      const again = spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', serverOpts, 'start'], opts);
      if (again.status !== 0) throw new Error(`pg_ctl start failed: ${again.stderr || again.stdout}`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], opts);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
