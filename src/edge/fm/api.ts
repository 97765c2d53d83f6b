/**
 * StarlingX's Fault Management API at /fm/v1: alarms (list, show, delete,
 * summary), the event log and event suppression, with FM's field names and
 * values (times as ISO 8601, booleans as "True"/"False" strings, as FM's
 * wsme types print them) and FM's query form `q.field=…&q.op=eq&q.value=…`.
 * Errors are wsme's `{"error_message": "<JSON with faultstring>"}`, which
 * fmclient reads. Deliberate differences (docs/edge-fm.md): lists always
 * carry every field (as `expand=true`), and only the `eq` operator is
 * accepted, except `ge`/`le` on the event log's `start`/`end`.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { classify, InvalidInputError, StrataError } from '../../core/index.js';
import type { Alarm, AlarmFilter, EventFilter, FaultManager, LoggedEvent, Suppression } from './fault-manager.js';

export const FM_API_PREFIX = '/fm';

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
const pyBool = (b: boolean) => (b ? 'True' : 'False');

export function errorBody(status: number, message: string) {
  return { error_message: JSON.stringify({ faultcode: status >= 500 ? 'Server' : 'Client', faultstring: message, debuginfo: null }) };
}

export function fmErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = classify(err);
  let message = e.message;
  if (e.status >= 500) {
    req.log.error({ err }, 'fm API request failed');
    if (!(err instanceof StrataError)) message = 'Internal server error; see the server log.';
  }
  return reply.status(e.status).type('application/json').send(errorBody(e.status, message));
}

function links(base: string, kind: string, uuid: string) {
  return [
    { href: `${base}/v1/${kind}/${uuid}`, rel: 'self' },
    { href: `${base}/${kind}/${uuid}`, rel: 'bookmark' },
  ];
}

export function alarmView(a: Alarm, base: string) {
  const d = a.definition;
  return {
    uuid: a.uuid,
    alarm_id: d.alarmId,
    alarm_state: 'set',
    entity_type_id: d.entityTypeId,
    entity_instance_id: a.entityInstanceId,
    timestamp: iso(a.updatedAt),
    severity: a.severity,
    reason_text: a.reasonText,
    alarm_type: d.alarmType,
    probable_cause: d.probableCause,
    proposed_repair_action: d.proposedRepairAction,
    service_affecting: pyBool(d.serviceAffecting),
    suppression: pyBool(d.suppression),
    suppression_status: a.suppressed ? 'suppressed' : 'unsuppressed',
    mgmt_affecting: d.mgmtAffecting,
    degrade_affecting: d.degradeAffecting,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
    links: links(base, 'alarms', a.uuid),
  };
}

export function eventView(e: LoggedEvent, base: string) {
  const d = e.definition;
  return {
    uuid: e.uuid,
    event_log_id: e.eventLogId,
    state: e.state,
    entity_type_id: d.entityTypeId,
    entity_instance_id: e.entityInstanceId,
    timestamp: iso(e.timestamp),
    severity: e.severity,
    reason_text: e.reasonText,
    event_log_type: d.alarmType,
    probable_cause: d.probableCause,
    proposed_repair_action: d.proposedRepairAction,
    service_affecting: pyBool(d.serviceAffecting),
    suppression: pyBool(d.suppression),
    suppression_status: e.suppressed ? 'suppressed' : 'unsuppressed',
    created_at: iso(e.timestamp),
    updated_at: null,
    links: links(base, 'event_log', e.uuid),
  };
}

export function suppressionView(s: Suppression, base: string) {
  return {
    uuid: s.uuid,
    alarm_id: s.definition.alarmId,
    description: s.definition.reason.replaceAll('{entity}', '<entity>'),
    suppression_status: s.status,
    created_at: iso(s.createdAt),
    updated_at: s.updatedAt === null ? null : iso(s.updatedAt),
    links: links(base, 'event_suppression', s.uuid),
  };
}

type Query = Record<string, string | string[] | undefined>;
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** FM's `q.field`/`q.op`/`q.value` triples (and plain `field=value` params) as one filter object. */
export function parseQuery(q: Query, allowed: readonly string[], ranged: readonly string[] = []): Record<string, { op: string; value: string }> {
  const fields = list(q['q.field']);
  const ops = list(q['q.op']);
  const values = list(q['q.value']);
  if (values.length !== fields.length) throw new InvalidInputError(`q.field and q.value must come in pairs (got ${fields.length} fields and ${values.length} values)`);
  const out: Record<string, { op: string; value: string }> = {};
  fields.forEach((field, i) => {
    const op = ops[i] || 'eq';
    if (!allowed.includes(field)) throw new InvalidInputError(`q.field ${field} is not supported (supported: ${allowed.join(', ')})`);
    if (op !== 'eq' && !(ranged.includes(field) && (op === 'ge' || op === 'le'))) throw new InvalidInputError(`q.op ${op} is not supported for ${field}`);
    out[field] = { op, value: values[i]! };
  });
  for (const field of allowed) {
    const v = q[field];
    if (typeof v === 'string' && !(field in out)) out[field] = { op: 'eq', value: v };
  }
  return out;
}

