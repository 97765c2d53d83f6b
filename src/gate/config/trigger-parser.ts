// The connection-specific parts of a pipeline: triggers, `require`/`reject`
// filters and reporters. Strata's `local` review source speaks Gerrit's
// vocabulary (events `patchset-created`, `comment-added` with `approval` and
// `comment`, …; votes as labels; `submit: true`), so `local` and connections
// backed by Gerrit share the Gerrit schemas (zuul/driver/gerrit). `timer`
// takes a cron `time`. Other drivers' sections are kept raw and reported as
// unsupported.

import { ConfigError } from './errors.js';
import { parseCron, CronSyntaxError } from './cron.js';
import {
  GERRIT_EVENTS, type ApprovalRequirement, type ChangeEventFilter, type EventFilter, type RefFilter, type Reporter,
  type ReporterAction,
} from './model.js';
import type { ConfigItem, ConnectionInfo, ParseContext } from './parse-context.js';
import type { ZuulRegex } from './regex.js';
import { any, anyOf, asList, bool, dict, dictOf, int, isMapping, listOf, oneOf, str, toList, type Check, type Path } from './validate.js';

const ZUUL_REGEX = dict({ regex: str, negate: bool }, { required: ['regex'] });
const regexList = toList(anyOf(ZUUL_REGEX, str));
const approvalValue: Check = anyOf(int, listOf(int), str, listOf(str));
const approval = dict({ username: anyOf(ZUUL_REGEX, str), email: anyOf(ZUUL_REGEX, str), 'older-than': str, 'newer-than': str },
  { extra: approvalValue });

const REQUIRE_FIELDS: Record<string, Check> = {
  approval: toList(approval),
  open: bool,
  'current-patchset': bool,
  wip: bool,
  hashtags: regexList,
  status: toList(str),
};
export const REQUIRE_SCHEMA = dict(REQUIRE_FIELDS);

const GERRIT_TRIGGER = dict({
  event: toList(oneOf(...GERRIT_EVENTS)),
  uuid: str,
  scheme: str,
  comment_filter: toList(str),
  comment: regexList,
  email_filter: toList(str),
  email: regexList,
  username_filter: toList(str),
  username: regexList,
  branch: regexList,
  ref: regexList,
  'ignore-deletes': bool,
  approval: toList(dictOf(any)),
  'approval-change': toList(dictOf(any)),
  'require-approval': toList(approval),
  'reject-approval': toList(approval),
  added: regexList,
  removed: regexList,
  require: REQUIRE_SCHEMA,
  reject: REQUIRE_SCHEMA,
}, { required: ['event'] });

const TIMER_TRIGGER = dict({ time: str }, { required: ['time'] });
const GERRIT_REPORTER: Check = anyOf(str, dictOf(any));

/** Gerrit-like drivers: Strata's own `local` source, and Gerrit connections. */
export function speaksGerrit(info: ConnectionInfo): boolean {
  return info.driver === 'local' || info.driver === 'gerrit';
}

function regexes(ctx: ParseContext, item: ConfigItem, value: unknown, path: Path): ZuulRegex[] {
  return asList(value as unknown[]).map((v, i) => ctx.regex(item, v, Array.isArray(value) ? [...path, i] : path));
}

