/**
 * The service across server restarts. At start a server takes over the
 * records of dead servers on its host: a sandbox its manager adopted from
 * the sandbox's supervisor stays running under the new server; the others
 * died with their server and are `lost` (alarm 600.002). At stop it
 * destroys what it runs, or with `handover` leaves it to the supervisors.
 */
import type { StopOptions } from '../../core/index.js';
import type { Sandboxes } from './records.js';

export async function adoptOrLose(s: Sandboxes): Promise<void> {
  const adopted = new Set(s.manager.adopted);
  for (const r of await s.records.liveOnHost(s.host)) {
    if (r.owner === s.owner || s.ownerAlive(r)) continue;
    if (r.state === 'running' && r.localId && adopted.has(r.localId)) {
      const record = await s.records.takeOver(r.id, r.owner, { owner: s.owner, ownerPid: process.pid, ownerUrl: s.opts.url() || null });
      if (record) {
        s.live.set(r.id, { record, sandbox: s.manager.get(r.localId), execs: 0 });
        s.log.info({ sandbox: r.id, from: r.owner }, 'sandbox taken over from the previous server');
        continue;
      }
    }
    const moved = await s.records.move(r.id, r.state, 'lost', { error: `its server (pid ${r.ownerPid}) stopped; what the sandbox ran died with it and was released` });
    // Its server died before the record said running, but its supervisor came up: nobody can reach
    // that sandbox any more, so it is stopped here rather than left running unowned.
    if (moved && r.localId && adopted.has(r.localId)) {
      await s.manager.destroy(r.localId).catch((err: Error) => s.log.warn({ sandbox: r.id, err: err.message }, 'could not stop the supervisor of a lost sandbox'));
    }
    if (moved) {
      s.log.warn({ sandbox: r.id, owner: r.owner }, 'sandbox lost with its server');
      await s.opts.faults?.raise({ alarmId: '600.002', entityInstanceId: `sandbox=${r.id}`, reasonText: `Sandbox ${r.id} (project ${r.project}) was lost: its server (pid ${r.ownerPid}) stopped and what it ran died with it.` });
    }
  }
}

export async function stopAll(s: Sandboxes, opts: StopOptions): Promise<void> {
  s.stopping = true;
  if (opts.handover) {
    s.manager.detachAll();
    return;
  }
  await Promise.allSettled([...s.live.values()].map((l) => s.destroyLive(l, 'its server shut down')));
}
