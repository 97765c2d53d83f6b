/**
 * The workload port over the sandbox service: a replica is a sandbox in
 * the `site` project, labelled with its release, replica and design hash,
 * running the workload's command as an exec the workflow holds open. The
 * exec's end is the workload's end: a replica whose command exited is
 * reported `exited`, whatever its sandbox still does.
 */
import type { Readable } from 'node:stream';
import type { Principal } from '../../core/index.js';
import { LABEL_HASH, LABEL_NODE, LABEL_RELEASE, LABEL_REPLICA, type ReplicaSpec } from './armada-mapping.js';
import type { ExecResult, WorkloadPort } from './ports.js';
import type { ObservedReplica } from './plan.js';

/** What the workflow uses of the sandbox service (src/sandbox's SandboxService). */
export interface SandboxApi {
  create(caller: Principal, input: Record<string, unknown>): Promise<{ id: string; state: string; spec: { labels?: Record<string, string> } }>;
  list(caller: Principal, filter?: { project?: string }): Promise<{ id: string; state: string; spec: { labels?: Record<string, string> } }[]>;
  remove(caller: Principal, id: string, opts?: { force?: boolean }): Promise<void>;
  exec(caller: Principal, id: string, req: { command: string[]; timeout?: string | number }): Promise<{ stream: Readable; abandon(): void }>;
}

export const SITE_PROJECT = 'site';
const CALLER: Principal = { tokenId: 'internal', name: 'site-workflow', role: 'member', project: SITE_PROJECT };
const KEEP_OUTPUT = 16 * 1024;

interface Frame {
  stream?: 'stdout' | 'stderr';
  data?: string;
  exit?: number | null;
  timedOut?: boolean;
  error?: { code: string; message: string };
}

/** Reads an exec's NDJSON frames (docs/sandbox-api.md) to the end. */
async function drain(stream: Readable, onOutput: (text: string) => void): Promise<{ exit: number | null; timedOut: boolean; error?: string }> {
  let buf = '';
  let end: { exit: number | null; timedOut: boolean; error?: string } = { exit: null, timedOut: false, error: 'the exec stream ended without an exit frame' };
  for await (const chunk of stream) {
    buf += chunk.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      const f = JSON.parse(line) as Frame;
      if (f.stream && f.data) onOutput(Buffer.from(f.data, 'base64').toString('utf8'));
      else if ('exit' in f) end = { exit: f.exit ?? null, timedOut: f.timedOut === true };
      else if (f.error) end = { exit: null, timedOut: false, error: `${f.error.code}: ${f.error.message}` };
    }
  }
  return end;
}

/**
 * How long one listing of the site's sandboxes is reused (2 s). Listing makes the
 * sandbox service reconcile every sandbox against /proc, which is what a
 * deploy of many workloads would otherwise spend its CPU on; what this
 * port itself starts and removes is applied to the reused list at once.
 */
const LIST_TTL_MS = 2000;

export class SandboxWorkloads implements WorkloadPort {
  private readonly outputs = new Map<string, string>();
  private readonly exited = new Map<string, string>();
  private cache: { at: number; list: Promise<ObservedReplica[]> } | undefined;

  constructor(private readonly sandboxes: () => SandboxApi) {}

  async list(): Promise<ObservedReplica[]> {
    if (!this.cache || Date.now() - this.cache.at > LIST_TTL_MS) {
      const list = this.fetch();
      this.cache = { at: Date.now(), list };
      list.catch(() => (this.cache = undefined));
    }
    const exits = this.exited;
    return (await this.cache.list).map((r) => ({ ...r, state: r.state === 'running' && exits.has(r.id) ? 'exited' : r.state }));
  }

  private async patchCache(fn: (list: ObservedReplica[]) => ObservedReplica[]): Promise<void> {
    const c = this.cache;
    if (!c) return;
    const list = await c.list.catch(() => undefined);
    if (list && this.cache === c) this.cache = { at: c.at, list: Promise.resolve(fn(list)) };
  }

  private async fetch(): Promise<ObservedReplica[]> {
    const all = await this.sandboxes().list(CALLER, { project: SITE_PROJECT });
    return all
      .filter((s) => s.spec.labels?.[LABEL_RELEASE])
      .map((s) => {
        const l = s.spec.labels!;
        return {
          id: s.id,
          release: l[LABEL_RELEASE],
          replica: Number(l[LABEL_REPLICA] ?? 0),
          hash: l[LABEL_HASH] ?? '',
          state: s.state,
          ...(l[LABEL_NODE] ? { node: l[LABEL_NODE] } : {}),
        };
      });
  }

  async start(spec: ReplicaSpec, hash: string): Promise<ObservedReplica> {
    const sb = await this.sandboxes().create(CALLER, { ...spec.sandbox, labels: { ...spec.sandbox.labels, [LABEL_HASH]: hash } });
    const started = await this.sandboxes().exec(CALLER, sb.id, { command: spec.command });
    this.outputs.set(sb.id, '');
    void drain(started.stream, (t) => this.keep(sb.id, t))
      .then((end) => this.exited.set(sb.id, end.error ?? `exit ${end.exit}`))
      .catch((err) => this.exited.set(sb.id, (err as Error).message));
    const r: ObservedReplica = { id: sb.id, release: spec.release, replica: spec.replica, hash, state: sb.state, ...(spec.node ? { node: spec.node } : {}) };
    await this.patchCache((list) => [...list, r]);
    return r;
  }

  private keep(id: string, text: string): void {
    const out = (this.outputs.get(id) ?? '') + text;
    this.outputs.set(id, out.length > KEEP_OUTPUT ? out.slice(out.length - KEEP_OUTPUT) : out);
  }

  async remove(id: string): Promise<void> {
    try {
      await this.sandboxes().remove(CALLER, id, { force: true });
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
    this.outputs.delete(id);
    this.exited.delete(id);
    await this.patchCache((list) => list.filter((r) => r.id !== id));
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const started = await this.sandboxes().exec(CALLER, id, { command, timeout: timeoutMs });
    let output = '';
    const end = await drain(started.stream, (t) => (output = (output + t).slice(-KEEP_OUTPUT)));
    return { exit: end.exit, output: end.error ? `${output}${end.error}\n` : output, timedOut: end.timedOut };
  }

  output(id: string): string {
    return this.outputs.get(id) ?? '';
  }

  /** Why a replica's command ended, if it did. */
  exitOf(id: string): string | undefined {
    return this.exited.get(id);
  }
}