/** Zuul's time_to_seconds: `30s`, `5m`, `2h`, `3d`, `1w`. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+)([smhdw])$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}

function durationSeconds(ctx: ParseContext, item: ConfigItem, s: string, path: Path): number {
  const n = parseDuration(s);
  if (n === null) throw new ConfigError('schema', `Unable to parse time value: ${s}`, ctx.at(item, path));
  return n;
}

function toNumbers(v: unknown): number[] {
  return asList(v as unknown[]).map((x) => Number(x));
}

function parseApprovals(ctx: ParseContext, item: ConfigItem, value: unknown, path: Path): ApprovalRequirement[] {
  return asList(value as unknown[]).map((a, i) => {
    const p = Array.isArray(value) ? [...path, i] : path;
    const conf = a as Record<string, unknown>;
    const req: ApprovalRequirement = { labels: {} };
    for (const [k, v] of Object.entries(conf)) {
      if (k === 'username') req.username = ctx.regex(item, v, [...p, k]);
      else if (k === 'email') req.email = ctx.regex(item, v, [...p, k]);
      else if (k === 'older-than') req.olderThan = durationSeconds(ctx, item, String(v), [...p, k]);
      else if (k === 'newer-than') req.newerThan = durationSeconds(ctx, item, String(v), [...p, k]);
      else req.labels[k] = toNumbers(v);
    }
    return req;
  });
}

type RefRequirements = Omit<RefFilter, 'connection' | 'supported' | 'raw'>;

function parseRequirements(ctx: ParseContext, item: ConfigItem, conf: Record<string, unknown>, path: Path): RefRequirements {
  const r: RefRequirements = { approvals: parseApprovals(ctx, item, conf.approval, [...path, 'approval']) };
  if ('open' in conf) r.open = conf.open as boolean;
  if ('current-patchset' in conf) r.currentPatchset = conf['current-patchset'] as boolean;
  if ('wip' in conf) r.wip = conf.wip as boolean;
  if ('status' in conf) r.status = asList(conf.status as string[]);
  if ('hashtags' in conf) r.hashtags = regexes(ctx, item, conf.hashtags, [...path, 'hashtags']);
  return r;
}

function connectionInfo(ctx: ParseContext, item: ConfigItem, path: Path, connection: string): ConnectionInfo {
  const info = ctx.connections[connection];
  if (!info && ctx.tenant.open) {
    // Checked outside a deployment: the connection may well exist there.
    ctx.warn(new ConfigError('unresolved-connection', `Connection "${connection}" is not known here; its entries are parsed as an unsupported connection's`,
      { ...ctx.at(item, path), severity: 'warning' }));
    return { driver: 'other', supported: false, canonicalHostname: connection };
  }
  if (!info) throw new ConfigError('unknown-connection', `Unknown connection named "${connection}"`, ctx.at(item, path));
  return info;
}

/** Parses `trigger: {<connection>: [...]}` entries of one connection. */
export function parseTrigger(ctx: ParseContext, item: ConfigItem, connection: string, conf: unknown, path: Path): EventFilter[] {
  const info = connectionInfo(ctx, item, path, connection);
  if (ctx.tenant.allowedTriggers && !ctx.tenant.allowedTriggers.includes(connection)) {
    throw new ConfigError('unknown-connection', `Connection "${connection}" is not an allowed trigger in this tenant`, ctx.at(item, path));
  }
  if (!info.supported) ctx.reportUnsupportedConnection(item, path, connection, 'triggers');
  const entries = asList(conf as unknown[]);
  const entryPath = (i: number): Path => (Array.isArray(conf) ? [...path, i] : path);
  if (info.driver === 'timer') {
    ctx.validateAt(item, path, conf, toList(TIMER_TRIGGER));
    return entries.map((e, i) => {
      const time = String((e as Record<string, unknown>).time);
      try {
        return { kind: 'timer', connection, supported: true, time, cron: parseCron(time), line: ctx.location(item, entryPath(i)).line };
      } catch (err) {
        if (err instanceof CronSyntaxError) throw new ConfigError('schema', err.message, ctx.at(item, [...entryPath(i), 'time']));
        throw err;
      }
    });
  }
  if (!speaksGerrit(info)) {
    return entries.map((e, i) => ({ kind: 'unsupported', connection, supported: false, raw: e, line: ctx.location(item, entryPath(i)).line }));
  }
  ctx.validateAt(item, path, conf, toList(GERRIT_TRIGGER));
  return entries.map((e, i) => {
    const t = e as Record<string, unknown>;
    const p = entryPath(i);
    const pick = (a: string, legacy: string): [unknown, Path] => (a in t ? [t[a], [...p, a]] : [t[legacy], [...p, legacy]]);
    const [comments, commentsPath] = pick('comment', 'comment_filter');
    const [emails, emailsPath] = pick('email', 'email_filter');
    const [usernames, usernamesPath] = pick('username', 'username_filter');
    const approvals: Record<string, unknown> = {};
    for (const a of asList(t.approval as Record<string, unknown>[])) Object.assign(approvals, a);
    const approvalChanges: Record<string, unknown> = {};
    for (const a of asList(t['approval-change'] as Record<string, unknown>[])) Object.assign(approvalChanges, a);
    for (const dep of ['require-approval', 'reject-approval']) {
      if (dep in t) {
        ctx.warn(new ConfigError('deprecated-approval', `The '${dep}' trigger attribute is deprecated.  Use '${dep.split('-')[0]}' instead.`,
          { ...ctx.at(item, [...p, dep]), severity: 'warning' }));
      }
    }
    const filter: ChangeEventFilter = {
      kind: 'change',
      connection,
      supported: info.supported,
      events: regexes(ctx, item, t.event, [...p, 'event']),
      branches: regexes(ctx, item, t.branch, [...p, 'branch']),
      refs: regexes(ctx, item, t.ref, [...p, 'ref']),
      comments: regexes(ctx, item, comments, commentsPath),
      emails: regexes(ctx, item, emails, emailsPath),
      usernames: regexes(ctx, item, usernames, usernamesPath),
      approvals,
      approvalChanges,
      added: regexes(ctx, item, t.added, [...p, 'added']),
      removed: regexes(ctx, item, t.removed, [...p, 'removed']),
      ignoreDeletes: (t['ignore-deletes'] as boolean | undefined) ?? true,
      line: ctx.location(item, p).line,
    };
    const require = { ...(isMapping(t.require) ? t.require : {}) };
    if (t['require-approval'] !== undefined) require.approval = [...asList(require.approval as unknown[]), ...asList(t['require-approval'] as unknown[])];
    if (Object.keys(require).length) filter.require = parseRequirements(ctx, item, require, [...p, 'require']);
    const reject = { ...(isMapping(t.reject) ? t.reject : {}) };
    if (t['reject-approval'] !== undefined) reject.approval = [...asList(reject.approval as unknown[]), ...asList(t['reject-approval'] as unknown[])];
    if (Object.keys(reject).length) filter.reject = parseRequirements(ctx, item, reject, [...p, 'reject']);
    return filter;
  });
}

