import { resolve } from 'node:path';
import { InvalidInputError } from './errors/index.js';

export const DEFAULT_LISTEN = '127.0.0.1:7070';

export interface ServerConfig {
  listen: { host: string; port: number };
  dataDir: string;
  /** A SQLite file path or a postgres:// URL. */
  database: string;
  noauth: boolean;
  logLevel: string;
  bodyLimit: number;
  /** Options modules declared on `strata server`, by camel-cased name. */
  options: Record<string, unknown>;
}

/** `HOST:PORT`, `[V6]:PORT` or `:PORT`; port 0 picks a free one. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InvalidInputError(`--listen must be HOST:PORT (got "${value}")`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function serverConfig(input: {
  listen?: string;
  data?: string;
  database?: string;
  noauth?: boolean;
  logLevel?: string;
  bodyLimit?: string | number;
  options?: Record<string, unknown>;
}): ServerConfig {
  const dataDir = resolve(input.data ?? 'data');
  const bodyLimit = Number(input.bodyLimit ?? 32 * 1024 * 1024);
  if (!Number.isInteger(bodyLimit) || bodyLimit <= 0) throw new InvalidInputError(`--body-limit must be a positive number of bytes`);
  return {
    listen: parseListen(input.listen ?? process.env.STRATA_LISTEN ?? DEFAULT_LISTEN),
    dataDir,
    database: input.database ?? resolve(dataDir, 'strata.db'),
    noauth: input.noauth ?? false,
    logLevel: input.logLevel ?? process.env.STRATA_LOG_LEVEL ?? 'info',
    bodyLimit,
    options: input.options ?? {},
  };
}
