// Pools of bare-metal nodes for other modules (the gate's nodes): a pool is
// the available nodes of one resource class. A claim takes one (its
// instance_uuid names the claimant, set only where it was null, so two
// claims never get the same node), deploys it and waits until it is
// active; a release undeploys it, which cleans it back to available. The
// conductor does the work, under its reservations and task table.

import { InvalidInputError } from '../core/index.js';
import { MAX_MINOR } from './api/version.js';
import type { Conductor } from './conductor/conductor.js';
import { listNodes } from './db/nodes.js';
import type { NodeRecord } from './db/records.js';
import { nodes } from './db/tables.js';
import type { Db } from './db/table.js';

const MINOR = MAX_MINOR;

export interface ClaimedNode {
  uuid: string;
  name: string | null;
  resourceClass: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class MetalPools {
  constructor(private readonly conductor: Conductor, private readonly db: Db) {}

  /** Nodes of the pool that could be claimed now. */
  async available(resourceClass: string): Promise<number> {
    return (await this.candidates(resourceClass)).length;
  }

  private async candidates(resourceClass: string): Promise<NodeRecord[]> {
    const list = await listNodes(this.db, { resource_class: resourceClass, provision_state: 'available', maintenance: false, associated: false }, { limit: 1000, sort: { key: 'id', dir: 'asc' } });
    return list.filter((n) => !n.reservation);
  }

  /** Takes an available node of the pool, deploys it, and waits until it is active. Null when none is available. */
  async claim(resourceClass: string, holder: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ClaimedNode | null> {
    if (!/^[0-9a-f-]{36}$/.test(holder)) throw new InvalidInputError(`a claim's holder is a UUID (got ${holder})`);
    for (const n of await this.candidates(resourceClass)) {
      const taken = await nodes.update(this.db, n.id, { instance_uuid: holder, updated_at: Date.now() }, { instance_uuid: null, provision_state: 'available', reservation: null });
      if (!taken) continue;
      try {
        await this.conductor.requestProvision(taken, { verb: 'active', minor: MINOR });
        await this.waitFor(n.id, ['active'], ['deploy failed', 'error'], opts);
      } catch (err) {
        await this.release(taken.uuid).catch(() => undefined);
        throw err;
      }
      return { uuid: taken.uuid, name: taken.name, resourceClass };
    }
    return null;
  }

  /** Undeploys (and so cleans) a claimed node; it returns to available, unclaimed. */
  async release(uuid: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const n = await nodes.byUuid(this.db, uuid);
    if (!n) return;
    if (n.provision_state === 'active' || n.provision_state === 'deploy failed') {
      await this.conductor.requestProvision(n, { verb: 'deleted', minor: MINOR });
    }
    await this.waitFor(n.id, ['available', 'manageable'], ['clean failed', 'error'], opts);
    await nodes.update(this.db, n.id, { instance_uuid: null, instance_info: {}, updated_at: Date.now() } as Partial<NodeRecord>);
  }

  private async waitFor(id: number, want: string[], bad: string[], opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<NodeRecord> {
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
    for (;;) {
      const n = (await nodes.byId(this.db, id))!;
      if (want.includes(n.provision_state) && !n.reservation) return n;
      if (bad.includes(n.provision_state)) throw new Error(`node ${n.uuid} went to ${n.provision_state}: ${n.last_error ?? 'no error recorded'}`);
      if (opts.signal?.aborted) throw new Error(`aborted while node ${n.uuid} is ${n.provision_state}`);
      if (Date.now() > deadline) throw new Error(`node ${n.uuid} is still ${n.provision_state}, not ${want.join(' or ')}`);
      await sleep(200);
    }
  }
}
