/**
 * Shared pieces of the sandbox e2e tests: a manager on a private state
 * directory (the build cache is the project's, so builds are shared), the
 * leak check every file ends with, and the conformance suite every runtime
 * passes.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { SandboxManager, type Sandbox, type Logger } from '../../src/sandbox/index.js';

export interface TestEnv {
  manager: SandboxManager;
  stateDir: string;
  scratch: string;
  logs: string[];
}

/**
 * State directories of earlier test runs that were killed before cleaning
 * up (their sandboxes' owner processes are gone): released the way a
 * restarted server releases them, then removed.
 */
async function reapKilledRuns(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (/^sbx-scratch-[A-Za-z0-9]{6}$/.test(name)) {
      // plain files of a killed run: no test runs for an hour
      const dir = join(tmpdir(), name);
      if (Date.now() - (await stat(dir)).mtimeMs > 60 * 60_000) await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (!/^sbx-[A-Za-z0-9]{6}$/.test(name)) continue;
    const dir = join(tmpdir(), name);
    const ids = await readdir(join(dir, 'sandboxes')).catch(() => [] as string[]);
    const owners = await Promise.all(ids.map((id) => readFile(join(dir, 'sandboxes', id, 'owner'), 'utf8').catch(() => '')));
    if (owners.some((o) => o && existsSync(`/proc/${o.trim()}`))) continue;
    const age = Date.now() - (await stat(dir)).mtimeMs;
    if (ids.length === 0 && age < 10 * 60_000) continue; // maybe a run that is just starting
    const m = await SandboxManager.open({ stateDir: dir, log: { info: () => {}, warn: () => {} } });
    await m.reapOrphans();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A manager over a fresh, short state directory (VM sockets need short paths). */
export async function openTestManager(): Promise<TestEnv> {
  await reapKilledRuns();
  const stateDir = await mkdtemp(join(tmpdir(), 'sbx-'));
  const scratch = await mkdtemp(join(tmpdir(), 'sbx-scratch-'));
  const logs: string[] = [];
  const log: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(`warning: ${m}`) };
  const manager = await SandboxManager.open({ stateDir, log });
  return { manager, stateDir, scratch, logs };
}

/** Host processes whose command line or working directory is under `path`. */
function processesUsing(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        /* kernel thread or gone */
      }
      if (cmd.includes(path) || cwd.startsWith(path)) found.push(`${pid}: ${cmd.slice(0, 160)}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Asserts that nothing a test's sandboxes made is left on the host. */
export async function assertNoLeaks(env: TestEnv, ids: readonly string[]): Promise<void> {
  // processes: anything whose command line names the state directory (bwrap, runc, runsc, qemu, agents)
  let procs: string[] = [];
  for (let i = 0; i < 50; i++) {
    procs = processesUsing(env.stateDir);
    if (procs.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(procs, [], 'no sandbox process is left');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(env.stateDir));
  assert.deepEqual(mounts, [], 'no mount is left');
  const sandboxes = await readdir(join(env.stateDir, 'sandboxes')).catch(() => []);
  assert.deepEqual(sandboxes, [], 'no sandbox state directory is left');
  for (const rt of ['runc', 'runsc']) {
    const root = join(env.stateDir, 'runtimes', rt);
    if (!existsSync(root)) continue;
    const list = execFileSync(rt, ['--root', root, 'list', '--quiet'], { encoding: 'utf8' }).trim();
    assert.equal(list, '', `${rt} list is empty`);
  }
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  for (const id of ids) {
    assert.ok(!netns.includes(`strata-${id}`), `network namespace of ${id} is gone`);
    let links = '';
    for (let i = 0; i < 50; i++) {
      links = existsSync(`/sys/class/net/sbx${id.slice(0, 8)}h`) ? 'present' : '';
      if (!links) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(links, '', `veth of ${id} is gone`);
    const cg = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', id], { encoding: 'utf8' }).trim();
    assert.equal(cg, '', `no cgroup of ${id} is left`);
  }
}

export async function closeTestEnv(env: TestEnv, ids: readonly string[]): Promise<void> {
  try {
    await env.manager.destroyAll();
    await assertNoLeaks(env, ids);
  } finally {
    await rm(env.stateDir, { recursive: true, force: true });
    await rm(env.scratch, { recursive: true, force: true });
  }
}

export async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

/**
 * The behaviour every runtime must show, on one sandbox shared by the
 * assertions (a VM boots once). `pathRoot` is where the sandbox can write:
 * /tmp inside isolated sandboxes, a host scratch directory for `process`.
 */
export function conformanceSuite(runtime: string, opts: { hostFilesystem?: boolean } = {}): void {
  describe(`${runtime} runtime`, () => {
    let env: TestEnv;
    let sb: Sandbox;
    const ids: string[] = [];
    let root: string;

    let ws: string;
    let ro: string;
    let wsTarget: string;
    let roTarget: string;

    before(async () => {
      env = await openTestManager();
      ws = join(env.scratch, 'workspace');
      ro = join(env.scratch, 'readonly');
      await mkdir(ws);
      await mkdir(ro);
      await writeFile(join(ro, 'given.txt'), 'from the host\n');
      // host processes see host paths: the process runtime mounts nothing
      wsTarget = opts.hostFilesystem ? ws : '/workspace';
      roTarget = opts.hostFilesystem ? ro : '/srv/input';
      sb = await env.manager.create({
        runtime,
        env: { FROM_SPEC: 'spec' },
        mounts: [
          { source: ws, target: wsTarget },
          { source: ro, target: roTarget, readOnly: true },
        ],
      });
      ids.push(sb.id);
      root = opts.hostFilesystem ? env.scratch : '/tmp';
    });

    after(async () => {
      if (env) await closeTestEnv(env, ids);
    });

    it('runs a command and returns its exit code and output streams separately', async () => {
      const r = await sb.run(['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
      assert.equal(r.exitCode, 3);
      assert.equal(r.signal, null);
      assert.equal(r.stdout.toString(), 'to-stdout\n');
      assert.equal(r.stderr.toString(), 'to-stderr\n');
      assert.equal((await sb.run(['true'])).exitCode, 0);
      assert.equal((await sb.run(['false'])).exitCode, 1);
    });

    it('streams stdin to the command, including large input, and closes it', async () => {
      const big = 'x'.repeat(3 * 1024 * 1024) + '\nlast line\n';
      const r = await sb.run(['sh', '-c', 'wc -c; echo done'], { stdin: big });
      assert.equal(r.stdout.toString().trim().split(/\s+/)[0], String(big.length));
      const e = await sb.exec(['cat']);
      const out = collect(e.stdout);
      e.stdin.write('first ');
      e.stdin.end('second');
      assert.equal(await out, 'first second');
      assert.equal((await e.wait()).exitCode, 0);
    });

    it('holds a command back while its output is not read (bounded buffering), then delivers all of it', async () => {
      const size = 8 * 1024 * 1024;
      const e = await sb.exec(['head', '-c', String(size), '/dev/zero']);
      let exited = false;
      void e.wait().then(() => (exited = true), () => {});
      await new Promise((r) => setTimeout(r, 1500));
      // nobody reads: the agent stops at its window (1 MiB) instead of filling host memory
      assert.ok(e.stdout.readableLength <= 1.5 * 1024 * 1024, `buffered ${e.stdout.readableLength} bytes`);
      assert.equal(exited, false, 'the command waits for its reader, as on a full pipe');
      const all = await collect(e.stdout);
      assert.equal(all.length, size);
      assert.equal((await e.wait()).exitCode, 0);
    });

    it('passes the spec and exec environment, and nothing of the host', async () => {
      process.env.STRATA_HOST_SECRET = 'must-not-leak';
      try {
        const r = await sb.run(['sh', '-c', 'echo "$FROM_SPEC $FROM_EXEC ${STRATA_HOST_SECRET:-unset} $PATH"'], { env: { FROM_EXEC: 'exec' } });
        const [spec, exec, secret, path] = r.stdout.toString().trim().split(' ');
        assert.deepEqual([spec, exec, secret], ['spec', 'exec', 'unset']);
        assert.match(path, /\/bin/);
      } finally {
        delete process.env.STRATA_HOST_SECRET;
      }
    });

    it('runs in the working directory asked for, and says so when it does not exist', async () => {
      const r = await sb.run(['pwd'], { cwd: root });
      assert.equal(r.stdout.toString().trim(), root);
      await assert.rejects(sb.exec(['pwd'], { cwd: `${root}/no/such/dir` }), (err: Error & { code?: string }) => err.code === 'cwd_not_found' && /no\/such\/dir/.test(err.message));
    });

    it('reports a missing command as command_not_found', async () => {
      await assert.rejects(sb.exec(['no-such-command-xyz']), (err: Error & { code?: string }) => err.code === 'command_not_found' && /no-such-command-xyz/.test(err.message));
      // the sandbox is still fine afterwards
      assert.equal((await sb.run(['true'])).exitCode, 0);
    });

    it('kills a command at its timeout, with the processes it started', async () => {
      const t0 = Date.now();
      const r = await sb.run(['sh', '-c', 'sleep 100 & sleep 100; echo never'], { timeout: 700 });
      assert.equal(r.timedOut, true);
      assert.equal(r.signal, 'SIGKILL');
      assert.equal(r.stdout.toString(), '');
      assert.ok(Date.now() - t0 < 20_000);
    });

    it('forwards signals to a running command', async () => {
      const e = await sb.exec(['sh', '-c', 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done']);
      const out: string[] = [];
      e.stdout.on('data', (c: Buffer) => out.push(c.toString()));
      while (!out.join('').includes('ready')) await new Promise((r) => setTimeout(r, 20));
      e.signal('SIGTERM');
      const r = await e.wait();
      assert.equal(r.exitCode, 42);
      assert.match(out.join(''), /got-term/);
      const k = await sb.exec(['sleep', '100']);
      k.signal('SIGKILL');
      assert.deepEqual([(await k.wait()).signal, (await k.wait()).exitCode], ['SIGKILL', null]);
    });

    it('copies a tree in and out unchanged', async () => {
      const src = join(env.scratch, 'tree-in');
      await mkdir(join(src, 'sub/deeper'), { recursive: true });
      await writeFile(join(src, 'a.txt'), 'alpha\n');
      await writeFile(join(src, 'sub/deeper/b.bin'), Buffer.alloc(300_000, 7));
      await writeFile(join(src, 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
      const inside = `${root}/copied`;
      await sb.copyIn(src, inside);
      const r = await sb.run(['sh', '-c', `cat ${inside}/a.txt; wc -c < ${inside}/sub/deeper/b.bin; ${inside}/run.sh`]);
      assert.equal(r.stdout.toString().replace(/ +/g, ''), 'alpha\n300000\nran\n');
      await sb.run(['sh', '-c', `echo made-inside > ${inside}/sub/new.txt`]);
      const out = join(env.scratch, 'tree-out');
      await sb.copyOut(inside, out);
      assert.equal(await readFile(join(out, 'a.txt'), 'utf8'), 'alpha\n');
      assert.deepEqual(await readFile(join(out, 'sub/deeper/b.bin')), Buffer.alloc(300_000, 7));
      assert.equal(await readFile(join(out, 'sub/new.txt'), 'utf8'), 'made-inside\n');
      // a single file, and a missing source
      await sb.copyOut(`${inside}/a.txt`, join(env.scratch, 'single.txt'));
      assert.equal(await readFile(join(env.scratch, 'single.txt'), 'utf8'), 'alpha\n');
      await assert.rejects(sb.copyOut(`${root}/nothing-here`, join(env.scratch, 'never')), (err: Error & { code?: string }) => err.code === 'copy_failed');
      assert.equal(existsSync(join(env.scratch, 'never')), false);
    });

    it('shares a workspace read-write and a volume read-only', async () => {
      const r = await sb.run(['sh', '-c', 'echo built > result.txt && cat ' + roTarget + '/given.txt'], { cwd: wsTarget });
      assert.equal(r.exitCode, 0, r.stderr.toString());
      assert.equal(r.stdout.toString(), 'from the host\n');
      assert.equal(await readFile(join(ws, 'result.txt'), 'utf8'), 'built\n');
      if (!opts.hostFilesystem) {
        const w = await sb.run(['sh', '-c', `echo x > ${roTarget}/given.txt`]);
        assert.notEqual(w.exitCode, 0, 'a read-only volume refuses writes');
        assert.equal(await readFile(join(ro, 'given.txt'), 'utf8'), 'from the host\n');
      }
    });

    it('runs several commands at once in the same sandbox', async () => {
      const t0 = Date.now();
      const runs = await Promise.all(
        [1, 2, 3, 4].map((i) => sb.run(['sh', '-c', `sleep 1; echo out-${i}; echo err-${i} >&2; exit ${i}`])),
      );
      const elapsed = Date.now() - t0;
      runs.forEach((r, i) => {
        assert.equal(r.exitCode, i + 1);
        assert.equal(r.stdout.toString(), `out-${i + 1}\n`);
        assert.equal(r.stderr.toString(), `err-${i + 1}\n`);
      });
      assert.ok(elapsed < 3500, `four 1 s commands overlapped (took ${elapsed} ms)`);
    });

    it('runs a command under a terminal', async () => {
      const r = await sb.run(['sh', '-c', 'test -t 0 && test -t 1 && echo is-a-tty'], { tty: true });
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout.toString(), /is-a-tty/);
    });

    it('lists the sandbox with its runtime and host processes, then destroys it', async () => {
      const info = env.manager.list().find((s) => s.id === sb.id)!;
      assert.equal(info.runtime, runtime);
      assert.equal(info.state, 'running');
      assert.ok(info.hostPids.length >= 1);
      await sb.destroy();
      assert.equal(sb.state, 'stopped');
      assert.equal(env.manager.list().length, 0);
      await assert.rejects(sb.exec(['true']), (err: Error & { code?: string }) => err.code === 'invalid_state');
    });
  });
}

/** SIGKILLs a sandbox's supervisor (the shim), as a crash would. */
export function killSupervisor(stateDir: string, localId: string): void {
  const pid = Number(readFileSync(join(stateDir, 'sandboxes', localId, `${localId}.pid`), 'utf8'));
  process.kill(pid, 'SIGKILL');
}
