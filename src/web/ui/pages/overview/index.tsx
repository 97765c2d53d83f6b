// Overview: which modules run, counts per module, alarms by severity (when
// the edge module runs), and the latest gate builds as recent events.
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody } from '../../shell/status.tsx';
import { Link } from '../../shell/router.tsx';

const NODES = '/baremetal/v1/nodes';
const GATE = '/gate/api/status';
const BUILDS = '/gate/api/builds?limit=10';
const SANDBOXES = '/sandbox/api/v1/sandboxes';
const REVISIONS = '/deckhand/api/v1.0/revisions';
const ALARMS = '/edge/api/v1/alarms';

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
    ...(has('edge') ? [ALARMS] : []),
  ];
  const live = useLive(paths);
  const nodes = okBody(live.get(NODES))?.nodes as any[] | undefined;
  const items = gateItems(okBody(live.get(GATE)));
  const sandboxes = okBody(live.get(SANDBOXES)) as any[] | undefined;
  const revisions = okBody(live.get(REVISIONS))?.count as number | undefined;
  const alarms = (okBody(live.get(ALARMS))?.alarms ?? []) as any[];
  const builds = (okBody(live.get(BUILDS)) ?? []) as any[];
  const bySeverity = alarms.reduce<Record<string, number>>((m, a) => ((m[a.severity ?? 'unknown'] = (m[a.severity ?? 'unknown'] ?? 0) + 1), m), {});
  return (
    <section aria-labelledby="h-overview">
      <div class="toolbar"><h1 id="h-overview">Overview</h1><LinkBadge state={live.state} /></div>
      <p>Modules: {modules.map((m) => <code key={m}>{m} </code>)}</p>
      <div class="cards">
        {has('metal') && <div class="card"><div class="n" data-testid="count-nodes">{nodes?.length ?? '…'}</div><Link to="/nodes">nodes</Link>{nodes && <div>{nodes.filter((n) => n.provision_state === 'active').length} active</div>}</div>}
        {has('gate') && <div class="card"><div class="n" data-testid="count-items">{items.length}</div><Link to="/gate">queue items</Link></div>}
        {has('sandbox') && <div class="card"><div class="n">{sandboxes?.length ?? '…'}</div><Link to="/sandboxes">sandboxes</Link></div>}
        {has('site') && <div class="card"><div class="n">{revisions ?? '…'}</div><Link to="/site">site revisions</Link></div>}
      </div>
      <h2>Active alarms</h2>
      {has('edge')
        ? <ul>{Object.entries(bySeverity).map(([s, n]) => <li key={s}>{s}: {n}</li>)}{alarms.length === 0 && <li>none</li>}</ul>
        : <p>No alarms: the edge module does not run on this server.</p>}
      {has('gate') && (
        <>
          <h2>Recent builds</h2>
          <table class="plain">
            <thead><tr><th scope="col">job</th><th scope="col">change</th><th scope="col">pipeline</th><th scope="col">result</th><th scope="col">ended</th></tr></thead>
            <tbody>
              {builds.map((b) => (
                <tr key={b.uuid}><td>{b.job}</td><td>{b.change ?? b.ref}</td><td>{b.pipeline}</td><td class={`r-${b.result ?? b.status}`}>{b.result ?? b.status}</td><td>{b.end_time ? new Date(b.end_time).toLocaleTimeString() : ''}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export const overviewPage: PageDef = { path: '/', title: 'Overview', nav: true, component: Overview };
