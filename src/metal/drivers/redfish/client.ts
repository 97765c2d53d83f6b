/**
 * A small Redfish HTTP client: JSON over node:http(s), basic or session
 * authentication (SessionService, X-Auth-Token), ETag/If-Match on PATCH, and
 * failures mapped to DriverError kinds (unreachable / timeout / busy → retry;
 * auth / bmc-error → stop). Messages carry the BMC's own Redfish error text.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { DriverError } from '../errors.js';

export type AuthType = 'basic' | 'session' | 'auto';

export interface RedfishEndpoint {
  /** scheme://host[:port] */
  address: string;
  /** Path of the service root, ending in '/': '/redfish/v1/' by default. */
  rootPrefix: string;
  username?: string;
  password?: string;
  /** true: verify against the system CAs; false: do not verify; a string: CA bundle file or directory. */
  verifyCa: boolean | string;
  authType: AuthType;
}

export interface RedfishResponse<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses that are not errors for this call (e.g. 412 for an ETag retry). */
  accept?: number[];
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

/** The message a Redfish error body carries ({"error": {"message", "@Message.ExtendedInfo": [...]}}). */
export function redfishErrorMessage(body: unknown): string | undefined {
  const err = (body as { error?: { message?: unknown; code?: unknown; '@Message.ExtendedInfo'?: unknown } } | undefined)?.error;
  if (!err || typeof err !== 'object') return undefined;
  const parts: string[] = [];
  if (typeof err.message === 'string') parts.push(err.message);
  if (Array.isArray(err['@Message.ExtendedInfo'])) {
    for (const info of err['@Message.ExtendedInfo'] as { Message?: unknown }[]) {
      if (typeof info?.Message === 'string' && !parts.includes(info.Message)) parts.push(info.Message);
    }
  }
  if (!parts.length && typeof err.code === 'string') parts.push(err.code);
  return parts.join('; ') || undefined;
}

function caOption(verifyCa: boolean | string): https.RequestOptions {
  if (verifyCa === false) return { rejectUnauthorized: false };
  if (verifyCa === true) return {};
  const st = statSync(verifyCa);
  const files = st.isDirectory() ? readdirSync(verifyCa).filter((f) => /\.(pem|crt)$/.test(f)).map((f) => join(verifyCa, f)) : [verifyCa];
  return { ca: files.map((f) => readFileSync(f)) };
}

export class RedfishClient {
  private token?: string;
  private sessionUri?: string;
  private sessionsPath?: string;
  private loggingIn?: Promise<void>;

  constructor(
    readonly endpoint: RedfishEndpoint,
    private readonly opts: { timeoutMs?: number } = {},
  ) {}

  private where(path: string) {
    return `Redfish BMC ${this.endpoint.address}${path}`;
  }

