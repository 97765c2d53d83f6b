// Overview: which modules run, counts per module, active alarms by severity
// and the latest events (when fm runs), and the latest gate builds.
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody } from '../../shell/status.tsx';
import { Link } from '../../shell/router.tsx';
import { SEVERITIES, summaryCount } from '../alarms/severity.ts';

const NODES = '/baremetal/v1/nodes';
const GATE = '/gate/api/status';
const BUILDS = '/gate/api/builds?limit=10';
const SANDBOXES = '/sandbox/api/v1/sandboxes';
const REVISIONS = '/deckhand/api/v1.0/revisions';
const ARQS = '/accelerator/v2/accelerator_requests';
const DEVICES = '/accelerator/v2/devices';
const SUMMARY = '/fm/v1/alarms/summary';
const EVENTS = '/fm/v1/event_log?limit=10';
const SUBCLOUDS = '/dcmanager/v1.0/subclouds';

export function gateItems(status: any): any[] {
  return (status?.pipelines ?? []).flatMap((p: any) => p.change_queues.flatMap((q: any) => q.heads.flat()));
}

function Overview({ modules }: PageProps) {
  const has = (m: string) => modules.includes(m);
  const paths = [
    ...(has('metal') ? [NODES] : []),
    ...(has('gate') ? [GATE, BUILDS] : []),
    ...(has('sandbox') ? [SANDBOXES] : []),
    ...(has('site') ? [REVISIONS] : []),
    ...(has('accel') ? [DEVICES, ARQS] : []),
    ...(has('fm') ? [SUMMARY, EVENTS] : []),
    ...(has('edge') ? [SUBCLOUDS] : []),
  ];
  const live = useLive(paths);
  const nodes = okBody(live.get(NODES))?.nodes as any[] | undefined;
  const items = gateItems(okBody(live.get(GATE)));
  const sandboxes = okBody(live.get(SANDBOXES))?.sandboxes as any[] | undefined;
  const devices = okBody(live.get(DEVICES))?.devices as any[] | undefined;
  const arqs = okBody(live.get(ARQS))?.arqs as any[] | undefined;
  const subclouds = okBody(live.get(SUBCLOUDS))?.subclouds as any[] | undefined;
  const summary = okBody(live.get(SUMMARY));
  const events = (okBody(live.get(EVENTS))?.event_log ?? []) as any[];
  const revisions = okBody(live.get(REVISIONS))?.count as number | undefined;
  const builds = (okBody(live.get(BUILDS)) ?? []) as any[];
  return (
    <section aria-labelledby="h-overview">
      <div class="toolbar"><h1 id="h-overview">Overview</h1><LinkBadge state={live.state} problem={live.problem} /></div>
      <p>Modules: {modules.map((m) => <code key={m}>{m} </code>)}</p>
      <div class="cards">
        {has('metal') && <div class="card"><div class="n" data-testid="count-nodes">{nodes?.length ?? '…'}</div><Link to="/nodes">nodes</Link>{nodes && <div>{nodes.filter((n) => n.provision_state === 'active').length} active</div>}</div>}
        {has('gate') && <div class="card"><div class="n" data-testid="count-items">{items.length}</div><Link to="/gate">queue items</Link></div>}
        {has('sandbox') && <div class="card"><div class="n">{sandboxes?.length ?? '…'}</div><Link to="/sandboxes">sandboxes</Link></div>}
        {has('site') && <div class="card"><div class="n">{revisions ?? '…'}</div><Link to="/site">site revisions</Link></div>}
        {has('accel') && <div class="card"><div class="n" data-testid="count-devices">{devices?.length ?? '…'}</div><Link to="/accelerators">accelerator devices</Link>{arqs && <div>{arqs.filter((a) => a.state === 'Bound').length} of {arqs.length} requests bound</div>}</div>}
        {has('edge') && subclouds && <div class="card"><div class="n">{subclouds.length}</div><Link to="/fleet">subclouds</Link><div>{subclouds.filter((s) => s['availability-status'] === 'online').length} online</div></div>}
      </div>
      <h2>Active alarms</h2>
      {has('fm')
        ? (
          <>
            <ul data-testid="overview-alarms">
              {SEVERITIES.map((s) => {
                const n = summaryCount(summary, s);
                return <li key={s} class={n ? `sev-${s}` : ''} data-testid={`overview-${s}`}>{s}: {n ?? '…'}</li>;
              })}
            </ul>
            <p><Link to="/alarms">All alarms and the event log</Link></p>
            <h2>Recent events</h2>
            {events.length === 0 ? <p>None.</p> : (
              <ul>{events.map((e) => <li key={e.uuid}><time>{new Date(e.timestamp).toLocaleTimeString()}</time> <code>{e.event_log_id}</code> {e.state} {e.entity_instance_id}: {e.reason_text}</li>)}</ul>
            )}
          </>
        )
        : <p>No alarms: the fm module does not run on this server.</p>}
      {has('gate') && (
        <>
          <h2>Recent builds</h2>
          {builds.length === 0 ? <p>None yet.</p> : <table class="plain">
            <thead><tr><th scope="col">job</th><th scope="col">change</th><th scope="col">pipeline</th><th scope="col">result</th><th scope="col">ended</th></tr></thead>
            <tbody>
              {builds.map((b) => (
                <tr key={b.uuid}><td>{b.job}</td><td>{b.change ?? b.ref}</td><td>{b.pipeline}</td><td class={`r-${b.result ?? b.status}`}>{b.result ?? b.status}</td><td>{b.end_time ? new Date(b.end_time).toLocaleTimeString() : ''}</td></tr>
              ))}
            </tbody>
          </table>}
        </>
      )}
    </section>
  );
}

export const overviewPage: PageDef = { path: '/', title: 'Overview', nav: true, component: Overview };
