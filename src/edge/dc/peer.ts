/**
 * The controller's calls to one subcloud's /edge/v1, with the subcloud's
 * admin token and a deadline. A failure is one line naming the subcloud and
 * what went wrong (never the token).
 */
import type { HashedToken } from '../../core/index.js';
import type { AlarmCounts } from './audit-step.js';
import type { EndpointType } from './sync-digest.js';

export interface AuditReply {
  version: string;
  /** The directory of the release the subcloud runs (docs/edge-updates.md). */
  release?: string;
  alarms: AlarmCounts | null;
  digests: Partial<Record<EndpointType, string>>;
}

export class PeerError extends Error {
  /** The subcloud's HTTP status when it answered and refused; undefined when it could not be reached. */
  constructor(message: string, readonly status?: number) {
    super(message);
  }

  /** Worth another try: unreachable, timed out, or a server-side error (5xx). */
  get transient(): boolean {
    return this.status === undefined || this.status >= 500;
  }
}

async function call<T>(endpoint: string, token: string, method: string, path: string, body: unknown, timeoutMs: number, raw?: { stream: ReadableStream<Uint8Array>; headers: Record<string, string> }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}/edge/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(raw ? { 'content-type': 'application/octet-stream', ...raw.headers } : body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: raw ? raw.stream : body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      ...(raw ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new PeerError(`${method} ${endpoint}/edge/v1${path}: ${why}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let reason = text.slice(0, 200);
    try {
      reason = JSON.parse(text)?.error?.message ?? reason;
    } catch {
      /* not JSON */
    }
    throw new PeerError(`${method} ${endpoint}/edge/v1${path}: ${res.status} ${reason}`, res.status);
  }
  return JSON.parse(text) as T;
}

export const peer = {
  audit: (endpoint: string, token: string, timeoutMs: number) => call<AuditReply>(endpoint, token, 'GET', '/audit', undefined, timeoutMs),
  syncIdentity: (endpoint: string, token: string, tokens: HashedToken[], timeoutMs: number) =>
    call<{ digests: Partial<Record<EndpointType, string>> }>(endpoint, token, 'PUT', '/sync/identity', { tokens }, timeoutMs),
  startRelease: (endpoint: string, token: string, release: string, timeoutMs: number) =>
    call<{ from: string; to: string; unchanged?: boolean }>(endpoint, token, 'POST', '/release', { release }, timeoutMs),
  syncImages: (endpoint: string, token: string, keep: string[], timeoutMs: number) =>
    call<{ held: Record<string, string | null>; digests: Partial<Record<EndpointType, string>> }>(endpoint, token, 'PUT', '/sync/images', { keep }, timeoutMs),
  putImage: (endpoint: string, token: string, uuid: string, meta: string, stream: ReadableStream<Uint8Array>, timeoutMs: number) =>
    call<{ written: boolean }>(endpoint, token, 'PUT', `/sync/images/${uuid}`, undefined, timeoutMs, { stream, headers: { 'x-strata-image': meta } }),
  applySiteRevision: (endpoint: string, token: string, body: SiteRevisionBody, timeoutMs: number) =>
    call<SiteRevisionReply>(endpoint, token, 'PUT', '/site/revision', body, timeoutMs),
};

/** A controller revision's documents, as the subcloud stores them in its `fleet` bucket. */
export interface SiteRevisionBody {
  controller_revision: number;
  /** `apply`: a strategy step (render-checked and tagged applied); `store`: the platform sync. */
  mode: 'apply' | 'store';
  documents: { schema: string; metadata: unknown; data: unknown }[];
}

export interface SiteRevisionReply {
  revision: number;
  created: boolean;
  digests: Partial<Record<EndpointType, string>>;
}
