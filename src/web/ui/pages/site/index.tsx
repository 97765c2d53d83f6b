// Site: the revisions, the diff between two of them (by bucket, as Deckhand
// reports it), one revision's rendered documents (secrets come redacted
// from the API unless the token may see them) and its validations. The two
// revisions are in the URL (?a=1&b=2), so a diff is a deep link.
import { useEffect, useState } from 'preact/hooks';
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { call, errorText } from '../../shell/api.ts';
import { BASE } from '../../shell/router.tsx';

const API = '/deckhand/api/v1.0';
const LIST = `${API}/revisions`;

function useGet(path: string | null): { body: any; error: string | null } {
  const [state, setState] = useState<{ body: any; error: string | null }>({ body: null, error: null });
  useEffect(() => {
    if (!path) return setState({ body: null, error: null });
    let on = true;
    void call('GET', path).then((a) => on && setState(a.ok ? { body: a.body, error: null } : { body: null, error: errorText(a) }));
    return () => (on = false);
  }, [path]);
  return state;
}

function Site({ query }: PageProps) {
  const live = useLive([LIST]);
  const u = live.get(LIST);
  const revisions = (okBody(u)?.results ?? []) as any[];
  const [a, setA] = useState(query.get('a') ?? '');
  const [b, setB] = useState(query.get('b') ?? '');
  useEffect(() => {
    if (revisions.length >= 2 && !a && !b) {
      setA(String(revisions[revisions.length - 2].id));
      setB(String(revisions[revisions.length - 1].id));
    } else if (revisions.length === 1 && !b) setB(String(revisions[0].id));
  }, [revisions.length]);
  useEffect(() => {
    const q = new URLSearchParams();
    if (a) q.set('a', a);
    if (b) q.set('b', b);
    history.replaceState(null, '', `${BASE}/site${q.size ? `?${q}` : ''}`);
  }, [a, b]);
  const diff = useGet(a && b ? `${API}/revisions/${a}/diff/${b}` : null);
  const rendered = useGet(b ? `${API}/revisions/${b}/rendered-documents` : null);
  const validations = useGet(b ? `${API}/revisions/${b}/validations` : null);
  const select = (id: string, value: string, set: (v: string) => void) => (
    <select id={id} value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
      <option value="">—</option>
      {revisions.map((r) => <option value={String(r.id)}>{r.id}{r.tags?.length ? ` (${r.tags.join(', ')})` : ''}</option>)}
    </select>
  );
  return (
    <section aria-labelledby="h-site">
      <div class="toolbar"><h1 id="h-site">Site</h1><LinkBadge state={live.state} problem={live.problem} /></div>
      <UpdateError u={u} what="revisions" />
      <h2>Revisions</h2>
      <table class="plain">
        <thead><tr><th scope="col">id</th><th scope="col">created</th><th scope="col">buckets</th><th scope="col">tags</th></tr></thead>
        <tbody>{[...revisions].reverse().map((r) => <tr key={r.id}><td>{r.id}</td><td>{r.createdAt}</td><td>{(r.buckets ?? []).join(', ')}</td><td>{(r.tags ?? []).join(', ')}</td></tr>)}</tbody>
      </table>
      <h2>Diff</h2>
      <div class="toolbar">
        <label for="rev-a">From</label>{select('rev-a', a, setA)}
        <label for="rev-b">to</label>{select('rev-b', b, setB)}
      </div>
      {diff.error && <p role="alert" class="error">{diff.error}</p>}
      {diff.body && (
        <table class="plain" data-testid="diff" aria-label={`diff of revisions ${a} and ${b}`}>
          <thead><tr><th scope="col">bucket</th><th scope="col">change</th></tr></thead>
          <tbody>{Object.entries(diff.body).map(([bucket, change]) => <tr key={bucket}><td>{bucket}</td><td class={`diff-${change}`}>{String(change)}</td></tr>)}</tbody>
        </table>
      )}
      {b && (
        <>
          <h2>Validations of revision {b}</h2>
          {validations.error ? <p role="alert" class="error">{validations.error}</p> : (
            <ul>{(validations.body?.results ?? []).map((v: any) => <li key={v.name} class={`s-${v.status}`}>{v.name}: {v.status}</li>)}{validations.body?.count === 0 && <li>none</li>}</ul>
          )}
          <h2>Rendered documents of revision {b}</h2>
          {rendered.error ? <p role="alert" class="error">{rendered.error}</p> : (
            <details>
              <summary>{Array.isArray(rendered.body) ? `${rendered.body.length} documents` : '…'}</summary>
              <pre data-testid="rendered">{rendered.body ? JSON.stringify(rendered.body, null, 2) : ''}</pre>
            </details>
          )}
        </>
      )}
    </section>
  );
}

export const sitePages: PageDef[] = [{ path: '/site', title: 'Site', module: 'site', nav: true, component: Site }];