  /** One HTTP exchange, no authentication retry. */
  private raw(method: string, path: string, o: RequestOptions, auth: 'basic' | 'token' | 'none'): Promise<RedfishResponse> {
    const url = new URL(path, this.endpoint.address);
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = { Accept: 'application/json', 'OData-Version': '4.0', ...o.headers };
    let payload: Buffer | undefined;
    if (o.body !== undefined) {
      payload = Buffer.from(JSON.stringify(o.body));
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (auth === 'basic' && this.endpoint.username !== undefined) {
      headers.Authorization = 'Basic ' + Buffer.from(`${this.endpoint.username}:${this.endpoint.password ?? ''}`).toString('base64');
    } else if (auth === 'token' && this.token) {
      headers['X-Auth-Token'] = this.token;
    }
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const where = this.where(url.pathname);
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        url,
        { method, headers, signal: o.signal, ...(isHttps ? caOption(this.endpoint.verifyCa) : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new DriverError('unreachable', `${where}: ${err.message}`, { cause: err })));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if (text && /json/.test(String(res.headers['content-type'] ?? ''))) {
              try {
                body = JSON.parse(text);
              } catch {
                return reject(new DriverError('bmc-error', `${where}: ${method} answered ${res.statusCode} with invalid JSON`));
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (o.signal?.aborted) return reject(new DriverError('timeout', `${where}: ${method} aborted`, { cause: err }));
        const code = err.code ?? '';
        if (code === 'ETIMEDOUT') return reject(new DriverError('timeout', `${where}: ${method} got no answer within ${timeoutMs} ms`, { cause: err }));
        if (NETWORK_CODES.has(code)) return reject(new DriverError('unreachable', `${where}: cannot connect (${code}); check redfish_address and that the BMC is up`, { cause: err }));
        if (/CERT|SSL|TLS|self.signed|certificate/i.test(`${code} ${err.message}`)) {
          return reject(new DriverError('bmc-error', `${where}: TLS verification failed (${err.message}); check redfish_verify_ca`, { cause: err }));
        }
        reject(new DriverError('unreachable', `${where}: ${err.message}`, { cause: err }));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }

  private fail(method: string, path: string, res: RedfishResponse): never {
    const msg = redfishErrorMessage(res.body) ?? (typeof res.body === 'string' && res.body ? res.body.slice(0, 300) : `HTTP ${res.status}`);
    const where = this.where(path);
    if (res.status === 401) throw new DriverError('auth', `${where}: ${method} rejected the credentials (401: ${msg}); check redfish_username / redfish_password`);
    if (res.status === 403) throw new DriverError('auth', `${where}: ${method} forbidden (403: ${msg}); the account lacks the privilege`);
    if (res.status === 503 || res.status === 429) throw new DriverError('busy', `${where}: ${method} answered ${res.status}: ${msg}`);
    if (res.status === 504 || res.status === 502) throw new DriverError('unreachable', `${where}: ${method} answered ${res.status}: ${msg}`);
    if (res.status === 404) throw new DriverError('bmc-error', `${where}: not found (404: ${msg}); check redfish_system_id`, { details: { status: 404 } });
    throw new DriverError('bmc-error', `${where}: ${method} answered ${res.status}: ${msg}`, { details: { status: res.status } });
  }

  /** Concurrent callers share one login. */
  private login(signal?: AbortSignal): Promise<void> {
    this.loggingIn ??= this.doLogin(signal).finally(() => (this.loggingIn = undefined));
    return this.loggingIn;
  }

  private async doLogin(signal?: AbortSignal): Promise<void> {
    if (!this.sessionsPath) {
      const root = await this.raw('GET', this.endpoint.rootPrefix, { signal }, 'none');
      const b = root.body as { Links?: { Sessions?: { '@odata.id'?: string } }; SessionService?: { '@odata.id'?: string } } | undefined;
      this.sessionsPath = b?.Links?.Sessions?.['@odata.id'] ?? `${this.endpoint.rootPrefix}SessionService/Sessions`;
    }
    const res = await this.raw('POST', this.sessionsPath, { body: { UserName: this.endpoint.username ?? '', Password: this.endpoint.password ?? '' }, signal }, 'none');
    if (res.status >= 400) this.fail('POST', this.sessionsPath, res);
    const token = res.headers['x-auth-token'];
    if (typeof token !== 'string' || !token) {
      throw new DriverError('bmc-error', `${this.where(this.sessionsPath)}: session created without an X-Auth-Token header`);
    }
    this.token = token;
    this.sessionUri = typeof res.headers.location === 'string' ? res.headers.location : undefined;
  }

  /**
   * A request with authentication: basic, or a session (created on first use
   * and again once when the BMC answers 401 to an expired token). `auto`
   * tries a session and falls back to basic when the BMC has no SessionService.
   */
  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<RedfishResponse<T>> {
    const a = this.endpoint.authType;
    const anonymous = this.endpoint.username === undefined;
    let mode: 'basic' | 'token' | 'none' = anonymous ? 'none' : a === 'basic' ? 'basic' : 'token';
    if (mode === 'token' && !this.token) {
      try {
        await this.login(o.signal);
      } catch (err) {
        if (a === 'auto' && err instanceof DriverError && err.kind === 'bmc-error') mode = 'basic';
        else throw err;
      }
    }
    let res = await this.raw(method, path, o, mode);
    if (res.status === 401 && mode === 'token') {
      this.token = undefined;
      await this.login(o.signal);
      res = await this.raw(method, path, o, mode);
    }
    if (res.status >= 400 && !o.accept?.includes(res.status)) this.fail(method, path, res);
    return res as RedfishResponse<T>;
  }

  async get<T = Record<string, unknown>>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.request<T>('GET', path, { signal })).body;
  }

  async post(path: string, body: unknown, signal?: AbortSignal): Promise<RedfishResponse> {
    return this.request('POST', path, { body, signal });
  }

  /** PATCH with If-Match from a fresh GET; on 412 tries once more without it, as sushy does. */
  async patch(path: string, body: unknown, signal?: AbortSignal): Promise<RedfishResponse> {
    const current = await this.request('GET', path, { signal });
    const etag = current.headers.etag;
    if (typeof etag === 'string' && etag) {
      const res = await this.request('PATCH', path, { body, signal, headers: { 'If-Match': etag }, accept: [412] });
      if (res.status !== 412) return res;
    }
    return this.request('PATCH', path, { body, signal });
  }

  /** Ends the session, if any (best effort). */
  async close(): Promise<void> {
    if (this.token && this.sessionUri) {
      try {
        await this.raw('DELETE', this.sessionUri, {}, 'token');
      } catch {
        // The session expires on its own.
      }
    }
    this.token = undefined;
  }
}

/**
 * Clients kept per (address, prefix, user, password hash, CA, auth type), so
 * a conductor reuses sessions across calls instead of logging in every time
 * (Ironic's redfish SessionCache). Bounded; the oldest is closed first.
 */
export class RedfishClientCache {
  private readonly clients = new Map<string, RedfishClient>();
  constructor(private readonly opts: { size?: number; timeoutMs?: number } = {}) {}

  get(endpoint: RedfishEndpoint): RedfishClient {
    const pw = createHash('sha256').update(`${endpoint.address}\0${endpoint.password ?? ''}`).digest('hex');
    const key = [endpoint.address, endpoint.rootPrefix, endpoint.username ?? '', pw, String(endpoint.verifyCa), endpoint.authType].join('\0');
    let c = this.clients.get(key);
    if (c) {
      this.clients.delete(key);
      this.clients.set(key, c);
      return c;
    }
    c = new RedfishClient(endpoint, { timeoutMs: this.opts.timeoutMs });
    this.clients.set(key, c);
    const size = this.opts.size ?? 1000;
    while (this.clients.size > size) {
      const [oldestKey, oldest] = this.clients.entries().next().value as [string, RedfishClient];
      this.clients.delete(oldestKey);
      void oldest.close();
    }
    return c;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
