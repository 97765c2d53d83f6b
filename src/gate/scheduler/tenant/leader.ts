// Leadership: one scheduler per tenant across processes, by a lease row in
// the store claimed and renewed with a conditional UPDATE (no home-made
// consensus). The first claim recovers and starts the loop; a lost lease
// stops this scheduler.

import { hostname } from 'node:os';
import type { TenantContext } from './context.js';

const LEASE_MS = 30_000;
/** How often the lease is renewed: well within its expiry. */
export const LEASE_RENEW_MS = LEASE_MS / 3;

function leaseName(t: TenantContext): string {
  return `scheduler:${t.name}`;
}

/** Claims (or renews) the tenant's scheduler lease; `onLead` runs on the first claim. */
export async function tryLead(t: TenantContext, onLead: () => Promise<void>): Promise<void> {
  if (t.stopped) return;
  const ours = await claimLease(t);
  if (ours && !t.leader) {
    t.leader = true;
    await onLead();
  } else if (!ours && t.leader) {
    t.deps.log.error({ tenant: t.name }, 'lost the scheduler lease; stopping this scheduler');
    t.stopped = true;
    t.wake();
  }
}

async function claimLease(t: TenantContext): Promise<boolean> {
  const now = Date.now();
  const { db, owner } = t.deps;
  const name = leaseName(t);
  // A holder that was a process on this host which no longer exists (a crash) need not be waited for.
  const held = await db.selectFrom('gate_leases').select(['owner', 'expires_at']).where('name', '=', name).executeTakeFirst();
  const deadHolder = held && held.owner !== owner && isDeadLocalProcess(held.owner) ? held.owner : null;
  const r = await db.updateTable('gate_leases').set({ owner, expires_at: now + LEASE_MS })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('owner', '=', owner), eb('expires_at', '<', now), ...(deadHolder ? [eb('owner', '=', deadHolder)] : [])]))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) return true;
  try {
    await db.insertInto('gate_leases').values({ name, owner, expires_at: now + LEASE_MS }).execute();
    return true;
  } catch {
    return false;
  }
}

/** Gives the lease up (a clean stop), so a standby need not wait for it to expire. */
export async function releaseLease(t: TenantContext): Promise<void> {
  if (!t.leader) return;
  await t.deps.db.deleteFrom('gate_leases').where('name', '=', leaseName(t)).where('owner', '=', t.deps.owner).execute().catch(() => undefined);
}

/** `host:pid:…` naming a process of this host that is gone. */
export function isDeadLocalProcess(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
