// The gate page's admin actions, as Zuul's web UI offers them to tenant
// admins: dequeue and promote on each queue item, and an enqueue form. Each
// asks first and shows the server's refusal; the page itself updates from
// its live status stream.
import { useEffect, useState } from 'preact/hooks';
import { ActionButton } from '../../shell/confirm.tsx';
import { call } from '../../shell/api.ts';
import { dequeue, enqueue, enqueueBody, itemTarget, promote } from './admin.ts';

export function ItemActions({ tenant, pipeline, item }: { tenant: string; pipeline: { name: string; manager: string }; item: any }) {
  const what = itemTarget(item);
  const name = what.change ?? what.ref;
  return (
    <div role="group" aria-label={`actions on ${item.id}`} class="item-actions">
      {/* Only a dependent pipeline's queue has an order to change; Zuul promotes changes, not refs. */}
      {pipeline.manager === 'dependent' && what.change && (
        <ActionButton label="promote" question={`Move ${name} (${item.project}) to the head of its queue in ${pipeline.name}? Items behind the new head restart their jobs.`}
          run={() => promote(tenant, pipeline.name, [what.change!])} />
      )}
      <ActionButton label="dequeue" question={`Remove ${name} (${item.project}) from ${pipeline.name}? Its running jobs are cancelled.`}
        run={() => dequeue(tenant, pipeline.name, item)} />
    </div>
  );
}

export function EnqueueForm({ tenant, pipelines }: { tenant: string; pipelines: string[] }) {
  const [projects, setProjects] = useState<string[]>([]);
  const [project, setProject] = useState('');
  const [pipeline, setPipeline] = useState('');
  const [target, setTarget] = useState('');
  const [newrev, setNewrev] = useState('');
  useEffect(() => {
    void call('GET', `/api/tenant/${encodeURIComponent(tenant)}/projects`).then((a) => a.ok && setProjects((a.body as any[]).map((p) => p.name)));
  }, [tenant]);
  const pl = pipeline || pipelines[0] || '';
  const pr = project || projects[0] || '';
  const isRef = target.trim().startsWith('refs/');
  const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return (
    <form class="enqueue" aria-label="Enqueue" data-testid="enqueue" onSubmit={(e) => e.preventDefault()}>
      <h2>Enqueue</h2>
      <label>Project <select value={pr} onChange={input(setProject)}>{projects.map((p) => <option key={p} value={p}>{p}</option>)}</select></label>
      <label>Pipeline <select value={pl} onChange={input(setPipeline)}>{pipelines.map((p) => <option key={p} value={p}>{p}</option>)}</select></label>
      <label>Change or ref <input value={target} onInput={input(setTarget)} placeholder="12,1 or refs/heads/main" required /></label>
      {isRef && <label>New revision <input value={newrev} onInput={input(setNewrev)} placeholder="40 hex digits" /></label>}
      <ActionButton label="enqueue" question={`Enqueue ${target.trim() || '(nothing)'} of ${pr} into ${pl}, whatever the pipeline's requirements?`}
        run={() => enqueue(tenant, pr, enqueueBody({ pipeline: pl, target, newrev }))} />
    </form>
  );
}
