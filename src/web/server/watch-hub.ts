/**
 * Live updates without polling storms. Modules have no event bus yet, so the
 * hub watches the same GET resources a page would read, server-side and in
 * process: one probe per (token, path) per tick however many tabs watch it,
 * only while someone watches, and a push only when the answer changed. The
 * browser holds one stream and never polls. When modules publish events,
 * probes can be replaced by them behind the same stream protocol.
 */
import { createHash } from 'node:crypto';

export interface ProbeResult {
  status: number;
  body: unknown;
}

/** Runs GET `path` as the holder of `credential` (the hub never reads it). */
export type Probe = (path: string, credential: Record<string, string>) => Promise<ProbeResult>;

export interface WatchUpdate extends ProbeResult {
  path: string;
  /** Increases on each change of this watch's answer. */
  version: number;
}

type Listener = (u: WatchUpdate) => void;

interface Entry {
  path: string;
  credential: Record<string, string>;
  listeners: Set<Listener>;
  hash?: string;
  last?: WatchUpdate;
  version: number;
}

export interface WatchHubStats {
  watches: number;
  listeners: number;
  probes: number;
  pushes: number;
}

export class WatchHub {
  private readonly entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private closed = false;
  readonly stats: WatchHubStats = { watches: 0, listeners: 0, probes: 0, pushes: 0 };

  constructor(private readonly probe: Probe, private readonly intervalMs: number) {}

  /**
   * Adds a listener for `path` as `identity` (a digest of the token); it gets
   * the current answer at once (probing when none is known) and each change
   * after. Returns the unsubscribe function.
   */
  watch(identity: string, path: string, credential: Record<string, string>, listener: Listener): () => void {
    if (this.closed) throw new Error('the watch hub is closed');
    const key = createHash('sha256').update(identity).update('\0').update(path).digest('hex');
    let e = this.entries.get(key);
    if (!e) {
      e = { path, credential, listeners: new Set(), version: 0 };
      this.entries.set(key, e);
    }
    e.listeners.add(listener);
    if (e.last) listener(e.last);
    else void this.run(e);
    this.ensureTimer();
    this.count();
    const entry = e;
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0) this.entries.delete(key);
      this.count();
      if (this.entries.size === 0) this.stopTimer();
    };
  }

  close(): void {
    this.closed = true;
    this.stopTimer();
    this.entries.clear();
    this.count();
  }

  /** One pass over every watch, in turn (so a tick never runs N probes at once). */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const e of [...this.entries.values()]) await this.run(e);
    } finally {
      this.running = false;
    }
  }

  private async run(e: Entry): Promise<void> {
    let r: ProbeResult;
    try {
      r = await this.probe(e.path, e.credential);
    } catch (err) {
      r = { status: 503, body: { error: { code: 'unavailable', message: (err as Error).message } } };
    }
    this.stats.probes++;
    const hash = createHash('sha256').update(String(r.status)).update(JSON.stringify(r.body) ?? '').digest('hex');
    if (hash === e.hash) return;
    e.hash = hash;
    e.last = { path: e.path, status: r.status, body: r.body, version: ++e.version };
    for (const l of e.listeners) {
      this.stats.pushes++;
      l(e.last);
    }
  }

  private ensureTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private count(): void {
    this.stats.watches = this.entries.size;
    this.stats.listeners = [...this.entries.values()].reduce((n, e) => n + e.listeners.size, 0);
  }
}
