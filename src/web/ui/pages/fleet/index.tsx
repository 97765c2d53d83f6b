// Fleet (the edge module on a system controller, dcmanager's API): each
// subcloud's availability, management state, sync status per endpoint
// type and alarm summary, with the last audit and its error. A server that
// is not a controller says so. Admins may manage or unmanage a subcloud.
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { PlainTable } from '../../shell/plain-table.tsx';
import type { Column } from '../../shell/virtual-table.tsx';
import { ActionButton } from '../../shell/confirm.tsx';
import { call, isAdmin } from '../../shell/api.ts';
import { alarmLine } from './alarm-line.ts';

const API = '/dcmanager/v1.0';
const SUBCLOUDS = `${API}/subclouds`;
const ALARMS = `${API}/alarms`;

function Fleet({ me }: PageProps) {
  const live = useLive([SUBCLOUDS, ALARMS]);
  const u = live.get(SUBCLOUDS);
  const notController = u?.status === 404;
  const subclouds = (okBody(u)?.subclouds ?? []) as any[];
  const alarms = new Map(((okBody(live.get(ALARMS))?.alarm_summary ?? []) as any[]).map((a) => [a.region_name, a]));
  const columns: Column<any>[] = [
    { title: 'Subcloud', cell: (s) => <span title={s.description ?? ''}>{s.name}</span> },
    { title: 'Availability', cell: (s) => <span class={s['availability-status'] === 'online' ? 'ok' : 'bad'} data-testid={`availability-${s.name}`}>{s['availability-status']}</span> },
    { title: 'Management', cell: (s) => <span data-testid={`management-${s.name}`}>{s['management-state']}</span> },
    { title: 'Sync', cell: (s) => <span class={s.sync_status === 'in-sync' ? 'ok' : s.sync_status === 'out-of-sync' ? 'bad' : ''} data-testid={`sync-${s.name}`}>{s.sync_status}</span> },
    { title: 'Endpoints', cell: (s) => (s.endpoint_sync_status ?? []).map((e: any) => `${e.endpoint_type}: ${e.sync_status}`).join(', ') },
    { title: 'Alarms', cell: (s) => alarmLine(alarms.get(s.name)) },
    { title: 'Version', cell: (s) => s['software-version'] ?? '—' },
    { title: 'Last audit', cell: (s) => s['last-audit-at'] ?? 'never' },
    { title: 'Error', cell: (s) => <span class={s.error_description === 'No errors present' ? '' : 'bad'}>{s.error_description}</span> },
    ...(isAdmin(me)
      ? [{
          title: 'Actions',
          cell: (s: any) => {
            const to = s['management-state'] === 'managed' ? 'unmanaged' : 'managed';
            const label = to === 'managed' ? 'manage' : 'unmanage';
            return <ActionButton label={label} question={`${label === 'manage' ? 'Manage' : 'Unmanage'} subcloud ${s.name}? ${to === 'managed' ? 'The controller then syncs it.' : 'The controller stops writing to it.'}`} run={() => call('PATCH', `${SUBCLOUDS}/${encodeURIComponent(s.name)}`, { 'management-state': to })} />;
          },
        }]
      : []),
  ];
  return (
    <section aria-labelledby="h-fleet">
      <div class="toolbar"><h1 id="h-fleet">Fleet</h1><LinkBadge state={live.state} problem={live.problem} /></div>
      {notController
        ? <p data-testid="not-controller">This server is not a system controller: start it with <code>--edge-role controller</code> to keep a fleet of subclouds.</p>
        : (
          <>
            <UpdateError u={u} what="subclouds" />
            <PlainTable caption="Subclouds" rows={subclouds} columns={columns} rowKey={(s) => String(s.id)} empty="No subclouds: add one with strata subcloud add." testId="subclouds" />
          </>
        )}
    </section>
  );
}

export const fleetPages: PageDef[] = [{ path: '/fleet', title: 'Fleet', module: 'edge', nav: true, component: Fleet }];
