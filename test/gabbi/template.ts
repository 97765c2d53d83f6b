/**
 * gabbi's magic strings: `$SCHEME`, `$NETLOC`, `$ENVIRON['X']`,
 * `$LAST_URL`, `$URL`, `$LOCATION`, `$HEADERS['h']` and
 * `$RESPONSE['<jsonpath>']`, each optionally prefixed by
 * `$HISTORY['<test name>'].` to refer to an earlier test instead of the
 * previous one. A value that is nothing but one `$RESPONSE[...]` keeps the
 * type of what it refers to (an integer stays an integer); anywhere else it
 * is spliced in as Python's `str()` would print it.
 */
import { extract } from './jsonpath.js';

/** What an executed test leaves for later ones to refer to. */
export interface TestRecord {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The response body as its content handler parsed it (YAML: a list of documents), or null. */
  data: unknown;
  location?: string;
}

export interface TemplateContext {
  scheme: string;
  netloc: string;
  prefix: string;
  prior: TestRecord | undefined;
  history: Map<string, TestRecord>;
  env: NodeJS.ProcessEnv;
}

export class TemplateError extends Error {}

const HISTORY = String.raw`(?:\$HISTORY\[(['"])(.+?)\1\]\.)??`;
const arg = (key: string) => new RegExp(String.raw`${HISTORY}\$${key}\[(['"])(.+?)\3\]`, 'g');
const simple = (key: string) => new RegExp(String.raw`${HISTORY}\$${key}(?![A-Z_])`, 'g');

/** Python's str() of a JSON value, as gabbi splices it into a string. */
export function pythonStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (Array.isArray(v)) return '[' + v.map(pythonRepr).join(', ') + ']';
  return '{' + Object.entries(v as object).map(([k, x]) => `${pythonRepr(k)}: ${pythonRepr(x)}`).join(', ') + '}';
}

function pythonRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pythonStr(v);
}

function referred(ctx: TemplateContext, name: string | undefined, what: string): TestRecord {
  if (name !== undefined) {
    const rec = ctx.history.get(name);
    if (!rec) throw new TemplateError(`unable to replace ${what}: no earlier test named ${JSON.stringify(name)} has run`);
    return rec;
  }
  if (!ctx.prior) throw new TemplateError(`unable to replace ${what}: there is no prior test`);
  return ctx.prior;
}

function responseValue(ctx: TemplateContext, name: string | undefined, path: string): unknown {
  const rec = referred(ctx, name, `$RESPONSE['${path}']`);
  if (rec.data === null || rec.data === undefined) {
    throw new TemplateError(`unable to replace $RESPONSE['${path}']: test ${rec.name} has no structured response body`);
  }
  try {
    return extract(rec.data, path);
  } catch (err) {
    throw new TemplateError(`unable to replace $RESPONSE['${path}'] from test ${rec.name}: ${(err as Error).message}`);
  }
}

function replaceString(message: string, ctx: TemplateContext): unknown {
  let s = message;
  if (s.includes('$SCHEME')) s = s.replace(/\$SCHEME/g, ctx.scheme);
  if (s.includes('$NETLOC')) s = s.replace(/\$NETLOC/g, ctx.netloc + ctx.prefix);
  if (s.includes('$ENVIRON')) {
    s = s.replace(arg('ENVIRON'), (_m, _q, _c, _q2, name: string) => {
      const v = ctx.env[name];
      if (v === undefined) throw new TemplateError(`unable to replace $ENVIRON['${name}']: not set`);
      return v;
    });
    // gabbi casts an environment value that is all number/true/false/null.
    if (/^-?\d+$/.test(s)) return Number(s);
    if (/^-?\d*\.\d+$/.test(s)) return Number(s);
    if (s.toLowerCase() === 'true') return true;
    if (s.toLowerCase() === 'false') return false;
    if (s.toLowerCase() === 'null') return null;
  }
  if (s.includes('$LOCATION')) {
    s = s.replace(simple('LOCATION'), (_m, _q, c: string | undefined) => {
      const location = referred(ctx, c, '$LOCATION').location;
      if (location === undefined) throw new TemplateError('unable to replace $LOCATION: the response had no Location header');
      return location;
    });
  }
  if (s.includes('$LAST_URL')) s = s.replace(/\$LAST_URL/g, () => referred(ctx, undefined, '$LAST_URL').url);
  if (s.includes('$URL')) s = s.replace(simple('URL'), (_m, _q, c: string | undefined) => referred(ctx, c, '$URL').url);
  if (s.includes('$HEADERS')) {
    s = s.replace(arg('HEADERS'), (_m, _q, c: string | undefined, _q2, h: string) => {
      const v = referred(ctx, c, `$HEADERS['${h}']`).headers[h.toLowerCase()];
      if (v === undefined) throw new TemplateError(`unable to replace $HEADERS['${h}']: no such header`);
      return v;
    });
  }
  if (s.includes('$RESPONSE')) {
    const whole = new RegExp(`^${arg('RESPONSE').source}$`).exec(s);
    if (whole) return responseValue(ctx, whole[2], whole[4]);
    s = s.replace(arg('RESPONSE'), (_m, _q, c: string | undefined, _q2, path: string) => pythonStr(responseValue(ctx, c, path)));
  }
  return s;
}

/** Replaces templates in a string, or in every string of a list or mapping (a new value; the input is untouched). */
export function replaceTemplate(value: unknown, ctx: TemplateContext): unknown {
  if (typeof value === 'string') return replaceString(value, ctx);
  if (Array.isArray(value)) return value.map((v) => replaceTemplate(v, ctx));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceTemplate(v, ctx)]));
  }
  return value;
}