function flag(v: unknown, name: string): boolean {
  if (v === undefined) return false;
  const s = String(v).toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new InvalidInputError(`${name} must be true or false (got "${String(v)}")`);
}

function time(v: string, field: string): number {
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new InvalidInputError(`${field} must be an ISO 8601 time (got "${v}")`);
  return t;
}

const ALARM_FIELDS = ['alarm_id', 'entity_type_id', 'entity_instance_id', 'severity', 'alarm_type'] as const;
const EVENT_FIELDS = ['event_log_id', 'entity_type_id', 'entity_instance_id', 'severity', 'event_log_type', 'start', 'end'] as const;
const Uuid = Type.Object({ uuid: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }) });
const SuppressionPatch = Type.Array(
  Type.Object({ op: Type.Literal('replace'), path: Type.Literal('/suppression_status'), value: Type.Union([Type.Literal('suppressed'), Type.Literal('unsuppressed')]) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 1 },
);

export function fmApi(fm: FaultManager): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(fmErrorHandler);
    app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody(404, `The resource could not be found: ${req.method} ${req.url}`)));
    const base = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? req.hostname}${FM_API_PREFIX}`;

    app.get('/', { config: { public: true } }, async (req) => ({
      default_version: { id: 'v1', links: [{ href: `${base(req)}/v1/`, rel: 'self' }] },
      versions: [{ id: 'v1', links: [{ href: `${base(req)}/v1/`, rel: 'self' }] }],
      description: 'Fault Management is an OpenStack project which provides REST API services for alarms and logs.',
      name: 'Fault Management API',
    }));
    app.get('/v1', async (req) => {
      const b = base(req);
      const pair = (k: string) => [{ href: `${b}/v1/${k}/`, rel: 'self' }, { href: `${b}/${k}/`, rel: 'bookmark' }];
      return {
        id: 'v1',
        media_types: [{ base: 'application/json', type: 'application/vnd.openstack.fm.v1+json' }],
        links: [{ href: `${b}/v1/`, rel: 'self' }],
        alarms: pair('alarms'),
        event_log: pair('event_log'),
        event_suppression: pair('event_suppression'),
      };
    });

    app.get<{ Querystring: Query }>('/v1/alarms', async (req) => {
      const q = parseQuery(req.query, ALARM_FIELDS);
      const filter: AlarmFilter = { includeSuppressed: flag(req.query.include_suppress, 'include_suppress') };
      for (const [k, v] of Object.entries(q)) (filter as Record<string, unknown>)[k] = v.value;
      return { alarms: (await fm.list(filter)).map((a) => alarmView(a, base(req))) };
    });
    app.get<{ Querystring: Query }>('/v1/alarms/summary', async (req) => fm.summary(flag(req.query.include_suppress, 'include_suppress')));
    app.get<{ Params: { uuid: string } }>('/v1/alarms/:uuid', { schema: { params: Uuid } }, async (req) => alarmView(await fm.get(req.params.uuid), base(req)));
    app.delete<{ Params: { uuid: string } }>('/v1/alarms/:uuid', { schema: { params: Uuid }, config: { role: 'admin' } }, async (req, reply) => {
      await fm.delete(req.params.uuid);
      return reply.status(204).send();
    });

    app.get<{ Querystring: Query }>('/v1/event_log', async (req) => {
      const q = parseQuery(req.query, EVENT_FIELDS, ['start', 'end']);
      const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000)) throw new InvalidInputError(`limit must be an integer from 1 to 10000 (got "${String(req.query.limit)}")`);
      const filter: EventFilter = { alarmsOnly: flag(req.query.alarms, 'alarms'), logsOnly: flag(req.query.logs, 'logs'), limit };
      for (const [k, v] of Object.entries(q)) {
        if (k === 'start' || k === 'end') filter[k] = time(v.value, k);
        else (filter as Record<string, unknown>)[k] = v.value;
      }
      const marker = typeof req.query.marker === 'string' ? req.query.marker : undefined;
      if (marker) filter.beforeSeq = (await fm.event(marker)).seq;
      const events = await fm.events(filter);
      const body: Record<string, unknown> = { event_log: events.map((e) => eventView(e, base(req))) };
      if (limit !== undefined && events.length === limit) {
        body.next = `${base(req)}/v1/event_log?sort_key=timestamp&sort_dir=desc&limit=${limit}&marker=${events[events.length - 1]!.uuid}`;
      }
      return body;
    });
    app.get<{ Params: { uuid: string } }>('/v1/event_log/:uuid', { schema: { params: Uuid } }, async (req) => eventView(await fm.event(req.params.uuid), base(req)));

    app.get('/v1/event_suppression', async (req) => ({ event_suppression: (await fm.suppressions()).map((s) => suppressionView(s, base(req))) }));
    app.patch<{ Params: { uuid: string }; Body: { value: 'suppressed' | 'unsuppressed' }[] }>(
      '/v1/event_suppression/:uuid',
      { schema: { params: Uuid, body: SuppressionPatch }, config: { role: 'admin' } },
      async (req) => suppressionView(await fm.setSuppression(req.params.uuid, req.body[0]!.value), base(req)),
    );
  };
}
