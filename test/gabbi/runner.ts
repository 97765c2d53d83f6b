/**
 * Runs gabbi test cases in order against a live HTTP server and reports
 * every assertion: the status, each response header, each JSONPath. What
 * it checks, and how values compare, follows gabbi and the content
 * handlers Deckhand's suite registers (text/plain, JSON, and YAML read as
 * a list of documents so `$.[0]` is the first document).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseYamlStream } from '../../src/site/documents/index.js';
import { safeDump, safeDumpAll } from '../../src/site/api/pyyaml-dump.js';
import { extract } from './jsonpath.js';
import type { GabbiSuite, GabbiTest } from './suite.js';
import { pythonStr, replaceTemplate, type TemplateContext, type TestRecord } from './template.js';

export interface Assertion {
  /** What was checked, e.g. `status`, `header content-type`, `$.[0].id`. */
  what: string;
  ok: boolean;
  expected?: unknown;
  actual?: unknown;
  message?: string;
}

export type Outcome = 'pass' | 'fail' | 'skip' | 'xfail';

export interface TestResult {
  test: GabbiTest;
  outcome: Outcome;
  assertions: Assertion[];
  /** Why the test could not be carried out (bad template, unreachable server, …). */
  error?: string;
  request?: { method: string; url: string };
  response?: { status: number; headers: Record<string, string>; body: string };
}

export interface RunnerOptions {
  /** `http://host:port` of the server under test. */
  baseUrl: string;
  /** Path prefix put before every relative test URL (gabbi's `prefix`). */
  prefix?: string;
  /**
   * Where `<@file` data is read from, given the gabbi file: default its own
   * directory. Deckhand's suite flattens its tree so `resources/` sits next
   * to every test file; pass the suite root to get the same.
   */
  dataDir?: (gabbiFile: string) => string;
  /** Headers sent with every request unless the test sets them. */
  headers?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before a request is abandoned. */
  timeoutMs?: number;
}

const YAML_TYPES = (ct: string) => ct.endsWith('+yaml') || ct.startsWith('application/yaml') || ct.startsWith('application/x-yaml');
const JSON_TYPES = (ct: string) => ct.endsWith('+json') || ct.startsWith('application/json');

function mediaType(ct: string | undefined | null): string {
  return (ct ?? '').split(';', 1)[0].trim().toLowerCase();
}

/** Parses a response body as the matching content handler would; null when none applies. */
export function loadResponse(body: string, contentType: string): unknown {
  const ct = mediaType(contentType);
  if (!body) return null;
  if (JSON_TYPES(ct)) return JSON.parse(body);
  if (YAML_TYPES(ct)) return parseYamlStream(body, 'response').map((d) => d.value);
  return null;
}

/** Python's `==` on decoded JSON/YAML values: deep, with 1 == 1.0 == True. */
export function pythonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const num = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v);
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return num(a) === num(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => pythonEquals(x, bb[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  return ka.length === Object.keys(bo).length && ka.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && pythonEquals((a as Record<string, unknown>)[k], bo[k]));
}

function isRegex(v: unknown): v is string {
  return typeof v === 'string' && v.length > 1 && v.startsWith('/') && v.endsWith('/');
}

/** Python's urlencode(doseq=True) (quote_plus) of gabbi's query_parameters. */
export function encodeQuery(params: Record<string, unknown>): string {
  const q = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*~]/g, (c) => (c === '~' ? c : '%' + c.charCodeAt(0).toString(16).toUpperCase()));
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    for (const item of Array.isArray(v) ? v : [v]) parts.push(`${q(k)}=${q(pythonStr(item))}`);
  }
  return parts.join('&');
}

/** One gabbi file's run: tests go in order and later ones refer to earlier ones. */
export class GabbiSession {
  private readonly history = new Map<string, TestRecord>();
  private prior: TestRecord | undefined;
  private readonly base: URL;

  constructor(
    readonly suite: GabbiSuite,
    private readonly opts: RunnerOptions,
  ) {
    this.base = new URL(opts.baseUrl);
  }

