// Zuul's admin actions as the gate page sends them: the same requests as
// Zuul's web UI and zuul-client (POST /api/tenant/{t}/…). Whether to offer
// them at all comes from the tenant's authorizations (a Strata admin or a
// token matching one of its admin-rules); the server checks again.
import { useEffect, useState } from 'preact/hooks';
import { call, type Answer } from '../../shell/api.ts';

const t = (tenant: string) => `/api/tenant/${encodeURIComponent(tenant)}`;
/** Project names hold slashes, which the route keeps. */
const project = (name: string) => name.split('/').map(encodeURIComponent).join('/');

/** An item's change (`N,P`) or, for a ref item, its ref: what dequeue and promote name. */
export function itemTarget(item: { id?: string | null; changes?: Array<{ id?: string | null; ref?: string | null }> }): { change?: string; ref?: string } {
  const c = item.changes?.[0];
  const id = c?.id ?? item.id ?? '';
  if (/^[0-9]+,[0-9]+$/.test(id)) return { change: id };
  return { ref: c?.ref ?? id };
}

export const dequeue = (tenant: string, pipeline: string, item: any): Promise<Answer> =>
  call('POST', `${t(tenant)}/project/${project(item.project)}/dequeue`, { pipeline, ...itemTarget(item) });

export const promote = (tenant: string, pipeline: string, changes: string[]): Promise<Answer> =>
  call('POST', `${t(tenant)}/promote`, { pipeline, changes });

/** The enqueue form's fields into Zuul's body: a change `N,P`, or a ref with its new (and old) revision. */
export function enqueueBody(f: { pipeline: string; target: string; newrev?: string; oldrev?: string }): Record<string, string> {
  const target = f.target.trim();
  if (target.startsWith('refs/')) {
    const out: Record<string, string> = { pipeline: f.pipeline, ref: target };
    if (f.newrev?.trim()) out.newrev = f.newrev.trim();
    if (f.oldrev?.trim()) out.oldrev = f.oldrev.trim();
    return out;
  }
  return { pipeline: f.pipeline, change: target };
}

export const enqueue = (tenant: string, projectName: string, body: Record<string, string>): Promise<Answer> =>
  call('POST', `${t(tenant)}/project/${project(projectName)}/enqueue`, body);

export const autoholdsPath = (tenant: string) => `${t(tenant)}/autohold`;

export function autoholdBody(f: { job: string; change: string; reason: string; count: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { job: f.job.trim(), reason: f.reason.trim() };
  if (f.change.trim()) out.change = f.change.trim();
  if (f.count.trim()) out.count = Number(f.count);
  return out;
}

export const createAutohold = (tenant: string, projectName: string, body: Record<string, unknown>): Promise<Answer> =>
  call('POST', `${t(tenant)}/project/${project(projectName)}/autohold`, body);

export const deleteAutohold = (tenant: string, id: string): Promise<Answer> =>
  call('DELETE', `${autoholdsPath(tenant)}/${encodeURIComponent(id)}`);

/** Whether this token is an admin of `tenant` (false until known, and on any error). */
export function useTenantAdmin(tenant: string | undefined): boolean {
  const [admin, setAdmin] = useState(false);
  useEffect(() => {
    setAdmin(false);
    if (!tenant) return;
    void call('GET', `${t(tenant)}/authorizations`).then((a) => setAdmin(a.ok && a.body?.zuul?.admin === true));
  }, [tenant]);
  return admin;
}
