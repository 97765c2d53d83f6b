// Failures seen through the API: the agent dying mid-exec, a sandbox's
// lifetime running out, the server stopping (SIGTERM) and being killed
// (SIGKILL) with sandboxes running. Each is reported clearly (an error frame,
// a failed / stopped / lost record saying why) and leaves no process, mount,
// namespace or directory behind, across restarts too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startServer, type StrataServer } from '../helpers/strata.js';
import { assertNoLeaks, killSupervisor, type TestEnv } from './sandbox-helpers.js';
import { ApiClient } from '../../src/core/cli/index.js';
import { startPostgres, type PostgresCluster } from '../../src/core/testing/index.js';
import { streamExec, type ExecOutcome, type StartedFrame } from '../../src/sandbox/api/index.js';

const API = '/sandbox/api/v1';
const servers: StrataServer[] = [];
const dataDirs: string[] = [];
let pg: PostgresCluster | undefined;

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const d of dataDirs) await rm(d, { recursive: true, force: true });
  pg?.stop();
});

async function call(s: StrataServer, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${s.url}${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json<T = Record<string, any>>(r: Response, status = 200): Promise<T> {
  const text = await r.text();
  assert.equal(r.status, status, text);
  return JSON.parse(text) as T;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Starts an exec; `started` resolves once the command runs, `done` at its end. */
function startExec(s: StrataServer, id: string, command: string[]): { started: Promise<StartedFrame>; done: Promise<ExecOutcome & { stdout: string }> } {
  let resolveStarted!: (f: StartedFrame) => void;
  const started = new Promise<StartedFrame>((r) => (resolveStarted = r));
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = streamExec(new ApiClient(s.url, s.token), { path: `${API}/sandboxes/${id}/exec`, body: { command }, stdout: out, stderr: new PassThrough().resume(), onStarted: (f) => resolveStarted(f) }).then((r) => ({
    ...r,
    stdout: Buffer.concat(chunks).toString(),
  }));
  return { started, done };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stateDirOf = (s: StrataServer) => join(s.dataDir, 'sandbox');

describe('sandbox failures through the API', () => {
  let server: StrataServer;
  const ids: string[] = [];

  before(async () => {
    server = await startServer();
    servers.push(server);
  });

  const agentOf: Record<string, (pids: number[]) => number | undefined> = {
    process: (pids) => pids[0],
    namespaces: (pids) => pids.find((p) => cmdline(p).startsWith('/.strata/agent')),
  };

  for (const runtime of Object.keys(agentOf)) {
    it(`${runtime}: the agent dying mid-exec ends the exec with an error frame and fails the sandbox; removing it leaves nothing`, async () => {
      const v = await json(await call(server, 'POST', '/sandboxes', { runtime }), 201);
      const shown = await json(await call(server, 'GET', `/sandboxes/${v.id}`));
      ids.push(shown.localId);
      const ex = startExec(server, v.id, ['sh', '-c', 'echo up; sleep 100']);
      await ex.started;
      const pids = (await json(await call(server, 'GET', `/sandboxes/${v.id}`))).hostPids as number[];
      const agent = agentOf[runtime]!(pids);
      assert.ok(agent, `the agent is among the host processes ${pids.join(' ')}`);
      process.kill(agent, 'SIGKILL');
      const r = await ex.done;
      assert.equal(r.status, 125);
      assert.equal(r.error?.code, 'agent_died');
      assert.doesNotMatch(r.error!.message, /^sandbox [0-9a-f]+ \(/, 'the library\'s local id is not shown');
      const failed = await waitFor('the record to fail', async () => {
        const x = await json(await call(server, 'GET', `/sandboxes/${v.id}`));
        return x.state === 'failed' ? x : undefined;
      });
      assert.match(failed.error, /agent/);
      const refused = await call(server, 'POST', `/sandboxes/${v.id}/exec`, { command: ['true'] });
      assert.equal(refused.status, 409);
      assert.match(((await refused.json()) as { error: { message: string } }).error.message, /is failed: cannot exec/);
      // the server releases what the failure left without being asked
      await waitFor('the failed sandbox to be released', async () => ((await readdir(join(stateDirOf(server), 'sandboxes'))).length === 0 ? true : undefined));
      for (const pid of pids) assert.equal(cmdline(pid), '', `host process ${pid} is gone`);
      assert.equal((await call(server, 'DELETE', `/sandboxes/${v.id}`)).status, 204);
      assert.equal((await call(server, 'GET', `/sandboxes/${v.id}`)).status, 404);
    });
  }

  it('a sandbox whose lifetime runs out is stopped, listed as such with why, and removable', async () => {
    const v = await json(await call(server, 'POST', '/sandboxes', { runtime: 'namespaces', timeout: '2s' }), 201);
    ids.push((await json(await call(server, 'GET', `/sandboxes/${v.id}`))).localId);
    const ex = startExec(server, v.id, ['sleep', '100']);
    await ex.started;
    const r = await ex.done;
    assert.equal(r.error?.code, 'agent_died');
    assert.match(r.error!.message, /timeout/);
    const stopped = await waitFor('the record to stop', async () => {
      const x = await json(await call(server, 'GET', `/sandboxes/${v.id}`));
      return x.state === 'stopped' ? x : undefined;
    });
    assert.match(stopped.error, /its timeout \(2s\) ran out/);
    const list = await json<{ sandboxes: Array<{ id: string; state: string }> }>(await call(server, 'GET', '/sandboxes'));
    assert.deepEqual(list.sandboxes.map((s) => [s.id, s.state]), [[v.id, 'stopped']]);
    assert.equal((await call(server, 'POST', `/sandboxes/${v.id}/exec`, { command: ['true'] })).status, 409);
    assert.equal((await call(server, 'DELETE', `/sandboxes/${v.id}`)).status, 204);
    await assertNoLeaks({ stateDir: stateDirOf(server) } as TestEnv, ids);
  });

  it('a server that stops destroys its sandboxes; one that is killed leaves them running under their supervisors for the next, which adopts them; a sandbox whose supervisor died is lost', async () => {
    const dataDir = server.dataDir;
    // graceful: SIGTERM destroys what runs and records why
    const graceful = await json(await call(server, 'POST', '/sandboxes', { runtime: 'namespaces' }), 201);
    ids.push((await json(await call(server, 'GET', `/sandboxes/${graceful.id}`))).localId);
    await server.stop('SIGTERM', true);
    dataDirs.push(dataDir);
    let again = await startServer({ dataDir });
    servers.push(again);
    const after1 = await json(await call(again, 'GET', `/sandboxes/${graceful.id}`));
    assert.deepEqual([after1.state, after1.error], ['stopped', 'its server shut down']);
    await assertNoLeaks({ stateDir: stateDirOf(again) } as TestEnv, ids);

    // killed: its sandboxes (one mid-exec, running a loop) outlive it; the next server adopts them
    const a = await json(await call(again, 'POST', '/sandboxes', { runtime: 'namespaces' }), 201);
    const b = await json(await call(again, 'POST', '/sandboxes', { runtime: 'process' }), 201);
    const local = new Map<string, string>();
    for (const x of [a, b]) {
      const localId = (await json(await call(again, 'GET', `/sandboxes/${x.id}`))).localId as string;
      local.set(x.id, localId);
      ids.push(localId);
    }
    const ex = startExec(again, a.id, ['sh', '-c', 'echo up; i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done']);
    await ex.started;
    await again.stop('SIGKILL', true);
    await ex.done; // the client's stream ends with its server
    again = await startServer({ dataDir });
    servers.push(again);
    const list = await json<{ sandboxes: Array<{ id: string; state: string; error: string }> }>(await call(again, 'GET', '/sandboxes'));
    const byId = new Map(list.sandboxes.map((s) => [s.id, s]));
    for (const x of [a, b]) assert.equal(byId.get(x.id)?.state, 'running', `${x.id} survived its server`);
    // the loop the dead server started still counts, and the new server execs beside it
    const count = async () => Number((await startExec(again, a.id, ['cat', '/tmp/count']).done).stdout.trim());
    const c1 = await count();
    await new Promise((r) => setTimeout(r, 500));
    assert.ok((await count()) > c1, 'the loop kept running across the restart');
    // the dead server's exec is still known: its output since the server went, and that it runs
    const earlier = await json<{ execs: Array<{ output: string; running: boolean }> }>(await call(again, 'GET', `/sandboxes/${a.id}/earlier-execs`));
    assert.equal(earlier.execs.length, 1);
    assert.equal(earlier.execs[0]!.running, true);

    // SIGUSR2 hands over: the sandboxes keep running for the next server too
    await again.stop('SIGUSR2', true);
    again = await startServer({ dataDir });
    servers.push(again);
    assert.equal((await json(await call(again, 'GET', `/sandboxes/${a.id}`))).state, 'running');
    assert.ok((await count()) > c1);

    // killed with b's supervisor: b is lost (and nothing of it runs); a is adopted again
    killSupervisor(stateDirOf(again), local.get(b.id)!);
    await again.stop('SIGKILL', true);
    again = await startServer({ dataDir });
    servers.push(again);
    const b2 = await json(await call(again, 'GET', `/sandboxes/${b.id}`));
    assert.equal(b2.state, 'lost');
    assert.match(b2.error, /its server \(pid \d+\) stopped/);
    assert.equal((await call(again, 'POST', `/sandboxes/${b.id}/exec`, { command: ['true'] })).status, 409);
    assert.equal((await json(await call(again, 'GET', `/sandboxes/${a.id}`))).state, 'running');
    for (const x of [graceful, a, b]) assert.equal((await call(again, 'DELETE', `/sandboxes/${x.id}`)).status, 204);
    assert.deepEqual((await json<{ sandboxes: unknown[] }>(await call(again, 'GET', '/sandboxes'))).sandboxes, []);
    await assertNoLeaks({ stateDir: stateDirOf(again) } as TestEnv, ids);
  });
});

describe('two servers on one PostgreSQL store', () => {
  it('both list a sandbox; only the server that runs it execs in it or removes it, the other says where it runs', async () => {
    pg = await startPostgres();
    // servers sharing a store share its secret key
    const key = { STRATA_SECRET_KEY: randomBytes(32).toString('base64') };
    const one = await startServer({ args: ['--database', pg.url], env: key });
    servers.push(one);
    const two = await startServer({ args: ['--database', pg.url], env: key });
    servers.push(two);
    // the second server shares the first's store, so the first's admin token works on both
    const twoAsAdmin = { ...two, token: one.token };
    const v = await json(await call(one, 'POST', '/sandboxes', { runtime: 'namespaces' }), 201);
    const { localId } = await json(await call(one, 'GET', `/sandboxes/${v.id}`));
    const shown = await json(await call(twoAsAdmin, 'GET', `/sandboxes/${v.id}`));
    assert.deepEqual([shown.state, shown.server, shown.localId], ['running', one.url, undefined]);
    const ran = startExec(one, v.id, ['sh', '-c', 'echo on-one']);
    assert.equal((await ran.done).stdout, 'on-one\n');
    const there = await call(twoAsAdmin, 'POST', `/sandboxes/${v.id}/exec`, { command: ['true'] });
    assert.equal(there.status, 409);
    assert.match(((await there.json()) as { error: { message: string } }).error.message, new RegExp(`runs on another server \\(${one.url.replace(/[.]/g, '\\.')}\\); send the request there`));
    assert.equal((await call(twoAsAdmin, 'DELETE', `/sandboxes/${v.id}`)).status, 409);
    assert.equal((await call(one, 'DELETE', `/sandboxes/${v.id}`)).status, 204);
    assert.equal((await call(twoAsAdmin, 'GET', `/sandboxes/${v.id}`)).status, 404);
    await assertNoLeaks({ stateDir: stateDirOf(one) } as TestEnv, [localId]);
  });
});