  private ctx(): TemplateContext {
    return {
      scheme: this.base.protocol.replace(/:$/, ''),
      netloc: this.base.host,
      prefix: this.opts.prefix ?? '',
      prior: this.prior,
      history: this.history,
      env: this.opts.env ?? process.env,
    };
  }

  private url(path: string, query: Record<string, unknown>): string {
    let full: URL;
    if (/^[a-z]+:\/\//i.test(path)) full = new URL(path);
    else {
      const [p, qs] = path.split('?', 2) as [string, string | undefined];
      let pathname = p;
      const prefix = this.opts.prefix ?? '';
      // gabbi tests a bare startsWith; a path segment boundary keeps `/poll` from passing for prefix `/p`.
      if (prefix && pathname !== prefix && !pathname.startsWith(prefix.replace(/\/$/, '') + '/')) pathname = `${prefix.replace(/\/$/, '')}/${pathname.replace(/^\//, '')}`;
      full = new URL(this.base.origin + pathname + (qs ? `?${qs}` : ''));
    }
    if (Object.keys(query).length > 0) {
      const extra = encodeQuery(query);
      full.search = full.search ? `${full.search.slice(1)}&${extra}` : extra;
    }
    return full.toString();
  }

  private body(test: GabbiTest, contentType: string): string | undefined {
    let data = test.data;
    if (data === '' || data === undefined || data === null) return undefined;
    if (typeof data === 'string' && data.startsWith('<@')) {
      const dir = this.opts.dataDir ? this.opts.dataDir(this.suite.file) : dirname(this.suite.file);
      const path = resolve(dir, data.slice(2));
      if (relative(dir, path).startsWith('..')) throw new Error(`data file ${data.slice(2)} is outside ${dir}`);
      if (!existsSync(path)) throw new Error(`data file ${path} does not exist`);
      data = readFileSync(path, 'utf8');
    } else if (typeof data !== 'string') {
      const ct = mediaType(contentType);
      if (YAML_TYPES(ct)) data = Array.isArray(data) ? safeDumpAll(data) : safeDump(data);
      else data = JSON.stringify(data);
    }
    return String(replaceTemplate(data, this.ctx()));
  }

  /** Runs one test (the next in the file) and records it for later `$RESPONSE`/`$HISTORY` references. */
  async run(test: GabbiTest): Promise<TestResult> {
    if (test.skip) return { test, outcome: 'skip', assertions: [], error: test.skip };
    const result = await this.attempt(test);
    if (test.xfail) {
      const failed = result.outcome === 'fail';
      return {
        ...result,
        outcome: failed ? 'xfail' : 'fail',
        error: failed ? result.error : 'marked xfail but every assertion passed (unexpected success)',
      };
    }
    return result;
  }

  private async attempt(test: GabbiTest): Promise<TestResult> {
    const tries = test.poll ? Math.max(1, test.poll.count) : 1;
    let last: TestResult | undefined;
    for (let i = 0; i < tries; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, test.poll!.delay * 1000));
      last = await this.once(test);
      if (last.outcome === 'pass') break;
    }
    return last!;
  }

  private async once(test: GabbiTest): Promise<TestResult> {
    const assertions: Assertion[] = [];
    let request: TestResult['request'];
    let response: TestResult['response'];
    let record: TestRecord | undefined;
    try {
      const ctx = this.ctx();
      const path = String(replaceTemplate(test.url, ctx));
      const query = replaceTemplate(test.queryParameters, ctx) as Record<string, unknown>;
      const url = this.url(path, query);
      const headers: Record<string, string> = { ...this.opts.headers };
      for (const [k, v] of Object.entries(test.requestHeaders)) headers[k.toLowerCase()] = pythonStr(replaceTemplate(v, ctx));
      const body = this.body(test, headers['content-type'] ?? '');
      request = { method: test.method, url };
      const res = await fetch(url, {
        method: test.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
      const text = await res.text();
      const resHeaders: Record<string, string> = {};
      res.headers.forEach((v, k) => (resHeaders[k] = v));
      response = { status: res.status, headers: resHeaders, body: text };
      let data: unknown = null;
      let loadError: string | undefined;
      try {
        data = loadResponse(text, resHeaders['content-type'] ?? '');
      } catch (err) {
        loadError = `response body is not valid ${mediaType(resHeaders['content-type'])}: ${(err as Error).message}`;
      }
      // Later tests refer to this one whatever its outcome, as in gabbi; its own
      // assertions still see the test before it as $RESPONSE.
      record = { name: test.name, url: path, headers: resHeaders, data, location: resHeaders.location };

      const statii = test.status.includes('||') ? test.status.split('||').map((s) => s.trim()) : [test.status.trim()];
      assertions.push({ what: 'status', ok: statii.includes(String(res.status)), expected: test.status, actual: res.status });

      const expectHeaders = test.handlers.response_headers;
      if (expectHeaders && Object.keys(expectHeaders as object).length > 0) {
        for (const [name, value] of Object.entries(expectHeaders as Record<string, unknown>)) {
          const expected = pythonStr(replaceTemplate(pythonStr(value), this.ctx()));
          const actual = resHeaders[name.toLowerCase()];
          const ok = actual !== undefined && (isRegex(expected) ? new RegExp(expected.slice(1, -1)).test(actual) : expected === actual);
          assertions.push({ what: `header ${name}`, ok, expected, actual: actual ?? '(absent)' });
        }
      }

      const strings = test.handlers.response_strings;
      if (Array.isArray(strings) && strings.length > 0) {
        for (const s of strings) {
          const expected = pythonStr(replaceTemplate(s, this.ctx()));
          assertions.push({ what: `string ${JSON.stringify(expected).slice(0, 80)}`, ok: text.includes(expected), expected });
        }
      }

      for (const key of ['response_json_paths', 'response_multidoc_jsonpaths'] as const) {
        const paths = test.handlers[key];
        if (!paths || (typeof paths === 'object' && Object.keys(paths).length === 0)) continue;
        if (typeof paths !== 'object' || Array.isArray(paths)) {
          assertions.push({ what: key, ok: false, message: `${key} must be a mapping of JSONPath to expected value` });
          continue;
        }
        for (const [path, value] of Object.entries(paths as Record<string, unknown>)) {
          if (loadError || data === null) {
            assertions.push({ what: path, ok: false, message: loadError ?? 'the response has no structured body to match against' });
            continue;
          }
          let actual: unknown;
          try {
            actual = extract(data, String(replaceTemplate(path, this.ctx())));
          } catch (err) {
            assertions.push({ what: path, ok: false, message: (err as Error).message });
            continue;
          }
          const expected = replaceTemplate(value, this.ctx());
          if (isRegex(expected)) {
            const ok = new RegExp(expected.slice(1, -1)).test(pythonStr(actual));
            assertions.push({ what: path, ok, expected, actual });
          } else {
            assertions.push({ what: path, ok: pythonEquals(expected, actual), expected, actual });
          }
        }
      }
    } catch (err) {
      return { test, outcome: 'fail', assertions, error: (err as Error).message, request, response };
    } finally {
      if (record) {
        this.prior = record;
        this.history.set(test.name, record);
      }
    }
    return { test, outcome: assertions.every((a) => a.ok) ? 'pass' : 'fail', assertions, request, response };
  }
}

/** A readable account of a failed test: each failing assertion, then the request and the response body. */
export function describeFailure(r: TestResult): string {
  const lines = [`${r.test.file} › ${r.test.name}: ${r.test.desc}`.trim()];
  if (r.error) lines.push(`  error: ${r.error}`);
  for (const a of r.assertions.filter((x) => !x.ok)) {
    lines.push(`  ✗ ${a.what}: ${a.message ?? `expected ${JSON.stringify(a.expected)}, got ${JSON.stringify(a.actual)}`}`);
  }
  if (r.request) lines.push(`  request: ${r.request.method} ${r.request.url}`);
  if (r.response) lines.push(`  response: ${r.response.status}\n${r.response.body.slice(0, 3000).replace(/^/gm, '    ')}`);
  return lines.join('\n');
}

/** Runs a whole file in order. */
export async function runSuite(suite: GabbiSuite, opts: RunnerOptions): Promise<TestResult[]> {
  const session = new GabbiSession(suite, opts);
  const out: TestResult[] = [];
  for (const t of suite.tests) out.push(await session.run(t));
  return out;
}


