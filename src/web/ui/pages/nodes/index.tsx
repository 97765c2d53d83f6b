// Nodes: every node with its provision and power state, maintenance, fault,
// last error and conductor, in a virtualised table with a filter; and a node
// page with its details, the states it passed through while watched, its
// history, and the provision and power actions, each confirmed first.
import { useRef, useState } from 'preact/hooks';
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { Link } from '../../shell/router.tsx';
import { VirtualTable, type Column } from '../../shell/virtual-table.tsx';
import { ActionButton } from '../../shell/confirm.tsx';
import { call, canAct } from '../../shell/api.ts';
import { PROVISION_VERBS } from './actions.ts';

const LIST = '/baremetal/v1/nodes/detail';

const provision = (n: any) => (n.target_provision_state ? `${n.provision_state} → ${n.target_provision_state}` : n.provision_state);

const COLUMNS: Column<any>[] = [
  { title: 'Name', cell: (n) => <Link to={`/nodes/${n.uuid}`}>{n.name ?? n.uuid}</Link>, width: '18%' },
  { title: 'Provision state', cell: (n) => <span class="state">{provision(n)}</span>, width: '16%' },
  { title: 'Power', cell: (n) => n.power_state ?? '—', width: '9%' },
  { title: 'Maintenance', cell: (n) => (n.maintenance ? 'yes' : 'no'), width: '9%' },
  { title: 'Fault', cell: (n) => n.fault ?? '', width: '10%' },
  { title: 'Last error', cell: (n) => <span title={n.last_error ?? ''}>{n.last_error ?? ''}</span> },
  { title: 'Conductor', cell: (n) => n.conductor ?? '', width: '12%' },
];

export function filterNodes(nodes: any[], f: string): any[] {
  const q = f.trim().toLowerCase();
  if (!q) return nodes;
  return nodes.filter((n) => [n.name, n.uuid, n.provision_state, n.power_state, n.fault, n.conductor, n.maintenance ? 'maintenance' : ''].some((v) => typeof v === 'string' && v.toLowerCase().includes(q)));
}

function Nodes({ query }: PageProps) {
  const live = useLive([LIST]);
  const [filter, setFilter] = useState(query.get('q') ?? '');
  const u = live.get(LIST);
  const nodes = (okBody(u)?.nodes ?? []) as any[];
  const rows = filterNodes(nodes, filter);
  return (
    <section aria-labelledby="h-nodes">
      <div class="toolbar">
        <h1 id="h-nodes">Nodes</h1>
        <LinkBadge state={live.state} problem={live.problem} />
        <label>Filter <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="name, state, conductor…" /></label>
        <span data-testid="node-count">{rows.length} of {nodes.length}</span>
      </div>
      <UpdateError u={u} what="nodes" />
      <VirtualTable caption="Nodes" rows={rows} columns={COLUMNS} rowKey={(n) => n.uuid} height={600} testId="nodes-table" />
    </section>
  );
}

function Node({ params, me }: PageProps) {
  const path = `/baremetal/v1/nodes/${encodeURIComponent(params.id!)}`;
  const live = useLive([path, `${path}/history`]);
  const u = live.get(path);
  const n = okBody(u);
  const history = (okBody(live.get(`${path}/history`))?.history ?? []) as any[];
  // Every provision state this page saw, in order: the trail of a deploy.
  const trail = useRef<string[]>([]);
  if (n && trail.current[trail.current.length - 1] !== n.provision_state) trail.current = [...trail.current, n.provision_state];
  const name = n?.name ?? params.id;
  const act = (kind: 'provision' | 'power', target: string) => () => call('PUT', `${path}/states/${kind}`, { target });
  return (
    <section aria-labelledby="h-node">
      <div class="toolbar"><h1 id="h-node">Node {name}</h1><LinkBadge state={live.state} problem={live.problem} /></div>
      <UpdateError u={u} what="node" />
      {n && (
        <>
          <dl class="kv">
            <dt>UUID</dt><dd>{n.uuid}</dd>
            <dt>Provision state</dt><dd class="state" data-testid="provision-state">{n.provision_state}</dd>
            <dt>Target</dt><dd>{n.target_provision_state ?? '—'}</dd>
            <dt>Power</dt><dd data-testid="power-state">{n.power_state ?? '—'}</dd>
            <dt>Maintenance</dt><dd>{n.maintenance ? `yes${n.maintenance_reason ? `: ${n.maintenance_reason}` : ''}` : 'no'}</dd>
            <dt>Fault</dt><dd>{n.fault ?? '—'}</dd>
            <dt>Last error</dt><dd class={n.last_error ? 'bad' : ''}>{n.last_error ?? '—'}</dd>
            <dt>Conductor</dt><dd>{n.conductor ?? '—'}</dd>
            <dt>Driver</dt><dd>{n.driver}</dd>
          </dl>
          <h2>States seen</h2>
          <ol class="trail" aria-label="provision states seen" data-testid="trail">{trail.current.map((s, i) => <li key={i}>{s}</li>)}</ol>
          {canAct(me) && (
            <div role="group" aria-label="Actions" data-testid="node-actions">
              <h2>Actions</h2>
              {(PROVISION_VERBS[n.provision_state] ?? []).map((v) => (
                <ActionButton key={v.label} label={v.label} question={`Run "${v.label}" on node ${name} (now ${n.provision_state})?`} run={act('provision', v.target)} />
              ))}
              <ActionButton label="power on" question={`Power on node ${name}?`} run={act('power', 'power on')} />
              <ActionButton label="power off" question={`Power off node ${name}?`} run={act('power', 'power off')} />
            </div>
          )}
          <h2>History</h2>
          {history.length === 0 ? <p>No events recorded.</p> : (
            <table class="plain">
              <thead><tr><th scope="col">time</th><th scope="col">severity</th><th scope="col">event</th><th scope="col">user</th></tr></thead>
              <tbody>{history.map((h) => <tr key={h.uuid}><td>{h.created_at}</td><td>{h.severity}</td><td>{h.event}</td><td>{h.user ?? ''}</td></tr>)}</tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

export const nodePages: PageDef[] = [
  { path: '/nodes', title: 'Nodes', module: 'metal', nav: true, component: Nodes },
  { path: '/nodes/:id', title: 'Node', module: 'metal', component: Node },
];
