/**
 * Takeover after a crash: 100 concurrent fake deploys are genuinely in
 * flight (fake-hardware deploy calls sleep), the server is killed with
 * SIGKILL, and a new server on the same data directory must leave every node
 * as Ironic's conductor start-up would (_fail_transient_state): nodes caught
 * `deploying` end `deploy failed` with Ironic's message, nodes already
 * `active` stay active, no reservation survives and no task is left running.
 * Then the same with two conductor processes on PostgreSQL: the survivor
 * notices the other's silence and takes its nodes over.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/core/index.js';
import { startPostgres, type PostgresCluster } from '../../src/core/testing/index.js';
import { api, startServer, type StrataServer, until as poll } from '../helpers/strata.js';

const N = 100;
const dataDir = mkdtempSync(join(tmpdir(), 'strata-takeover-'));
const servers: StrataServer[] = [];
let pg: PostgresCluster | undefined;
after(async () => {
  for (const s of servers) await s.stop('SIGKILL', true).catch(() => {});
  pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const H = { 'x-openstack-ironic-api-version': '1.78', 'content-type': 'application/json' };
const ARGS = ['--noauth', '--metal-fake-delay', '700-2500', '--metal-power-sync-interval', '0'];

async function json(s: StrataServer, path: string, init: RequestInit = {}): Promise<any> {
  const res = await api(s, `/baremetal/v1${path}`, { ...init, headers: { ...H, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function all(s: StrataServer): Promise<any[]> {
  return (await json(s, '/nodes?limit=1000&fields=uuid,provision_state,target_provision_state,reservation,last_error')).nodes;
}

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number) => poll(what, fn, timeoutMs, { every: 200 });

test('SIGKILL during 100 concurrent deploys: a restart fails what was in flight, keeps what finished, leaves no lock or task behind', { timeout: 240_000 }, async () => {
  let s = await startServer({ dataDir, args: ARGS });
  servers.push(s);

  // 100 available nodes; automated cleaning off so that provide is instant.
  const uuids: string[] = [];
  for (let i = 0; i < N; i++) {
    const n = await json(s, '/nodes', { method: 'POST', body: JSON.stringify({ driver: 'fake-hardware', name: `tk-${i}`, automated_clean: false }) });
    uuids.push(n.uuid);
  }
  for (const target of ['manage', 'provide']) {
    await Promise.all(uuids.map((u) => json(s, `/nodes/${u}/states/provision`, { method: 'PUT', body: JSON.stringify({ target }) })));
    const want = target === 'manage' ? 'manageable' : 'available';
    await until(`all ${want}`, async () => ((await all(s)).every((n) => n.provision_state === want && !n.reservation) ? true : undefined), 60_000);
  }

  // 100 deploys at once; each answers 202 with the node already deploying.
  const t0 = Date.now();
  await Promise.all(uuids.map((u) => json(s, `/nodes/${u}/states/provision`, { method: 'PUT', body: JSON.stringify({ target: 'active' }) })));
  const right = await all(s);
  assert.ok(right.every((n) => n.provision_state === 'deploying' || n.provision_state === 'active'), 'every node moved before the answer');
  // Kill while some have finished and many are still deploying.
  await until('some deploys done', async () => ((await all(s)).some((n) => n.provision_state === 'active') ? true : undefined), 30_000);
  s.proc.kill('SIGKILL');
  await new Promise((r) => s.proc.once('exit', r));
  servers.length = 0;
  const killedAfter = Date.now() - t0;

  // What the crash left, read straight from the store.
  const store = await openStore(join(dataDir, 'strata.db'));
  const caught = await store.db.selectFrom('metal_nodes').select(['uuid', 'provision_state', 'reservation']).execute();
  const running = await store.db.selectFrom('tasks').select(['id', 'state']).where('kind', '=', 'metal.provision').where('state', 'in', ['running', 'pending']).execute();
  await store.close();
  const caughtDeploying = caught.filter((n) => n.provision_state === 'deploying');
  const caughtActive = caught.filter((n) => n.provision_state === 'active');
  assert.equal(caughtDeploying.length + caughtActive.length, N);
  assert.ok(caughtDeploying.length > 0, `deploys were in flight at the kill (${killedAfter} ms after the requests)`);
  assert.ok(caughtActive.length > 0, 'some deploys had finished');
  assert.ok(caughtDeploying.every((n) => n.reservation !== null), 'a deploying node was reserved at the kill');
  assert.ok(running.length > 0, 'tasks were unfinished at the kill');

  // Restart on the same data directory.
  s = await startServer({ dataDir, args: ARGS });
  servers.push(s);
  const conductor = (await json(s, '/conductors')).conductors[0].hostname;
  const after1 = new Map((await all(s)).map((n) => [n.uuid, n]));
  for (const n of caughtActive) assert.equal(after1.get(n.uuid).provision_state, 'active', `${n.uuid} stays active`);
  for (const n of caughtDeploying) {
    const now = after1.get(n.uuid);
    assert.equal(now.provision_state, 'deploy failed', `${n.uuid} was caught deploying`);
    assert.equal(now.target_provision_state, 'active');
    assert.equal(now.last_error, `The deploying state can't be resumed by conductor ${conductor}. Moving to fail state.`);
  }
  assert.ok([...after1.values()].every((n) => n.reservation === null), 'no reservation survives the restart');

  // The dead process's tasks: their leases run out, the new runner claims them, finds the node moved on, and finishes them.
  const stuck = await until(
    'no metal task left unfinished',
    async () => {
      const st = await openStore(join(dataDir, 'strata.db'));
      try {
        const left = await st.db.selectFrom('tasks').select(['state']).where('kind', 'like', 'metal.%').where('state', 'in', ['running', 'pending']).execute();
        return left.length === 0 ? left : undefined;
      } finally {
        await st.close();
      }
    },
    90_000,
  );
  assert.deepEqual(stuck, []);
  const final = await all(s);
  assert.deepEqual(
    final.map((n) => n.provision_state).sort(),
    [...caughtActive.map(() => 'active'), ...caughtDeploying.map(() => 'deploy failed')].sort(),
    'the stale tasks changed nothing',
  );
  assert.ok(final.every((n) => n.reservation === null));

  // Failed nodes can be deployed again and reach active.
  const retry = caughtDeploying[0].uuid;
  await json(s, `/nodes/${retry}/states/provision`, { method: 'PUT', body: JSON.stringify({ target: 'active' }) });
  await until('redeploy', async () => ((await json(s, `/nodes/${retry}?fields=provision_state`)).provision_state === 'active' ? true : undefined), 30_000);
});

test('two conductors on PostgreSQL: when one dies mid-deploy, the other takes its nodes over', { timeout: 240_000 }, async () => {
  pg = await startPostgres();
  // Both processes share the store and the key that seals secrets at rest.
  const env = { STRATA_SECRET_KEY: randomBytes(32).toString('base64') };
  const common = ['--noauth', '--database', pg.url, '--metal-power-sync-interval', '0', '--metal-heartbeat-interval', '1', '--metal-heartbeat-timeout', '4', '--metal-check-provision-state-interval', '1'];
  const a = await startServer({ env, args: [...common, '--metal-conductor', 'cond-a', '--metal-fake-delay', '1500-3000'] });
  servers.push(a);

  const uuids: string[] = [];
  for (let i = 0; i < 20; i++) uuids.push((await json(a, '/nodes', { method: 'POST', body: JSON.stringify({ driver: 'fake-hardware', name: `pg-${i}`, automated_clean: false }) })).uuid);
  for (const target of ['manage', 'provide']) {
    await Promise.all(uuids.map((u) => json(a, `/nodes/${u}/states/provision`, { method: 'PUT', body: JSON.stringify({ target }) })));
    const want = target === 'manage' ? 'manageable' : 'available';
    await until(want, async () => ((await all(a)).every((n) => n.provision_state === want && !n.reservation) ? true : undefined), 60_000);
  }
  // A deploys them (its fake deploys are slow); B joins while A works.
  await Promise.all(uuids.map((u) => json(a, `/nodes/${u}/states/provision`, { method: 'PUT', body: JSON.stringify({ target: 'active' }) })));
  await until(
    'A deploying',
    async () => {
      const st = await openStore(pg!.url);
      try {
        const running = await st.db.selectFrom('tasks').select('id').where('kind', '=', 'metal.provision').where('state', '=', 'running').execute();
        return running.length > 0 ? true : undefined;
      } finally {
        await st.close();
      }
    },
    30_000,
  );
  const b = await startServer({ env, args: [...common, '--metal-conductor', 'cond-b'] });
  servers.push(b);
  const conductors = (await json(b, '/conductors')).conductors.map((c: any) => [c.hostname, c.alive]).sort();
  assert.deepEqual(conductors, [['cond-a', true], ['cond-b', true]]);
  a.proc.kill('SIGKILL');
  await new Promise((r) => a.proc.once('exit', r));
  servers.splice(servers.indexOf(a), 1);

  // B notices A's silence, clears its reservations and fails what A was deploying.
  const settled = await until(
    'every node settled',
    async () => {
      const nodes = await all(b);
      return nodes.every((n) => !n.reservation && (n.provision_state === 'active' || n.provision_state === 'deploy failed')) ? nodes : undefined;
    },
    60_000,
  );
  const failed = settled.filter((n) => n.provision_state === 'deploy failed');
  assert.ok(failed.length > 0, 'some deploys were A\'s and in flight');
  for (const n of failed) assert.equal(n.last_error, "The deploying state can't be resumed by conductor cond-b. Moving to fail state.");
  const after = (await json(b, '/conductors')).conductors.find((c: any) => c.hostname === 'cond-a');
  assert.equal(after.alive, false);
  // A's tasks: their leases run out, B claims them and finds nothing left to do.
  await until(
    'no metal task left unfinished',
    async () => {
      const st = await openStore(pg!.url);
      try {
        const left = await st.db.selectFrom('tasks').select('id').where('kind', 'like', 'metal.%').where('state', 'in', ['running', 'pending']).execute();
        return left.length === 0 ? true : undefined;
      } finally {
        await st.close();
      }
    },
    90_000,
  );
  const final = await all(b);
  assert.deepEqual(final.map((n) => n.provision_state).sort(), settled.map((n) => n.provision_state).sort(), 'the stale tasks changed nothing');
});
