import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSupervisor, SupervisorHandle } from './client.js';
import { fileTail } from './file-tail.js';
import { supervisorPaths } from './paths.js';
import { parseRequest } from './protocol.js';
import { AgentClient } from '../agent/agent-client.js';
import { ensureAgentBinary } from '../agent/agent-build.js';
import { defaultCacheDir } from '../cache/index.js';

const LOOP = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('protocol: bad requests are refused with the field named', () => {
  assert.throws(() => parseRequest('nope'), /not JSON/);
  assert.throws(() => parseRequest('{"op":"boom"}'), /unknown op "boom"/);
  assert.throws(() => parseRequest('{"op":"signal","signal":"kill; rm"}'), /signal: expected/);
  assert.throws(() => parseRequest('{"op":"exec","argv":["sh"]}'), /unknown op "exec"/, 'commands run through the agent, never beside the sandbox');
  assert.deepEqual(parseRequest('{"op":"status"}'), { op: 'status' });
});

test('supervisor outlives a SIGKILLed server; a restarted server finds it and its workload running; a dead supervisor does not answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sup-'));
  const pids: number[] = [];
  t.after(() => {
    for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // The "server": its own process, which we SIGKILL with its whole process group.
  const standIn = fileURLToPath(new URL('./server-stand-in.ts', import.meta.url));
  const server = spawn(process.execPath, ['--import', 'tsx', standIn, dir, 'sb1', ...LOOP], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  pids.push(server.pid!);
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => d.toString().includes('spawned') && resolve());
    server.on('exit', (c) => reject(new Error(`stand-in exited ${c}`)));
  });
  server.removeAllListeners('exit');
  const before = await new SupervisorHandle(dir, 'sb1').status();
  pids.push(before.supervisorPid, before.childPid!);
  assert.notEqual(before.supervisorPid, server.pid);
  process.kill(-server.pid!, 'SIGKILL');
  await until(() => !alive(server.pid!));

  // "Restart": a new server finds it by the state dir alone, the workload still running.
  const again = new SupervisorHandle(dir, 'sb1');
  const found = await again.status();
  assert.equal(found.state, 'running');
  assert.equal(found.childPid, before.childPid);
  assert.ok(alive(before.childPid!), 'the workload survived the server');
  await until(() => /tick [3-9]/.test(fileTail(supervisorPaths(dir, 'sb1').log, 4096)));

  // A supervisor that died does not answer: that is what makes its sandbox lost.
  process.kill(before.supervisorPid, 'SIGKILL');
  await until(() => !alive(before.supervisorPid));
  await assert.rejects(again.status());
});

test('signals reach the workload; exit status is kept; shutdown ends the supervisor; a second spawn of a live id is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h = await spawnSupervisor(dir, { id: 'sb2', argv: ['sh', '-c', 'trap "exit 7" USR1; while :; do sleep 0.1; done'] });
  const st = await h.status();
  t.after(() => {
    if (alive(st.supervisorPid)) process.kill(st.supervisorPid, 'SIGKILL');
  });
  await assert.rejects(spawnSupervisor(dir, { id: 'sb2', argv: ['true'] }), /already has a live supervisor/);
  await new Promise((r) => setTimeout(r, 300)); // let sh install its trap
  await h.signal('SIGUSR1');
  await until(async () => (await h.status()).state === 'exited');
  const done = await h.status();
  assert.equal(done.exitCode, 7);
  assert.equal((await h.wait()).exitCode, 7, 'wait answers at once for a child that has exited');
  await h.shutdown();
  await until(() => !alive(st.supervisorPid));
});

test("the agent's session outlives its server: a second server gets the HELLO again, fresh channel ids, and the first server's exec keeps running", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const agentBinary = await ensureAgentBinary(defaultCacheDir());
  const h = await spawnSupervisor(dir, { id: 'sb3', argv: [agentBinary], agent: 'stdio' });
  const st = await h.status();
  t.after(() => {
    for (const p of [st.supervisorPid, st.childPid!]) if (alive(p)) process.kill(p, 'SIGKILL');
  });

  const sock1 = await h.channel();
  sock1.on('error', () => {});
  const first = new AgentClient({ readable: sock1, writable: sock1 }, { label: 'first server' });
  assert.equal((await first.waitHello()).pid, st.childPid);
  const loop = await first.exec({ argv: ['sh', '-c', 'echo start; sleep 0.5; i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo line $i; done; echo done'], env: { PATH: '/usr/bin:/bin' }, cwd: '/' });
  // The first server goes while the exec sleeps: its 2,000 lines are all written with nobody reading.
  await new Promise<void>((resolve) => loop.stdout.once('data', () => resolve()));
  first.close('server gone');
  sock1.destroy(); // as a SIGKILLed server's socket closes

  const sock2 = await h.channel();
  sock2.on('error', () => {});
  const second = new AgentClient({ readable: sock2, writable: sock2 }, { label: 'second server' });
  await second.waitHello();
  const ex = await second.exec({ argv: ['sh', '-c', 'echo fresh'], env: { PATH: '/usr/bin:/bin' }, cwd: '/' });
  let out = '';
  ex.stdout.on('data', (d: Buffer) => (out += d.toString()));
  assert.equal((await ex.wait()).exitCode, 0);
  assert.equal(out, 'fresh\n');
  // the first server's exec ran to its end with nobody reading it (the relay granted its window)
  await until(async () => (await h.orphans()).some((o) => o.exit !== undefined), 10_000);
  const [orphan] = await h.orphans();
  assert.match(orphan.output, /line 2000\ndone\n$/);
  assert.equal(orphan.exit!.code, '0');
  second.close('done');
  sock2.destroy();
  await h.shutdown();
  await until(() => !alive(st.supervisorPid));
});
