/**
 * The node's exclusive lock (Ironic's reservation) for synchronous
 * operations: taken patiently, released with the fields and moves to save.
 */
import type { Store } from '../../core/index.js';
import { release, reserve } from '../db/nodes.js';
import { nodes } from '../db/tables.js';
import type { NodeRecord } from '../db/records.js';
import type { NodeChanges, NodeGuard } from '../db/node-states.js';
import type { LockedResult } from './core.js';
import type { ConductorOptions } from './options.js';
import { conflict, nodeLocked, nodeNotFound } from './errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class NodeLocks {
  constructor(
    private readonly db: Store['db'],
    private readonly opts: ConductorOptions,
  ) {}

  /**
   * Runs `fn` holding the node's reservation, waiting patiently for a busy
   * node (node_locked_retry_attempts) before answering 409 NodeLocked. `fn`
   * returns the result and what to save; it is written as the lock is released.
   */
  async withLock<T>(node: NodeRecord, fn: (locked: NodeRecord) => Promise<LockedResult<T>>): Promise<T> {
    const holder = this.opts.name;
    const locked = await this.patiently(node, (n) => reserve(this.db, n, holder));
    let out: LockedResult<T> | undefined;
    try {
      out = await fn(locked);
      return out.result;
    } finally {
      await release(this.db, locked, holder, { changes: out?.changes ?? {}, power: out?.power, by: holder });
    }
  }

  /**
   * Applies `attempt` (a conditional write that fails while the node is
   * reserved) until it succeeds, retrying while the node is locked, then
   * answers 409 NodeLocked naming the holder.
   */
  async patiently<T>(node: NodeRecord, attempt: (n: NodeRecord) => Promise<T | undefined>): Promise<T> {
    let current = node;
    for (let i = 0; ; i++) {
      const res = await attempt(current);
      if (res !== undefined) return res;
      const fresh = await nodes.byId(this.db, current.id);
      if (!fresh) throw nodeNotFound(node.uuid);
      if (fresh.reservation) {
        if (i >= this.opts.lockRetryAttempts) throw nodeLocked(fresh.uuid, fresh.reservation);
        await sleep(this.opts.lockRetryIntervalMs);
      } else if (i >= this.opts.lockRetryAttempts + 3) {
        throw conflict(`Node ${fresh.uuid} changed while the request was being applied; please retry.`);
      }
      current = fresh;
    }
  }

  /** Writes node fields unless the node is locked (waiting patiently); the API's PATCH and maintenance. */
  async updateNode(node: NodeRecord, changes: NodeChanges, guard: NodeGuard = {}): Promise<NodeRecord> {
    return this.patiently(node, (n) => nodes.update(this.db, n.id, { ...changes, updated_at: Date.now() }, { ...guard, reservation: null }));
  }
}
