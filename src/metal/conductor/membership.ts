/**
 * Conductor membership (Ironic's conductor registration and hash ring): this
 * conductor's row in metal_conductors, the live members read from the
 * heartbeats, and which conductor serves which node.
 */
import { hostname } from 'node:os';
import type { Store } from '../../core/index.js';
import { allConductors, isAlive, registerConductor, unregisterConductor } from '../db/conductors.js';
import type { NodeRecord } from '../db/records.js';
import { conductorFor, type RingMember } from './hash-ring.js';
import type { ConductorOptions } from './options.js';

export class Membership {
  private members: RingMember[] = [];
  private membersKey = '';
  private readonly ring = new Map<string, string | null>();

  constructor(
    private readonly db: Store['db'],
    private readonly opts: ConductorOptions,
  ) {}

  async register(drivers: string[]): Promise<void> {
    await registerConductor(this.db, { hostname: this.opts.name, conductor_group: this.opts.group, drivers, host: hostname(), pid: process.pid });
  }

  async unregister(): Promise<void> {
    await unregisterConductor(this.db, this.opts.name);
  }

  /** Live conductors (from the heartbeats), for the hash ring and GET /v1/conductors. */
  async refresh(): Promise<RingMember[]> {
    const all = await allConductors(this.db);
    const now = Date.now();
    const members = all.filter((c) => c.hostname === this.opts.name || isAlive(c, this.opts.heartbeatTimeoutMs, now));
    const key = members.map((m) => `${m.hostname}\u0000${m.conductor_group}`).join('\u0001');
    if (key !== this.membersKey) {
      this.membersKey = key;
      this.ring.clear();
    }
    this.members = members;
    return this.members;
  }

  /** The conductor that serves this node, or null when none of its group is alive. */
  conductorOf(node: Pick<NodeRecord, 'uuid' | 'conductor_group'>): string | null {
    // Memoized per membership: listing 1,000 nodes should not hash 1,000 times a page.
    const k = `${node.uuid}\u0000${node.conductor_group}`;
    let c = this.ring.get(k);
    if (c === undefined) {
      c = conductorFor(node.uuid, node.conductor_group, this.members);
      if (this.ring.size > 100_000) this.ring.clear();
      this.ring.set(k, c);
    }
    return c;
  }

  aliveHostnames(): string[] {
    return this.members.map((m) => m.hostname);
  }

  /** Whether a live conductor serves this conductor group (Ironic answers NoValidHost otherwise). */
  servesGroup(group: string): boolean {
    return this.members.some((m) => m.conductor_group === group);
  }
}
