// Nodepool's job inside Strata: a build asks for its nodeset's labels and
// gets one node per entry, within each label's quota (a request waits,
// first come first served, until the quota allows all of its nodes at
// once, so two requests never hold half of each other's). A metal label's
// node is a machine of its pool, deployed for the request (or taken from
// the `min-ready` ones deployed ahead) and cleaned after; a sandbox label's
// node is a quota slot (the executor makes the sandbox with the build's
// workspace). No node serves two builds.

import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/index.js';
import type { LabelSpec } from './labels.js';
import { nodeMachine, nodeRequestMachine, type NodeState, type RequestState } from './states.js';

export interface MetalProvider {
  claim(pool: string, holder: string, opts?: { signal?: AbortSignal }): Promise<{ uuid: string; name: string | null } | null>;
  release(uuid: string): Promise<void>;
}

export interface PoolNode {
  id: string;
  label: string;
  state: NodeState;
  stateTime: number;
  metal?: { uuid: string; name: string | null };
  build?: string;
  error?: string;
}

export interface NodeRequest {
  id: string;
  build: string;
  labels: string[];
  state: RequestState;
  nodes: string[];
  createdAt: number;
  error?: string;
}

export interface Grant {
  request: NodeRequest;
  /** In the order of the labels asked for. */
  nodes: PoolNode[];
}

export class NodePool {
  private readonly labels = new Map<string, LabelSpec>();
  private readonly nodes = new Map<string, PoolNode>();
  private readonly requests = new Map<string, NodeRequest>();
  private waiters: Array<() => void> = [];
  private stopped = false;
  private refilling = false;

  constructor(labels: LabelSpec[], private readonly metal: () => MetalProvider | undefined, private readonly log: Logger, private readonly retryMs = 1000) {
    for (const l of labels) this.labels.set(l.name, l);
  }

  spec(label: string): LabelSpec | undefined {
    return this.labels.get(label);
  }

  list(): { requests: NodeRequest[]; nodes: PoolNode[] } {
    return { requests: [...this.requests.values()], nodes: [...this.nodes.values()] };
  }

  private move(n: PoolNode, event: Parameters<typeof nodeMachine.next>[1]): void {
    n.state = nodeMachine.next(n.state, event);
    n.stateTime = Date.now();
  }

  private changed(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private wait(signal: AbortSignal, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Nodes of a label that count against its quota (everything not deleted or failed). */
  private live(label: string): PoolNode[] {
    return [...this.nodes.values()].filter((n) => n.label === label && n.state !== 'deleted' && n.state !== 'failed');
  }

  private fits(labels: string[]): boolean {
    const need = new Map<string, number>();
    for (const l of labels) need.set(l, (need.get(l) ?? 0) + 1);
    for (const [l, n] of need) {
      const spec = this.labels.get(l);
      if (!spec || spec.quota === 0) continue;
      const live = this.live(l);
      const ready = live.filter((x) => x.state === 'ready').length;
      if (live.length - ready + n > spec.quota) return false;
    }
    return true;
  }

  /** Nodes for a build: waits for quota (and for pool machines), then assigns or builds each. */
  async request(build: string, labels: string[], signal: AbortSignal): Promise<Grant> {
    const req: NodeRequest = { id: randomUUID(), build, labels, state: 'requested', nodes: [], createdAt: Date.now() };
    this.requests.set(req.id, req);
    try {
      for (;;) {
        if (signal.aborted || this.stopped) throw new Error('the build gave up waiting for nodes');
        const ahead = [...this.requests.values()].some((r) => r !== req && r.state === 'requested' && r.createdAt < req.createdAt && r.labels.some((l) => labels.includes(l)));
        if (!ahead && this.fits(labels)) {
          const got = await this.take(req, labels, signal);
          if (got) {
            req.state = nodeRequestMachine.next(req.state, 'fulfil');
            this.changed();
            if (got.some((n) => n.metal)) void this.refill();
            return { request: req, nodes: got };
          }
        }
        await this.wait(signal, this.retryMs);
      }
    } catch (err) {
      if (req.state === 'requested') {
        req.state = nodeRequestMachine.next(req.state, 'fail');
        req.error = (err as Error).message;
      }
      this.changed();
      throw err;
    }
  }

  /** All or none: null when a pool had no machine (try again later). */
  private async take(req: NodeRequest, labels: string[], signal: AbortSignal): Promise<PoolNode[] | null> {
    const got: PoolNode[] = [];
    for (const label of labels) {
      const warm = this.live(label).find((n) => n.state === 'ready' && !n.build);
      let node = warm;
      if (!node) {
        node = (await this.build(label, signal)) ?? undefined;
        if (!node) {
          for (const n of got) await this.finish(n);
          return null;
        }
      }
      this.move(node, 'assign');
      node.build = req.build;
      req.nodes.push(node.id);
      got.push(node);
    }
    return got;
  }

  private async build(label: string, signal?: AbortSignal): Promise<PoolNode | null> {
    const spec = this.labels.get(label);
    const node: PoolNode = { id: randomUUID(), label, state: 'building', stateTime: Date.now() };
    this.nodes.set(node.id, node);
    if (!spec?.metalPool) {
      this.move(node, 'built');
      return node;
    }
    const metal = this.metal();
    try {
      if (!metal) throw new Error(`label ${label} names metal pool ${spec.metalPool}, but the metal module is not running`);
      const m = await metal.claim(spec.metalPool, node.id, { signal });
      if (!m) {
        this.nodes.delete(node.id);
        return null;
      }
      node.metal = m;
      this.move(node, 'built');
      this.log.info({ label, node: m.uuid }, 'metal node deployed');
      return node;
    } catch (err) {
      node.error = (err as Error).message;
      this.move(node, 'fail');
      throw err;
    }
  }

  /** A node's build ended (or it was never handed out): it is deleted, a machine cleaned back into its pool. */
  private async finish(n: PoolNode): Promise<void> {
    if (n.state === 'in-use') this.move(n, 'finish');
    this.move(n, 'delete');
    try {
      if (n.metal) await this.metal()?.release(n.metal.uuid);
      this.move(n, 'deleted');
    } catch (err) {
      n.error = (err as Error).message;
      this.move(n, 'fail');
      this.log.warn({ err, node: n.metal?.uuid }, 'a node could not be cleaned');
    }
    this.changed();
  }

  async release(grant: Grant): Promise<void> {
    grant.request.state = nodeRequestMachine.next(grant.request.state, 'release');
    await Promise.all(grant.nodes.map((n) => this.finish(n)));
    void this.refill();
  }

  /** Keeps `min-ready` machines of each metal label deployed and unassigned. */
  async refill(): Promise<void> {
    if (this.refilling || this.stopped) return;
    this.refilling = true;
    try {
      for (const spec of this.labels.values()) {
        if (!spec.metalPool || !spec.minReady) continue;
        while (!this.stopped) {
          const live = this.live(spec.name);
          const ready = live.filter((n) => n.state === 'ready' || (n.state === 'building' && !n.build)).length;
          if (ready >= spec.minReady || (spec.quota && live.length >= spec.quota)) break;
          const waiting = [...this.requests.values()].some((r) => r.state === 'requested' && r.labels.includes(spec.name));
          if (waiting) break;
          const n = await this.build(spec.name).catch(() => null);
          if (!n) break;
          this.changed();
        }
      }
    } finally {
      this.refilling = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.changed();
    for (const n of this.nodes.values()) if (n.state === 'ready' && !n.build) await this.finish(n);
  }
}
