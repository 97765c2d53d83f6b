// Zuul's autohold requests: "when job J of project P fails (for a ref
// matching R), keep its nodes" — up to `count` times. A held build's nodes
// (their sandboxes and the workspace they share) stay up and are listed on
// the request; deleting the request releases them. Requests live in the
// store; the handles to release held nodes live in this process (a restart
// leaves held sandboxes to the sandbox module's own cleanup).

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { InvalidInputError } from '../../core/index.js';

export interface AutoholdRequest {
  id: string;
  tenant: string;
  project: string;
  job: string;
  ref_filter: string;
  reason: string;
  max_count: number;
  current_count: number;
  node_expiration: number;
  expired: number | null;
  created_by: string;
  nodes: Array<{ build: string; result: string; nodes: Array<{ name: string; id: string }> }>;
}

export interface HoldCandidate {
  tenant: string;
  project: string;
  job: string;
  ref: string;
  buildId: string;
  result: string;
  nodes: Array<{ name: string; id: string }>;
}

export class Autoholds {
  private readonly releases = new Map<string, Array<() => Promise<void>>>();

  constructor(private readonly db: Kysely<any>) {}

  async create(r: { tenant: string; project: string; job: string; refFilter: string; reason: string; count: number; nodeExpiration: number; by: string }): Promise<AutoholdRequest> {
    try {
      new RegExp(r.refFilter);
    } catch (err) {
      throw new InvalidInputError(`autohold.ref: ${r.refFilter} is not a regular expression: ${(err as Error).message}`);
    }
    const id = randomUUID().replace(/-/g, '').slice(0, 16);
    await this.db.insertInto('gate_autoholds').values({
      id, tenant: r.tenant, project: r.project, job: r.job, ref_filter: r.refFilter, reason: r.reason, max_count: r.count,
      current_count: 0, node_expiration: r.nodeExpiration, created_by: r.by, nodes: '[]', created_at: Date.now(),
    }).execute();
    return (await this.get(r.tenant, id))!;
  }

  private view(row: Record<string, unknown>): AutoholdRequest {
    return {
      id: row.id as string, tenant: row.tenant as string, project: row.project as string, job: row.job as string,
      ref_filter: row.ref_filter as string, reason: row.reason as string, max_count: Number(row.max_count), current_count: Number(row.current_count),
      node_expiration: Number(row.node_expiration), expired: null, created_by: row.created_by as string, nodes: JSON.parse(row.nodes as string),
    };
  }

  async list(tenant: string): Promise<AutoholdRequest[]> {
    return (await this.db.selectFrom('gate_autoholds').selectAll().where('tenant', '=', tenant).orderBy('created_at').execute()).map((r) => this.view(r));
  }

  async get(tenant: string, id: string): Promise<AutoholdRequest | undefined> {
    const row = await this.db.selectFrom('gate_autoholds').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    return row ? this.view(row) : undefined;
  }

  /** Deletes a request and releases the nodes it holds. */
  async remove(tenant: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('gate_autoholds').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    for (const release of this.releases.get(id) ?? []) await release().catch(() => undefined);
    this.releases.delete(id);
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * A failed build: when a request with room left matches, its nodes are
   * recorded on it and kept (true); `release` frees them once the request goes.
   */
  async hold(c: HoldCandidate, release: () => Promise<void>): Promise<boolean> {
    for (const r of await this.list(c.tenant)) {
      if (r.project !== c.project || r.job !== c.job || r.current_count >= r.max_count) continue;
      if (!new RegExp(`^(?:${r.ref_filter})$`).test(c.ref)) continue;
      const nodes = [...r.nodes, { build: c.buildId, result: c.result, nodes: c.nodes }];
      const updated = await this.db.updateTable('gate_autoholds').set({ current_count: r.current_count + 1, nodes: JSON.stringify(nodes) })
        .where('id', '=', r.id).where('current_count', '=', r.current_count).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) continue;
      this.releases.set(r.id, [...(this.releases.get(r.id) ?? []), release]);
      return true;
    }
    return false;
  }

  /** Releases every held node of this process (server stop). */
  async releaseAll(): Promise<void> {
    for (const list of this.releases.values()) for (const release of list) await release().catch(() => undefined);
    this.releases.clear();
  }
}
