import { StrataError } from '../errors/index.js';

/** A failed API call, with the server's own reason when it gave one. */
export class ApiError extends StrataError {
  constructor(message: string, status: number, readonly body?: unknown) {
    super(message, { status, code: 'api_error' });
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body (YAML, text); sent as is with the given content type. */
  raw?: { data: string | Buffer; contentType: string };
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
}

/**
 * The CLI's way to the server: base URL + token, JSON by default, and one
 * clear line when anything fails, whichever API dialect the server answered in.
 */
export class ApiClient {
  constructor(readonly baseUrl: string, private readonly token?: string) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(path.replace(/^\//, ''), this.baseUrl.endsWith('/') ? this.baseUrl : this.baseUrl + '/');
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** The raw Response, for streaming; throws ApiError on a non-2xx answer. */
  async fetch(method: string, path: string, opts: RequestOptions & { signal?: AbortSignal; duplex?: 'half'; stream?: ReadableStream | NodeJS.ReadableStream } = {}): Promise<Response> {
    const headers = this.headers(opts.headers);
    let body: RequestInit['body'];
    if (opts.raw) {
      headers['content-type'] = opts.raw.contentType;
      body = opts.raw.data as RequestInit['body'];
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    } else if (opts.stream) {
      body = opts.stream as unknown as RequestInit['body'];
    }
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), { method, headers, body, signal: opts.signal, ...(opts.stream ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(`cannot reach Strata at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message} (is the server running? \`npm start\` starts one)`, 0);
    }
    if (!res.ok) {
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      throw new ApiError(`${method} ${path}: ${res.status} ${reasonOf(parsed) ?? res.statusText}`, res.status, parsed);
    }
    return res;
  }

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(method, path, opts);
    const text = await res.text();
    if (!text) return undefined as T;
    return (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as T) : (text as T);
  }

  get<T = any>(path: string, query?: RequestOptions['query']) {
    return this.request<T>('GET', path, { query });
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, { body });
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, { body });
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, { body });
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

/** The human reason inside an error body, in any of the dialects Strata speaks. */
export function reasonOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().split('\n')[0] || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, any>;
  if (typeof b.error?.message === 'string') return b.error.message; // core, Redfish
  if (typeof b.error_message === 'string') {
    // Ironic: a JSON string holding faultstring
    try {
      return JSON.parse(b.error_message).faultstring ?? b.error_message;
    } catch {
      return b.error_message;
    }
  }
  if (typeof b.message === 'string') {
    const first = Array.isArray(b.details?.messageList) ? b.details.messageList[0]?.message : undefined;
    return first ? `${b.message}: ${first}` : b.message; // Deckhand
  }
  if (typeof b.faultstring === 'string') return b.faultstring;
  return undefined;
}
