/**
 * `strata alarm list|show|delete|summary` and `strata event list|suppress|
 * unsuppress|suppression`: the fault manager's API at /fm/v1, as StarlingX's
 * `fm alarm-list` etc. show it. Light imports only: every `strata` call loads it.
 */
import type { Command } from 'commander';
import { action, table } from '../../core/cli/index.js';

const API = '/fm/v1';

/** `--query alarm_id=280.001` (repeatable) as FM's q.field/q.op/q.value triples. */
function fmQuery(pairs: string[] = []): Record<string, string[]> {
  const q: Record<string, string[]> = { 'q.field': [], 'q.op': [], 'q.value': [] };
  for (const p of pairs) {
    const m = /^([a-z_]+)(=|>=|<=)(.*)$/.exec(p);
    if (!m) throw new Error(`--query ${JSON.stringify(p)}: expected FIELD=VALUE (or start>=TIME, end<=TIME)`);
    q['q.field']!.push(m[1]!);
    q['q.op']!.push(m[2] === '>=' ? 'ge' : m[2] === '<=' ? 'le' : 'eq');
    q['q.value']!.push(m[3]!);
  }
  return q;
}

/** The API client takes a flat query; FM's triples repeat keys, so they go in the path. */
function withQuery(path: string, q: Record<string, string[] | string | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const x of v === undefined ? [] : Array.isArray(v) ? v : [v]) sp.append(k, x);
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerFm(program: Command): void {
  const alarm = program.command('alarm').description('active alarms (StarlingX FM: fm alarm-list, alarm-show, alarm-delete, alarm-summary)');
  alarm
    .command('list')
    .description('list active alarms, most recent first')
    .option('--query <field=value>', 'filter: alarm_id, entity_type_id, entity_instance_id, severity, alarm_type (repeatable)', collect)
    .option('--include-suppress', 'include suppressed alarms')
    .action(
      action(async (ctx, o: { query?: string[]; includeSuppress?: boolean }) => {
        const { alarms } = await ctx.client().get(withQuery(`${API}/alarms`, { ...fmQuery(o.query), include_suppress: o.includeSuppress ? 'true' : undefined }));
        ctx.out(alarms, (list: any[]) =>
          list.length === 0
            ? 'no active alarms'
            : table(
                ['UUID', 'ALARM ID', 'REASON TEXT', 'ENTITY ID', 'SEVERITY', 'TIME STAMP'],
                list.map((a) => [a.uuid, a.alarm_id, a.reason_text + (a.suppression_status === 'suppressed' ? ' (suppressed)' : ''), a.entity_instance_id, a.severity, a.timestamp]),
              ),
        );
      }),
    );
  alarm
    .command('show')
    .description('show an active alarm with all its fields')
    .argument('<uuid>', 'the alarm')
    .action(
      action(async (ctx, uuid: string) => {
        const a = await ctx.client().get(`${API}/alarms/${encodeURIComponent(uuid)}`);
        ctx.out(a, (v: Record<string, unknown>) => table(['PROPERTY', 'VALUE'], Object.entries(v).filter(([k]) => k !== 'links').map(([k, x]) => [k, x])));
      }),
    );
  alarm
    .command('delete')
    .description('delete an alarm whose cause is gone but which was not cleared (admins); logged as a clear')
    .argument('<uuid...>', 'the alarms')
    .action(
      action(async (ctx, uuids: string[]) => {
        for (const uuid of uuids) await ctx.client().request('DELETE', `${API}/alarms/${encodeURIComponent(uuid)}`);
        ctx.out({ deleted: uuids }, () => uuids.join('\n'));
      }),
    );
  alarm
    .command('summary')
    .description('active alarms by severity, and the overall status (OK, degraded, critical)')
    .option('--include-suppress', 'count suppressed alarms too')
    .action(
      action(async (ctx, o: { includeSuppress?: boolean }) => {
        const s = await ctx.client().get(withQuery(`${API}/alarms/summary`, { include_suppress: o.includeSuppress ? 'true' : undefined }));
        ctx.out(s, (v: any) => table(['Critical Alarms', 'Major Alarms', 'Minor Alarms', 'Warnings', 'Status'], [[v.critical, v.major, v.minor, v.warnings, v.status]]));
      }),
    );

  const event = program.command('event').description('the event log of every alarm set and clear and every log (fm event-list), and suppression');
  event
    .command('list')
    .description('list events, newest first')
    .option('--query <field=value>', 'filter: event_log_id, entity_type_id, entity_instance_id, severity, event_log_type, start>=TIME, end<=TIME (repeatable)', collect)
    .option('--limit <n>', 'at most this many', '100')
    .option('--alarms', 'only alarm sets and clears')
    .option('--logs', 'only logs')
    .action(
      action(async (ctx, o: { query?: string[]; limit: string; alarms?: boolean; logs?: boolean }) => {
        const { event_log } = await ctx.client().get(
          withQuery(`${API}/event_log`, { ...fmQuery(o.query), limit: o.limit, alarms: o.alarms ? 'true' : undefined, logs: o.logs ? 'true' : undefined }),
        );
        ctx.out(event_log, (list: any[]) =>
          list.length === 0
            ? 'no events'
            : table(['UUID', 'TIME STAMP', 'STATE', 'EVENT LOG ID', 'REASON TEXT', 'ENTITY INSTANCE ID', 'SEVERITY'], list.map((e) => [e.uuid, e.timestamp, e.state, e.event_log_id, e.reason_text, e.entity_instance_id, e.severity])),
        );
      }),
    );
  event
    .command('suppression')
    .description('list every alarm id and whether it is suppressed (fm event-suppress-list)')
    .action(
      action(async (ctx) => {
        const { event_suppression } = await ctx.client().get(`${API}/event_suppression`);
        ctx.out(event_suppression, (list: any[]) => table(['EVENT ID', 'STATUS', 'DESCRIPTION'], list.map((s) => [s.alarm_id, s.suppression_status, s.description])));
      }),
    );
  for (const [verb, status] of [['suppress', 'suppressed'], ['unsuppress', 'unsuppressed']] as const) {
    event
      .command(verb)
      .description(`${verb} alarm ids (admins): ${status === 'suppressed' ? 'hidden from alarm lists and the summary, still in the event log' : 'shown again'}`)
      .argument('<alarm-id...>', 'catalog ids, e.g. 200.010')
      .action(
        action(async (ctx, ids: string[]) => {
          const client = ctx.client();
          const { event_suppression } = await client.get(`${API}/event_suppression`);
          const out = [];
          for (const id of ids) {
            const row = (event_suppression as { alarm_id: string; uuid: string }[]).find((s) => s.alarm_id === id);
            if (!row) throw new Error(`alarm id ${id} is not in the alarm catalog`);
            out.push(await client.request('PATCH', `${API}/event_suppression/${row.uuid}`, { body: [{ op: 'replace', path: '/suppression_status', value: status }] }));
          }
          ctx.out(out, (list: any[]) => list.map((s) => `${s.alarm_id} ${s.suppression_status}`).join('\n'));
        }),
      );
  }
}
