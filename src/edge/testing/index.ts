/**
 * Test support for edge's in-process fleets (never imported by production
 * code): real composition roots, a controller and subclouds, each with its
 * own data directory and store, driven through Fastify's inject.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverConfig, silentLogger, type StrataModule } from '../../core/index.js';
import { freePort, until as poll } from '../../core/testing/index.js';
import { startServer, type RunningServer } from '../../server.js';

export interface Site {
  server: RunningServer;
  dir: string;
  port: number;
  admin: string;
}

/**
 * Starts sites with these modules; a controller audits hourly (tests audit
 * by hand). `reuse` restarts a site on its own directory and port.
 */
export function fleetOf(prefix: string, modules: StrataModule[], options: Record<string, string> = {}) {
  const dirs: string[] = [];
  const started: Site[] = [];
  return {
    async site(role: 'controller' | 'subcloud', reuse?: Site): Promise<Site> {
      const dir = reuse?.dir ?? mkdtempSync(join(tmpdir(), `strata-${prefix}-${role}-`));
      if (!reuse) dirs.push(dir);
      const port = reuse?.port ?? (await freePort());
      const roleOptions = role === 'controller' ? { edgeRole: 'controller', edgeAuditInterval: '3600' } : {};
      const config = serverConfig({ listen: `127.0.0.1:${port}`, data: dir, logLevel: 'silent', options: { ...roleOptions, ...options } });
      const server = await startServer(config, { modules, log: silentLogger() });
      const s = { server, dir, port, admin: readFileSync(join(dir, 'admin-token'), 'utf8').trim() };
      started.push(s);
      return s;
    },
    async close(): Promise<void> {
      for (const s of started) await s.server.close().catch(() => undefined);
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

export interface CallOptions {
  /** The body's content type (default JSON; a string or Buffer body is sent as is). */
  type?: string;
  /** Bearer token (default the site's admin). */
  token?: string;
  accept?: string;
}

/** One request; a JSON reply is parsed, any other is text; `raw` keeps the bytes. */
export async function call(s: Site, method: string, url: string, body?: unknown, opts: CallOptions = {}) {
  const res = await s.server.app.inject({
    method: method as 'GET',
    url,
    headers: {
      authorization: `Bearer ${opts.token ?? s.admin}`,
      ...(opts.accept ? { accept: opts.accept } : {}),
      ...(body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}),
    },
    payload: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const json = res.headers['content-type']?.toString().includes('json');
  return { status: res.statusCode, body: res.body ? (json ? res.json() : res.body) : undefined, raw: res.rawPayload };
}

/** core's poller, every 50 ms and 15 s by default (in-process fleets answer fast). */
export const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000) => poll(what, fn, ms, { every: 50 });
