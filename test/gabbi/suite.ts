/**
 * Reading a gabbi YAML file into test cases, as gabbi's suitemaker builds
 * them: BASE_TEST defaults, then the file's `defaults`, then the test's own
 * keys (mappings merge, lists concatenate, everything else replaces), with
 * the `GET: url` shorthand turned into method and url.
 */
import { readFileSync } from 'node:fs';
import { parseYamlStream } from '../../src/site/documents/index.js';

export const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** Keys gabbi knows; a test with any other key is a format error, never silently ignored. */
const BASE_TEST = {
  name: '',
  desc: '',
  verbose: false,
  ssl: false,
  redirects: false,
  method: 'GET',
  url: '',
  status: '200',
  request_headers: {} as Record<string, unknown>,
  query_parameters: {} as Record<string, unknown>,
  data: '' as unknown,
  xfail: false,
  skip: '',
  poll: {} as Record<string, unknown>,
  use_prior_test: true,
  cert_validate: true,
  disable_response_handler: false,
};

/** Response handlers this runner implements (the `response_<suffix>` keys). */
export const RESPONSE_HANDLERS = ['response_headers', 'response_strings', 'response_json_paths', 'response_multidoc_jsonpaths'] as const;
export type ResponseHandlerKey = (typeof RESPONSE_HANDLERS)[number];

export interface GabbiTest {
  /** The file the test came from, and its 0-based position there. */
  file: string;
  index: number;
  name: string;
  desc: string;
  method: string;
  url: string;
  status: string;
  requestHeaders: Record<string, unknown>;
  queryParameters: Record<string, unknown>;
  data: unknown;
  xfail: boolean;
  skip: string;
  poll: { count: number; delay: number } | undefined;
  /** response_* assertions, by handler key; a key absent or null asserts nothing (as in gabbi). */
  handlers: Partial<Record<ResponseHandlerKey, unknown>>;
}

export interface GabbiSuite {
  file: string;
  tests: GabbiTest[];
}

export class GabbiFormatError extends Error {}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** gabbi's test_update: mappings merge into the existing value, lists append, anything else replaces. */
function update(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (key === 'data') target[key] = clone(value);
    else if (isMapping(value) && isMapping(target[key])) Object.assign(target[key] as Record<string, unknown>, clone(value));
    else if (Array.isArray(value) && Array.isArray(target[key])) target[key] = [...(target[key] as unknown[]), ...clone(value)];
    else target[key] = clone(value);
  }
}

function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/** Parses gabbi YAML text (as PyYAML reads it) into tests. */
export function parseGabbi(text: string, file: string): GabbiSuite {
  const docs = parseYamlStream(text, file);
  if (docs.length !== 1 || !isMapping(docs[0].value)) throw new GabbiFormatError(`${file}: a gabbi file is one YAML mapping with a tests list`);
  const top = docs[0].value as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!['tests', 'defaults', 'fixtures', 'response_handlers'].includes(key)) throw new GabbiFormatError(`${file}: unknown top-level key ${key}`);
  }
  if (top.fixtures) throw new GabbiFormatError(`${file}: fixtures are Python classes and cannot run here`);
  if (!Array.isArray(top.tests)) throw new GabbiFormatError(`${file}: tests must be a list`);
  const defaults = top.defaults ?? {};
  if (!isMapping(defaults)) throw new GabbiFormatError(`${file}: defaults must be a mapping`);

  const seen = new Set<string>();
  const tests = top.tests.map((raw, index): GabbiTest => {
    if (!isMapping(raw)) throw new GabbiFormatError(`${file}: test ${index + 1} is not a mapping`);
    const t: Record<string, unknown> = clone(BASE_TEST) as unknown as Record<string, unknown>;
    for (const h of RESPONSE_HANDLERS) t[h] = h === 'response_strings' ? [] : {};
    update(t, defaults);
    update(t, raw);
    const where = `${file}: test ${index + 1} (${String(raw.name ?? '')})`;
    if (!raw.name) throw new GabbiFormatError(`${where}: a test needs a name`);
    const name = String(raw.name);
    if (seen.has(name)) throw new GabbiFormatError(`${where}: duplicate test name`);
    seen.add(name);

    const shorthand = METHODS.filter((m) => m in raw);
    if (shorthand.length > 1) throw new GabbiFormatError(`${where}: more than one method shorthand (${shorthand.join(', ')})`);
    if (shorthand.length === 1) {
      if ('url' in raw || 'method' in raw) throw new GabbiFormatError(`${where}: ${shorthand[0]} shorthand cannot be combined with url or method`);
      t.method = shorthand[0];
      t.url = raw[shorthand[0]];
    }
    for (const key of Object.keys(t)) {
      if (key in BASE_TEST || (RESPONSE_HANDLERS as readonly string[]).includes(key) || (METHODS as readonly string[]).includes(key)) continue;
      throw new GabbiFormatError(`${where}: unknown key ${key}`);
    }
    if (!t.url) throw new GabbiFormatError(`${where}: no url`);
    let poll: GabbiTest['poll'];
    if (isMapping(t.poll) && Object.keys(t.poll).length > 0) {
      poll = { count: Math.trunc(Number(t.poll.count ?? 1)), delay: Number(t.poll.delay ?? 1) };
    }
    const handlers: GabbiTest['handlers'] = {};
    for (const h of RESPONSE_HANDLERS) handlers[h] = t[h];
    return {
      file,
      index,
      name,
      desc: String(t.desc ?? ''),
      method: String(t.method).toUpperCase(),
      url: String(t.url),
      status: pyStr(t.status),
      requestHeaders: (t.request_headers ?? {}) as Record<string, unknown>,
      queryParameters: (t.query_parameters ?? {}) as Record<string, unknown>,
      data: t.data,
      xfail: Boolean(t.xfail),
      skip: t.skip ? String(t.skip) : '',
      poll,
      handlers,
    };
  });
  return { file, tests };
}

export function loadGabbiFile(path: string): GabbiSuite {
  return parseGabbi(readFileSync(path, 'utf8'), path);
}
