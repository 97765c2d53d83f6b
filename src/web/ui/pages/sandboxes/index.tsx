// Sandboxes: each with its state, runtime, image, limits in force and
// running execs; a sandbox's page (./sandbox.tsx) adds its resource use and
// the output of an exec.
import { useState } from 'preact/hooks';
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { VirtualTable, type Column } from '../../shell/virtual-table.tsx';
import { ActionButton } from '../../shell/confirm.tsx';
import { call, canAct } from '../../shell/api.ts';

import { Link } from '../../shell/router.tsx';
import { Sandbox, SANDBOXES as LIST } from './sandbox.tsx';

function limits(s: any): string {
  return (s.limits ?? []).map((l: any) => `${l.limit}=${l.value}${l.enforced ? '' : ' (not enforced)'}`).join(', ');
}

function Sandboxes({ me }: PageProps) {
  const live = useLive([LIST]);
  const [filter, setFilter] = useState('');
  const u = live.get(LIST);
  const all = (okBody(u)?.sandboxes ?? []) as any[];
  const rows = all.filter((s) => !filter || [s.id, s.state, s.runtime, s.project, s.image].some((v) => String(v).includes(filter)));
  const columns: Column<any>[] = [
    { title: 'ID', cell: (s) => <Link to={`/sandboxes/${s.id}`}><code>{s.id}</code></Link>, width: '22%' },
    { title: 'State', cell: (s) => <span class={`s-${s.state}`}>{s.state}</span>, width: '10%' },
    { title: 'Runtime', cell: (s) => `${s.runtime}${s.runtimeClass ? ` (${s.runtimeClass})` : ''}`, width: '14%' },
    { title: 'Image', cell: (s) => s.image, width: '14%' },
    { title: 'Limits', cell: (s) => limits(s) || (s.spec?.memory ? `memory ${s.spec.memory}` : '—') },
    { title: 'Execs', cell: (s) => s.execs ?? '—', width: '6%' },
    { title: 'Project', cell: (s) => s.project, width: '10%' },
    ...(canAct(me)
      ? [{ title: 'Actions', width: '12%', cell: (s: any) => <ActionButton label="destroy" question={`Destroy sandbox ${s.id}?`} run={() => call('DELETE', `${LIST}/${encodeURIComponent(s.id)}?force=true`)} /> }]
      : []),
  ];
  return (
    <section aria-labelledby="h-sb">
      <div class="toolbar">
        <h1 id="h-sb">Sandboxes</h1>
        <LinkBadge state={live.state} problem={live.problem} />
        <label>Filter <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} /></label>
      </div>
      <UpdateError u={u} what="sandboxes" />
      <VirtualTable caption="Sandboxes" rows={rows} columns={columns} rowKey={(s) => s.id} height={480} />
    </section>
  );
}

export const sandboxPages: PageDef[] = [
  { path: '/sandboxes', title: 'Sandboxes', module: 'sandbox', nav: true, component: Sandboxes },
  { path: '/sandboxes/:id', title: 'Sandbox', module: 'sandbox', component: Sandbox },
];
