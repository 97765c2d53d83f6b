// A build and its log, read as a stream while the build runs (the gate's
// log endpoint follows the file until the build ends).
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../registry.ts';
import { call, errorText } from '../../shell/api.ts';
import { session } from '../../shell/session.ts';

export function BuildLog({ params }: PageProps) {
  const [build, setBuild] = useState<any>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    void call('GET', `/gate/api/builds/${encodeURIComponent(params.id!)}`).then((a) => (a.ok ? setBuild(a.body) : setError(errorText(a))));
    void (async () => {
      const res = await fetch(`/gate/api/builds/${encodeURIComponent(params.id!)}/log`, { headers: { authorization: `Bearer ${session.token()}` }, signal: abort.signal });
      if (!res.ok || !res.body) return setError(`log: HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        setText((t) => t + value);
      }
      void call('GET', `/gate/api/builds/${encodeURIComponent(params.id!)}`).then((a) => a.ok && setBuild(a.body));
    })().catch(() => {});
    return () => abort.abort();
  }, [params.id]);
  return (
    <section aria-labelledby="h-build">
      <h1 id="h-build">Build {build ? `${build.job} · ${build.change ?? build.ref}` : params.id}</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {build && <p>{build.pipeline} · <span class={`r-${build.result ?? build.status}`}>{build.result ?? build.status}</span></p>}
      <pre aria-label="build log" data-testid="build-log">{text}</pre>
    </section>
  );
}