/** Parses a `require` or `reject` section of one connection. */
export function parseRefFilter(ctx: ParseContext, item: ConfigItem, connection: string, conf: unknown, path: Path): RefFilter {
  const info = connectionInfo(ctx, item, path, connection);
  if (!info.supported) ctx.reportUnsupportedConnection(item, path, connection, 'requirements');
  if (!speaksGerrit(info)) return { connection, supported: false, approvals: [], raw: conf };
  ctx.validateAt(item, path, conf, REQUIRE_SCHEMA);
  return { connection, supported: info.supported, raw: conf, ...parseRequirements(ctx, item, (conf ?? {}) as Record<string, unknown>, path) };
}

/** Parses the reporter of one connection for one pipeline action. */
export function parseReporter(ctx: ParseContext, item: ConfigItem, action: ReporterAction, connection: string, conf: unknown, path: Path): Reporter {
  const info = connectionInfo(ctx, item, path, connection);
  if (ctx.tenant.allowedReporters && !ctx.tenant.allowedReporters.includes(connection)) {
    throw new ConfigError('unknown-connection', `Connection "${connection}" is not an allowed reporter in this tenant`, ctx.at(item, path));
  }
  if (!info.supported) ctx.reportUnsupportedConnection(item, path, connection, 'reporters');
  const reporter: Reporter = { connection, supported: info.supported, action, labels: {}, submit: false, comment: true, raw: conf };
  if (!speaksGerrit(info)) return reporter;
  ctx.validateAt(item, path, conf, GERRIT_REPORTER);
  if (isMapping(conf)) {
    for (const [k, v] of Object.entries(conf)) {
      if (k === 'submit') reporter.submit = v === true;
      else if (k === 'comment') reporter.comment = v !== false;
      else if (k === 'checks-api' || k === 'notify') continue;
      else if (typeof v === 'number') reporter.labels[k] = v;
      else throw new ConfigError('schema', `expected a number for label "${k}", got ${JSON.stringify(v)}`, ctx.at(item, [...path, k]));
    }
  }
  return reporter;
}
