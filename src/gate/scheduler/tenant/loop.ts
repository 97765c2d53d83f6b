// The loop: one round at a time reads events from the log in order, applies
// the results in the inbox, runs the passes, persists the state with the
// event cursor, syncs the alarms, then starts what was decided. It sleeps
// until woken (an event committed, a result arrived) or for a second.

import { processAll } from './actions.js';
import type { TenantContext } from './context.js';
import { dispatch } from './dispatch.js';
import { handleEvent } from './events.js';
import { syncAlarms } from './status.js';

export async function runLoop(t: TenantContext): Promise<void> {
  while (!t.stopped) {
    let worked = false;
    try {
      worked = await round(t);
    } catch (err) {
      t.deps.log.error({ err, tenant: t.name }, 'scheduler round failed');
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!worked && !t.stopped) {
      await new Promise<void>((r) => {
        t.wakeUp = r;
        setTimeout(r, 1000).unref?.();
      });
    }
  }
}

/** One round: events, results, passes, persist, then start what was decided. True when anything happened. */
async function round(t: TenantContext): Promise<boolean> {
  t.busy = true;
  try {
    let worked = false;
    const events = await t.deps.events.after(t.cursor, 100);
    for (const e of events) {
      await handleEvent(t, e);
      t.cursor = e.id;
      worked = true;
    }
    while (t.inbox.length > 0) {
      t.inbox.shift()!();
      worked = true;
    }
    if (await processAll(t)) worked = true;
    await t.store.save(t.states, t.cursor);
    await syncAlarms(t);
    if (t.effects.length) worked = true;
    dispatch(t);
    return worked;
  } finally {
    t.busy = false;
  }
}

/** Idle: nothing pending, nothing in any queue, nothing being prepared or started. */
export async function isIdle(t: TenantContext, lastEventId: number): Promise<boolean> {
  if (!t.leader) return storeIdle(t, lastEventId);
  return !t.busy && t.inbox.length === 0 && t.effects.length === 0 && t.preparing === 0 &&
    t.cursor >= lastEventId && t.itemCount() === 0;
}

/** What a standby (another process leads this tenant) can tell from the store. */
async function storeIdle(t: TenantContext, lastEventId: number): Promise<boolean> {
  const db = t.deps.db;
  const cursor = await db.selectFrom('gate_cursors').select(['event_id']).where('tenant', '=', t.name).executeTakeFirst();
  if (!cursor || Number(cursor.event_id) < lastEventId) return false;
  const item = await db.selectFrom('gate_items').select(['id']).where('tenant', '=', t.name).limit(1).executeTakeFirst();
  return item === undefined;
}
