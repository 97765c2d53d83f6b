// Autohold requests of the gate's tenant, as Zuul's web UI lists them (job,
// project, ref filter, count, reason, held nodes), live from the event
// stream; tenant admins create and delete them here, each confirmed first.
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { ActionButton } from '../../shell/confirm.tsx';
import { call, errorText } from '../../shell/api.ts';
import { Link } from '../../shell/router.tsx';
import { autoholdBody, autoholdsPath, createAutohold, deleteAutohold, useTenantAdmin } from './admin.ts';

export function Autoholds({ query }: PageProps) {
  const [tenant, setTenant] = useState<string | null>(query.get('tenant'));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (tenant) return;
    void call('GET', '/api/tenants').then((a) => (a.ok && a.body[0] ? setTenant(a.body[0].name) : setError(a.ok ? 'no tenant is configured' : errorText(a))));
  }, [tenant]);
  return (
    <section aria-labelledby="h-autoholds">
      {error && <p role="alert" class="error">{error}</p>}
      {tenant ? <List tenant={tenant} /> : <h1 id="h-autoholds">Autoholds</h1>}
    </section>
  );
}

function List({ tenant }: { tenant: string }) {
  const path = autoholdsPath(tenant);
  const live = useLive([path]);
  const admin = useTenantAdmin(tenant);
  const u = live.get(path);
  const list = (okBody(u) ?? []) as any[];
  return (
    <>
      <div class="toolbar">
        <h1 id="h-autoholds">Autoholds · {tenant}</h1>
        <LinkBadge state={live.state} problem={live.problem} />
        <Link to="/gate">status</Link>
      </div>
      <UpdateError u={u} what="autoholds" />
      {list.length === 0 ? <p data-testid="no-autoholds">No autohold requests.</p> : (
        <table class="plain" data-testid="autoholds">
          <thead><tr><th scope="col">id</th><th scope="col">project</th><th scope="col">job</th><th scope="col">ref filter</th><th scope="col">count</th><th scope="col">reason</th><th scope="col">held nodes</th>{admin && <th scope="col"><span class="sr-only">actions</span></th>}</tr></thead>
          <tbody>{list.map((a) => (
            <tr key={a.id} data-testid={`autohold-${a.id}`}>
              <td>{a.id}</td><td>{a.project}</td><td>{a.job}</td><td class="state">{a.ref_filter}</td>
              <td>{a.current_count}/{a.max_count}</td><td>{a.reason}</td>
              <td>{a.nodes.flatMap((n: any) => n.nodes.map((x: any) => `${x.name} (${n.result})`)).join(', ') || '—'}</td>
              {admin && <td><ActionButton label="delete" question={`Delete autohold ${a.id} (${a.job} of ${a.project}) and release the nodes it holds?`} run={() => deleteAutohold(tenant, a.id)} /></td>}
            </tr>
          ))}</tbody>
        </table>
      )}
      {admin && <CreateForm tenant={tenant} />}
    </>
  );
}

function CreateForm({ tenant }: { tenant: string }) {
  const [f, setF] = useState({ project: '', job: '', change: '', reason: '', count: '1' });
  const [projects, setProjects] = useState<string[]>([]);
  const [jobs, setJobs] = useState<string[]>([]);
  useEffect(() => {
    const base = `/api/tenant/${encodeURIComponent(tenant)}`;
    void call('GET', `${base}/projects`).then((a) => a.ok && setProjects((a.body as any[]).map((p) => p.name)));
    void call('GET', `${base}/jobs`).then((a) => a.ok && setJobs((a.body as any[]).map((j) => j.name)));
  }, [tenant]);
  const field = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const project = f.project || projects[0] || '';
  return (
    <form class="enqueue" aria-label="Create autohold" data-testid="autohold-form" onSubmit={(e) => e.preventDefault()}>
      <h2>Create an autohold</h2>
      <label>Project <select value={project} onChange={field('project')}>{projects.map((p) => <option key={p} value={p}>{p}</option>)}</select></label>
      <label>Job <input list="autohold-jobs" value={f.job} onInput={field('job')} required /></label>
      <datalist id="autohold-jobs">{jobs.map((j) => <option key={j} value={j} />)}</datalist>
      <label>Change <input value={f.change} onInput={field('change')} placeholder="any (or 12 or 12,1)" /></label>
      <label>Reason <input value={f.reason} onInput={field('reason')} required /></label>
      <label>Count <input type="number" min={1} max={100} value={f.count} onInput={field('count')} /></label>
      <ActionButton label="create autohold" question={`Hold the nodes of the next ${f.count || 1} failed build(s) of ${f.job || '(no job)'} in ${project}${f.change ? ` for change ${f.change}` : ''}?`}
        run={() => createAutohold(tenant, project, autoholdBody(f))} />
    </form>
  );
}
