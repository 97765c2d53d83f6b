// One event stream per page: the paths the page watches go to the server,
// which pushes each one's answer when it changes. EventSource cannot send an
// Authorization header, so the stream is read with fetch; it reconnects by
// itself (after a server restart, say) with a capped backoff.
import { useEffect, useState } from 'preact/hooks';
import { SseParser } from '../../server/sse.ts';
import { session } from './session.ts';

export type LinkState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'refused';
export interface Update {
  path: string;
  status: number;
  body: any;
  version: number;
}

export class LiveStream {
  readonly data = new Map<string, Update>();
  state: LinkState = 'connecting';
  /** Why the server refused the stream (a bad watch list: a bug, so not retried). */
  problem?: string;
  private abort = new AbortController();
  private closed = false;
  private delay = 250;

  constructor(private readonly paths: string[], private readonly onChange: () => void) {
    void this.loop();
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private set(state: LinkState) {
    this.state = state;
    this.onChange();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        await this.once();
      } catch {
        /* network error or server gone: retry below */
      }
      if (this.closed || this.state === 'unauthorized' || this.state === 'refused') return;
      this.set('reconnecting');
      await new Promise((r) => setTimeout(r, this.delay));
      this.delay = Math.min(this.delay * 2, 4000);
    }
  }

  private async once(): Promise<void> {
    const q = this.paths.map((p) => `watch=${encodeURIComponent(p)}`).join('&');
    const res = await fetch(`/ui/api/events?${q}`, { headers: { authorization: `Bearer ${session.token()}` }, signal: this.abort.signal });
    if (res.status === 401) return this.set('unauthorized');
    if (res.status === 400) {
      const body = await res.json().catch(() => null);
      this.problem = body?.error?.message ?? 'HTTP 400';
      return this.set('refused');
    }
    if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const e of parser.push(value)) {
        if (e.event === 'hello') {
          this.delay = 250;
          this.set('live');
        } else if (e.event === 'update') {
          const u = JSON.parse(e.data) as Update;
          this.data.set(u.path, u);
          this.onChange();
        }
      }
    }
  }
}

/** Watches `paths` for the life of the component (one stream for all of them). */
export function useLive(paths: string[]): { get(path: string): Update | undefined; state: LinkState; problem?: string } {
  const key = paths.join('\n');
  const [, bump] = useState(0);
  const [stream, setStream] = useState<LiveStream | null>(null);
  useEffect(() => {
    const s = new LiveStream(paths, () => bump((n) => n + 1));
    setStream(s);
    return () => s.close();
  }, [key]);
  return { get: (p) => stream?.data.get(p), state: stream?.state ?? 'connecting', problem: stream?.problem };
}
