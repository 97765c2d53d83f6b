// Alarms (the fm module, StarlingX FM's API): the summary by severity, the
// active alarms (suppressed ones on request), the event log newest first,
// and which alarm ids are suppressed. Admins may delete an alarm and
// suppress or unsuppress an id, as `fm` and `strata alarm` allow them.
import { useState } from 'preact/hooks';
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { PlainTable } from '../../shell/plain-table.tsx';
import { VirtualTable, type Column } from '../../shell/virtual-table.tsx';
import { ActionButton } from '../../shell/confirm.tsx';
import { call, isAdmin } from '../../shell/api.ts';
import { SEVERITIES, summaryCount } from './severity.ts';

const API = '/fm/v1';
const EVENTS = `${API}/event_log?limit=100`;
const SUPPRESSION = `${API}/event_suppression`;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');

function Alarms({ me }: PageProps) {
  const [withSuppressed, setWithSuppressed] = useState(false);
  const q = withSuppressed ? '?include_suppress=true' : '';
  const ALARMS = `${API}/alarms${q}`;
  const SUMMARY = `${API}/alarms/summary${q}`;
  const live = useLive([ALARMS, SUMMARY, EVENTS, SUPPRESSION]);
  const alarms = (okBody(live.get(ALARMS))?.alarms ?? []) as any[];
  const summary = okBody(live.get(SUMMARY));
  const events = (okBody(live.get(EVENTS))?.event_log ?? []) as any[];
  const suppressions = (okBody(live.get(SUPPRESSION))?.event_suppression ?? []) as any[];
  const admin = isAdmin(me);

  const alarmColumns: Column<any>[] = [
    { title: 'Alarm', cell: (a) => <code>{a.alarm_id}</code> },
    { title: 'Severity', cell: (a) => <span class={`sev-${a.severity}`}>{a.severity}</span> },
    { title: 'Entity', cell: (a) => <code>{a.entity_instance_id}</code> },
    { title: 'Reason', cell: (a) => a.reason_text },
    { title: 'Repair', cell: (a) => a.proposed_repair_action },
    { title: 'Since', cell: (a) => when(a.created_at) },
    ...(withSuppressed ? [{ title: 'Suppression', cell: (a: any) => a.suppression_status }] : []),
    ...(admin ? [{ title: 'Actions', cell: (a: any) => <ActionButton label="delete" question={`Delete alarm ${a.alarm_id} on ${a.entity_instance_id}? It is logged as cleared; a check still failing raises it again.`} run={() => call('DELETE', `${API}/alarms/${a.uuid}`)} /> }] : []),
  ];
  const eventColumns: Column<any>[] = [
    { title: 'Time', cell: (e) => when(e.timestamp), width: '16%' },
    { title: 'Id', cell: (e) => <code>{e.event_log_id}</code>, width: '8%' },
    { title: 'State', cell: (e) => e.state, width: '7%' },
    { title: 'Severity', cell: (e) => <span class={`sev-${e.severity}`}>{e.severity}</span>, width: '8%' },
    { title: 'Entity', cell: (e) => <code>{e.entity_instance_id}</code>, width: '22%' },
    { title: 'Reason', cell: (e) => <span title={e.reason_text}>{e.reason_text}</span> },
  ];
  const suppressionColumns: Column<any>[] = [
    { title: 'Alarm', cell: (s) => <code>{s.alarm_id}</code> },
    { title: 'Description', cell: (s) => s.description },
    { title: 'Status', cell: (s) => <span data-testid={`suppression-${s.alarm_id}`}>{s.suppression_status}</span> },
    ...(admin
      ? [{
          title: 'Actions',
          cell: (s: any) => {
            const to = s.suppression_status === 'suppressed' ? 'unsuppressed' : 'suppressed';
            const label = to === 'suppressed' ? 'suppress' : 'unsuppress';
            return <ActionButton label={label} question={`${label === 'suppress' ? 'Suppress' : 'Unsuppress'} alarm ${s.alarm_id}? Suppressed alarms leave the lists and the summary, not the event log.`} run={() => call('PATCH', `${SUPPRESSION}/${s.uuid}`, [{ op: 'replace', path: '/suppression_status', value: to }])} />;
          },
        }]
      : []),
  ];
  return (
    <section aria-labelledby="h-alarms">
      <div class="toolbar">
        <h1 id="h-alarms">Alarms</h1>
        <LinkBadge state={live.state} problem={live.problem} />
        <label><input type="checkbox" checked={withSuppressed} onChange={(e) => setWithSuppressed((e.target as HTMLInputElement).checked)} /> include suppressed</label>
      </div>
      {[ALARMS, SUMMARY, EVENTS, SUPPRESSION].map((p) => <UpdateError key={p} u={live.get(p)} what={p.replace(API + '/', '')} />)}
      <div class="cards" aria-label="Active alarms by severity" role="group">
        <div class="card"><div class={`n status-${summary?.status ?? ''}`} data-testid="alarm-status">{summary?.status ?? '…'}</div>status</div>
        {SEVERITIES.map((s) => <div class="card" key={s}><div class={`n${summaryCount(summary, s) ? ` sev-${s}` : ''}`} data-testid={`count-${s}`}>{summaryCount(summary, s) ?? '…'}</div>{s}</div>)}
      </div>
      <h2>Active alarms</h2>
      <PlainTable caption="Active alarms" rows={alarms} columns={alarmColumns} rowKey={(a) => a.uuid} empty="No active alarms." testId="alarms" />
      <h2>Event log</h2>
      <VirtualTable caption="Event log, newest first" rows={events} columns={eventColumns} rowKey={(e) => e.uuid} height={Math.min(400, 40 + 32 * events.length)} testId="events" />
      <h2>Suppression</h2>
      <PlainTable caption="Alarm suppression" rows={suppressions} columns={suppressionColumns} rowKey={(s) => s.uuid} empty="No suppressible alarms." testId="suppression" />
    </section>
  );
}

export const alarmPages: PageDef[] = [{ path: '/alarms', title: 'Alarms', module: 'fm', nav: true, component: Alarms }];
