// The gate's status page, as Zuul's: pipelines, their queues, the items in
// each (heads are chains tested one on another), each item's speculative
// state, its jobs with progress and an ETA from recent durations, and links
// to the logs (streamed live while the build runs). Tenant admins also get
// Zuul's admin actions (actions.tsx) and the autoholds page (autoholds.tsx).
import { useEffect, useState } from 'preact/hooks';
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { call } from '../../shell/api.ts';
import { Link } from '../../shell/router.tsx';
import { BuildLog } from './log.tsx';
import { EnqueueForm, ItemActions } from './actions.tsx';
import { Autoholds } from './autoholds.tsx';
import { useTenantAdmin } from './admin.ts';

const STATUS = '/gate/api/status';

/** Mean duration (ms) of each job's recent successful builds: the ETA's basis. */
export function meanDurations(builds: any[]): Map<string, number> {
  const acc = new Map<string, { t: number; n: number }>();
  for (const b of builds) {
    if (b.result !== 'SUCCESS' || typeof b.duration !== 'number') continue;
    const a = acc.get(b.job) ?? { t: 0, n: 0 };
    a.t += b.duration;
    a.n++;
    acc.set(b.job, a);
  }
  return new Map([...acc].map(([k, v]) => [k, v.t / v.n]));
}

function fmt(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function Job({ j, mean }: { j: any; mean?: number }) {
  const done = j.result !== null;
  const pct = done ? 100 : j.elapsed_time !== null && mean ? Math.min(99, (100 * j.elapsed_time) / mean) : undefined;
  const label = done ? j.result : j.status;
  return (
    <div class="job" data-testid={`job-${j.name}`} data-result={j.result ?? ''} data-status={j.status}>
      <span>{j.url ? <Link to={`/gate/builds/${j.uuid}`}>{j.name}</Link> : j.name}{j.voting ? '' : ' (non-voting)'}</span>
      <progress max={100} value={pct} aria-label={`${j.name}: ${label}`} />
      <span class={`r-${label}`}>{label}{!done && j.elapsed_time !== null && mean ? ` · ETA ${fmt(mean - j.elapsed_time)}` : ''}</span>
    </div>
  );
}

/** Where an item sits, for its admin actions (absent for those who may not act). */
interface Place {
  tenant: string;
  pipeline: { name: string; manager: string };
}

function Item({ item, means, place }: { item: any; means: Map<string, number>; place?: Place }) {
  const failing = item.failing_reasons?.length > 0;
  const remaining = item.jobs.filter((j: any) => j.result === null).map((j: any) => (means.get(j.name) ?? 0) - (j.elapsed_time ?? 0));
  const eta = remaining.length ? Math.max(...remaining) : 0;
  return (
    <article class={`item${failing ? ' failing' : ''}`} data-testid="gate-item" data-id={item.id} data-ahead={item.item_ahead ?? ''} aria-label={`item ${item.id} of ${item.project}`}>
      <div class="head">
        <strong>{item.url ? <a href={item.url}>{item.id}</a> : item.id}</strong>
        <span>{item.project}</span>
        <span class="state" data-testid="item-state">{item.state}</span>
        {item.live ? null : <span>(not live)</span>}
        {item.item_ahead && <span>behind {item.item_ahead}</span>}
        {eta > 0 && <span>ETA {fmt(eta)}</span>}
      </div>
      {item.speculative_state?.length > 0 && <div>tested with: {item.speculative_state.join(' + ')}</div>}
      {failing && <div class="bad">{item.failing_reasons.join('; ')}</div>}
      {item.jobs.map((j: any) => <Job key={j.name} j={j} mean={means.get(j.name)} />)}
      {place && <ItemActions tenant={place.tenant} pipeline={place.pipeline} item={item} />}
    </article>
  );
}

function Gate({ query }: PageProps) {
  const live = useLive([STATUS]);
  const [filter, setFilter] = useState(query.get('project') ?? '');
  const [means, setMeans] = useState(new Map<string, number>());
  useEffect(() => {
    void call('GET', '/gate/api/builds?limit=500').then((a) => a.ok && setMeans(meanDurations(a.body)));
  }, []);
  const u = live.get(STATUS);
  const status = okBody(u);
  const tenant: string | undefined = status?.tenant;
  const admin = useTenantAdmin(tenant);
  const keep = (i: any) => !filter || i.project.includes(filter) || i.changes.some((c: any) => c.project.includes(filter));
  return (
    <section aria-labelledby="h-gate">
      <div class="toolbar">
        <h1 id="h-gate">Gate{status?.tenant ? ` · ${status.tenant}` : ''}</h1>
        <LinkBadge state={live.state} problem={live.problem} />
        <Link to={tenant ? `/gate/autoholds?tenant=${encodeURIComponent(tenant)}` : '/gate/autoholds'}>autoholds</Link>
        <label>Project <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="filter" /></label>
      </div>
      <UpdateError u={u} what="status" />
      {status?.pipelines.map((p: any) => {
        const queues = p.change_queues.map((q: any) => ({ ...q, heads: q.heads.map((h: any[]) => h.filter(keep)).filter((h: any[]) => h.length) }));
        const n = queues.reduce((s: number, q: any) => s + q.heads.flat().length, 0);
        return (
          <section class="pipeline" aria-label={`pipeline ${p.name}`} data-testid={`pipeline-${p.name}`}>
            <h2>{p.name} <small>({p.manager}, {n} item{n === 1 ? '' : 's'})</small></h2>
            {queues.filter((q: any) => q.heads.length).map((q: any) => (
              <div class="queue">
                <h3>queue {q.name} <small>window {q.window}</small></h3>
                {q.heads.map((h: any[]) => h.map((i) => <Item key={i.id} item={i} means={means} place={admin && tenant ? { tenant, pipeline: p } : undefined} />))}
              </div>
            ))}
          </section>
        );
      })}
      {admin && tenant && <EnqueueForm tenant={tenant} pipelines={status.pipelines.map((p: any) => p.name)} />}
    </section>
  );
}

export const gatePages: PageDef[] = [
  { path: '/gate', title: 'Gate', module: 'gate', nav: true, component: Gate },
  { path: '/gate/builds/:id', title: 'Build log', module: 'gate', component: BuildLog },
  { path: '/gate/autoholds', title: 'Autoholds', module: 'gate', component: Autoholds },
];
