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
  alarms: AlarmCounts | null;
  digests: Partial<Record<EndpointType, string>>;
}

export class PeerError extends Error {}

async function call<T>(endpoint: string, token: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}/edge/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
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
    throw new PeerError(`${method} ${endpoint}/edge/v1${path}: ${res.status} ${reason}`);
  }
  return JSON.parse(text) as T;
}

export const peer = {
  audit: (endpoint: string, token: string, timeoutMs: number) => call<AuditReply>(endpoint, token, 'GET', '/audit', undefined, timeoutMs),
  syncIdentity: (endpoint: string, token: string, tokens: HashedToken[], timeoutMs: number) =>
    call<{ digests: Partial<Record<EndpointType, string>> }>(endpoint, token, 'PUT', '/sync/identity', { tokens }, timeoutMs),
};
