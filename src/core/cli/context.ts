import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DEFAULT_LISTEN } from '../config.js';
import { StrataError } from '../errors/index.js';
import { ApiClient } from './api-client.js';

/** The repository (or installed package) root: dist/core/cli or src/core/cli, three levels up. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export function defaultDataDir(env = process.env): string {
  return resolve(env.STRATA_DATA ?? join(PACKAGE_ROOT, 'data'));
}

export interface CliContext {
  json: boolean;
  /** A client for the server named by --url / $STRATA_URL / the local all-in-one. */
  client(): ApiClient;
  /** Prints the command's result on stdout: JSON with --json, else the human form. */
  out(data: unknown, human?: (data: any) => string): void;
  /** Progress and notes: stderr, never stdout. */
  info(message: string): void;
  warn(message: string): void;
}

interface GlobalOpts {
  json?: boolean;
  url?: string;
  token?: string;
  tokenFile?: string;
}

export function cliContext(cmd: Command): CliContext {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  const json = Boolean(g.json);
  let client: ApiClient | undefined;
  const warn = (m: string) => process.stderr.write(`strata: warning: ${m}\n`);
  return {
    json,
    client() {
      if (client) return client;
      if (g.token) warn('--token is visible to other users in the process list; prefer $STRATA_TOKEN or --token-file');
      client = new ApiClient(resolveUrl(g.url), resolveToken(g));
      return client;
    },
    out(data, human) {
      if (json || !human) process.stdout.write(JSON.stringify(data, null, json ? 2 : 2) + '\n');
      else {
        const text = human(data);
        if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
      }
    },
    info: (m) => process.stderr.write(`${m}\n`),
    warn,
  };
}

function resolveUrl(flag?: string): string {
  if (flag) return flag;
  if (process.env.STRATA_URL) return process.env.STRATA_URL;
  const endpoint = join(defaultDataDir(), 'endpoint.json');
  if (existsSync(endpoint)) {
    try {
      return JSON.parse(readFileSync(endpoint, 'utf8')).url as string;
    } catch {
      /* fall through to the default address */
    }
  }
  return `http://${process.env.STRATA_LISTEN ?? DEFAULT_LISTEN}`;
}

function resolveToken(g: GlobalOpts): string | undefined {
  if (g.token) return g.token;
  if (process.env.STRATA_TOKEN) return process.env.STRATA_TOKEN;
  const file = g.tokenFile ?? join(defaultDataDir(), 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim() || undefined;
  if (g.tokenFile) throw new StrataError(`token file ${g.tokenFile} does not exist`);
  return undefined;
}

/**
 * Wraps a commander action: the CliContext comes first, then the action's
 * own arguments; any error becomes one line on stderr and a non-zero exit.
 */
export function action<A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<void> | void) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    try {
      await fn(cliContext(cmd), ...(args.slice(0, -1) as A));
    } catch (err) {
      fail(err);
    }
  };
}

export function fail(err: unknown): never {
  const e = err as { message?: string; exitCode?: number };
  process.stderr.write(`strata: ${(e?.message ?? String(err)).split('\n')[0]}\n`);
  process.exit(typeof e?.exitCode === 'number' ? e.exitCode : 1);
}

/** A Strata server option a module declares (e.g. the gate's --gate-tenant-config). */
export interface ServerOption {
  flags: string;
  description: string;
  defaultValue?: string | boolean;
}
