// One sandbox: its record, the limits in force beside what its processes
// use now (sampled server-side from /proc and pushed on change), and, for
// members, a command to run in it whose output streams into the page. The
// last exec's output stays in the tab's session storage, so it is there
// again after a reload or a visit elsewhere.
import { useState } from 'preact/hooks';
import type { PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { canAct, errorText, VERSIONS } from '../../shell/api.ts';
import { session } from '../../shell/session.ts';
import { apply, argv, NdjsonLines, type ExecOutput } from './exec-output.ts';

export const SANDBOXES = '/sandbox/api/v1/sandboxes';

const kib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} GiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} MiB` : `${n} KiB`);

const stored = (id: string): ExecOutput | null => {
  try {
    return JSON.parse(sessionStorage.getItem(`strata.exec.${id}`) ?? 'null');
  } catch {
    return null;
  }
};

function Output({ o }: { o: ExecOutput }) {
  return (
    <>
      <p>
        <code>{o.command.join(' ')}</code>{' '}
        <span data-testid="exec-end" class={o.end === 'exit 0' ? 'ok' : o.end ? 'bad' : 'r-running'}>{o.end ?? 'running…'}</span>
        {o.truncated && ' (earlier output dropped)'}
      </p>
      <pre class="output" aria-label="exec output" aria-live="polite" data-testid="exec-output">
        {o.chunks.map((c, i) => <span key={i} class={c.stream}>{c.text}</span>)}
      </pre>
    </>
  );
}

export function Sandbox({ params, me }: PageProps) {
  const id = params.id!;
  const path = `${SANDBOXES}/${encodeURIComponent(id)}`;
  const live = useLive([path, `${path}/usage`]);
  const u = live.get(path);
  const s = okBody(u);
  const usageU = live.get(`${path}/usage`);
  const use = okBody(usageU);
  const [line, setLine] = useState('');
  const [out, setOut] = useState<ExecOutput | null>(() => stored(id));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (e: Event) => {
    e.preventDefault();
    const command = argv(line);
    if (!command.length) return setError('Type a command to run.');
    setError(null);
    setBusy(true);
    let o: ExecOutput = { command, chunks: [], truncated: false };
    setOut(o);
    try {
      const res = await fetch(`${path}/exec`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.token()}`, 'content-type': 'application/json', accept: 'application/x-ndjson', ...VERSIONS },
        body: JSON.stringify({ command }),
      });
      if (!res.ok || !res.body) {
        const text = await res.text();
        let body: any = text;
        try { body = JSON.parse(text); } catch { /* text */ }
        setError(errorText({ status: res.status, ok: false, body }));
        setOut(null);
        return;
      }
      const lines = new NdjsonLines();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const f of lines.push(value)) o = apply(o, f);
        setOut(o);
      }
      if (!o.end) o = { ...o, end: 'the stream ended early' };
      setOut(o);
      sessionStorage.setItem(`strata.exec.${id}`, JSON.stringify(o));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="h-sandbox">
      <div class="toolbar"><h1 id="h-sandbox">Sandbox {id}</h1><LinkBadge state={live.state} problem={live.problem} /></div>
      <UpdateError u={u} what="sandbox" />
      {s && (
        <>
          <dl class="kv">
            <dt>State</dt><dd class={`s-${s.state}`} data-testid="sandbox-state">{s.state}</dd>
            <dt>Runtime</dt><dd>{s.runtime}{s.runtimeClass ? ` (class ${s.runtimeClass})` : ''}</dd>
            <dt>Image</dt><dd>{s.image}</dd>
            <dt>Project</dt><dd>{s.project} (by {s.createdBy})</dd>
            <dt>Host</dt><dd>{s.host}{s.server ? ` · ${s.server}` : ''}</dd>
            <dt>Created</dt><dd>{new Date(s.createdAt).toLocaleString()}</dd>
            <dt>Running execs</dt><dd>{s.execs ?? '—'}</dd>
            {s.error && <><dt>Error</dt><dd class="bad">{s.error}</dd></>}
          </dl>
          <h2>Resource use</h2>
          {use ? (
            <dl class="kv" data-testid="usage">
              <dt>Processes</dt><dd data-testid="usage-processes">{use.processes}</dd>
              <dt>Memory</dt><dd data-testid="usage-memory">{kib(use.pssKiB)} proportional · {kib(use.rssKiB)} resident</dd>
              <dt>CPU time</dt><dd data-testid="usage-cpu">{(use.cpuMs / 1000).toFixed(2)} s</dd>
            </dl>
          ) : <p>{usageU && usageU.status !== 200 ? `Not measured: ${errorText({ ...usageU, ok: false })}` : '…'}</p>}
          <h3>Limits in force</h3>
          {(s.limits ?? []).length === 0 ? <p>None recorded.</p> : (
            <table class="plain">
              <thead><tr><th scope="col">limit</th><th scope="col">value</th><th scope="col">by</th><th scope="col">enforced</th></tr></thead>
              <tbody>{s.limits.map((l: any) => <tr key={l.limit}><td>{l.limit}</td><td>{l.value}</td><td>{l.mechanism}</td><td class={l.enforced ? 'ok' : 'bad'}>{l.enforced ? 'yes' : `no${l.warning ? `: ${l.warning}` : ''}`}</td></tr>)}</tbody>
            </table>
          )}
        </>
      )}
      <h2>Exec</h2>
      {canAct(me) && s?.state === 'running' && (
        <form class="toolbar" onSubmit={run} aria-label="Run a command">
          <label for="exec-command">Command</label>
          <input id="exec-command" size={48} value={line} onInput={(e) => setLine((e.target as HTMLInputElement).value)} placeholder="words split on spaces, no shell" aria-describedby="exec-help" />
          <button type="submit" disabled={busy}>Run</button>
          <span id="exec-help" class="sr-only">The command runs in the sandbox as an argument list, without a shell.</span>
        </form>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      {out ? <Output o={out} /> : <p>No exec from this tab yet.</p>}
    </section>
  );
}
