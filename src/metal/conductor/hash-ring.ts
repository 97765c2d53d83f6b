/**
 * Which live conductor serves a node (Ironic's hash ring, as rendezvous
 * hashing): each node goes to the conductor of its conductor_group with the
 * highest hash of (conductor, node). Adding or losing a conductor moves only
 * that conductor's share. It decides who runs a node's periodic work (power
 * sync) and what the API reports as the node's `conductor`.
 */
import { createHash } from 'node:crypto';

export interface RingMember {
  hostname: string;
  conductor_group: string;
}

function score(host: string, node: string): number {
  return createHash('sha1').update(host).update('\u0000').update(node).digest().readUInt32BE(0);
}

export function conductorFor(nodeUuid: string, group: string, members: readonly RingMember[]): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const m of members) {
    if (m.conductor_group !== group) continue;
    const s = score(m.hostname, nodeUuid);
    if (s > bestScore || (s === bestScore && best !== null && m.hostname < best)) {
      best = m.hostname;
      bestScore = s;
    }
  }
  return best;
}
