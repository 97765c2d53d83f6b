// A VM sandbox (QEMU, TCG here) through the CLI and the API against a real
// server: one VM shared by the assertions (it boots once): exec with stdout,
// stderr, exit codes, env, cwd, stdin, timeout, signals, several at once;
// copies in and out; then QEMU crashing mid-exec, which the CLI reports with
// its cause, and removal leaving nothing behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO, startServer, strata, type StrataServer } from '../helpers/strata.js';
import { assertNoLeaks, type TestEnv } from './sandbox-helpers.js';

let server: StrataServer;
let scratch: string;
const localIds: string[] = [];

function sb(args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const full = args[0] === '--json' ? ['--json', 'sandbox', ...args.slice(1)] : ['sandbox', ...args];
  return strata(full, { env: server.env, input: opts.input, timeoutMs: opts.timeoutMs ?? 120_000 });
}

/** Starts the CLI; `onStdout` may act once output arrives (send a signal, kill QEMU). */
function spawnCli(args: string[], onStdout: (stdout: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'sandbox', ...args], { env: { ...process.env, ...server.env }, cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      onStdout(stdout, child);
    });
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end();
  });
}

let restartedDataDir: string | undefined;

before(async () => {
  server = await startServer();
  scratch = await mkdtemp(join(tmpdir(), 'strata-sbx-vm-'));
});

after(async () => {
  try {
    await assertNoLeaks({ stateDir: join(server.dataDir, 'sandbox') } as TestEnv, localIds);
  } finally {
    await server?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
    if (restartedDataDir) await rm(restartedDataDir, { recursive: true, force: true });
  }
});

describe('a vm sandbox through strata sandbox', () => {
  let id: string;

  before(async () => {
    const r = await sb(['--json', 'create', '--runtime', 'vm', '--env', 'FROM_SPEC=spec'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const view = JSON.parse(r.stdout) as { id: string; localId: string; state: string; runtime: string };
    assert.deepEqual([view.state, view.runtime], ['running', 'vm']);
    id = view.id;
    localIds.push(view.localId);
  });

  it('runs commands with their output apart, exit codes, environment and working directory', async () => {
    assert.deepEqual(await sb(['exec', id, '--', 'sh', '-c', 'echo out; echo err >&2; exit 5']), { code: 5, stdout: 'out\n', stderr: 'err\n' });
    assert.deepEqual(await sb(['exec', '--env', 'FROM_EXEC=exec', '--workdir', '/tmp', id, '--', 'sh', '-c', 'echo "$FROM_SPEC $FROM_EXEC $(pwd)"']), {
      code: 0,
      stdout: 'spec exec /tmp\n',
      stderr: '',
    });
    assert.deepEqual(await sb(['exec', id, '--', 'sh', '-c', 'uname -s']), { code: 0, stdout: 'Linux\n', stderr: '' });
  });

  it('feeds stdin, answers a missing command with 127, kills at the timeout with 124', async () => {
    assert.deepEqual(await sb(['exec', id, '--', 'tr', 'a-z', 'A-Z'], { input: 'from the host\n' }), { code: 0, stdout: 'FROM THE HOST\n', stderr: '' });
    assert.deepEqual(await sb(['exec', id, '--', 'no-such-command-xyz']), { code: 127, stdout: '', stderr: 'strata: no-such-command-xyz: command not found\n' });
    const t = await sb(['exec', '--timeout', '2s', id, '--', 'sh', '-c', 'sleep 100 & sleep 100']);
    assert.equal(t.code, 124);
    assert.match(t.stderr, /ran past its timeout/);
  });

  it('forwards SIGINT to the command', async () => {
    let sent = false;
    const r = await spawnCli(['exec', id, '--', 'sh', '-c', 'trap "echo got-int; exit 42" INT; echo ready; while :; do sleep 0.2; done'], (out, child) => {
      if (!sent && out.includes('ready')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    assert.deepEqual(r, { code: 42, stdout: 'ready\ngot-int\n', stderr: '' });
  });

  it('runs several commands at once', async () => {
    // the waiter only finishes once the toucher ran: they overlap or the test times out
    const waiter = sb(['exec', id, '--', 'sh', '-c', 'while [ ! -e /tmp/flag ]; do sleep 0.1; done; echo waited']);
    const others = [1, 2].map((i) => sb(['exec', id, '--', 'sh', '-c', `echo out-${i}; exit ${i}`]));
    const toucher = sb(['exec', id, '--', 'touch', '/tmp/flag']);
    const [w, t, ...rest] = await Promise.all([waiter, toucher, ...others]);
    assert.deepEqual(w, { code: 0, stdout: 'waited\n', stderr: '' });
    assert.equal(t.code, 0);
    rest.forEach((r, i) => assert.deepEqual(r, { code: i + 1, stdout: `out-${i + 1}\n`, stderr: '' }));
  });

  it('copies a tree in and out', async () => {
    const src = join(scratch, 'tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'alpha\n');
    await writeFile(join(src, 'sub', 'b.bin'), Buffer.alloc(200_000, 3));
    assert.equal((await sb(['cp', src, `${id}:/tmp/tree`])).code, 0);
    assert.deepEqual(await sb(['exec', id, '--', 'sh', '-c', 'cat /tmp/tree/a.txt; wc -c < /tmp/tree/sub/b.bin; echo new > /tmp/tree/sub/new.txt']), {
      code: 0,
      stdout: 'alpha\n200000\n',
      stderr: '',
    });
    const out = join(scratch, 'out');
    const r = await sb(['cp', `${id}:/tmp/tree`, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(out, 'a.txt'), 'utf8'), 'alpha\n');
    assert.deepEqual(await readFile(join(out, 'sub', 'b.bin')), Buffer.alloc(200_000, 3));
    assert.equal(await readFile(join(out, 'sub', 'new.txt'), 'utf8'), 'new\n');
  });

  it('outlives a SIGKILLed server: the next server adopts the VM, a loop started before keeps counting, exec works', async () => {
    const loop = spawnCli(['exec', id, '--', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.2; done'], () => {});
    const read = async () => Number((await sb(['exec', id, '--', 'cat', '/tmp/n'])).stdout.trim());
    for (let i = 0; i < 50 && !(await read()); i++) await new Promise((r) => setTimeout(r, 100));
    const dataDir = server.dataDir;
    await server.stop('SIGKILL', true);
    await loop; // its client sees the server go
    server = await startServer({ dataDir });
    restartedDataDir = dataDir;
    const shown = JSON.parse((await sb(['--json', 'show', id])).stdout) as { state: string };
    assert.equal(shown.state, 'running');
    const n1 = await read();
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok((await read()) > n1, 'the loop kept running in the VM across the restart');
  });

  it('reports QEMU crashing mid-exec with its cause, fails the sandbox, and removes it without leaks', async () => {
    const shown = JSON.parse((await sb(['--json', 'show', id])).stdout) as { hostPids: number[] };
    const qemu = shown.hostPids.find((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('qemu-system-x86_64');
      } catch {
        return false;
      }
    });
    assert.ok(qemu, `QEMU is among the host processes ${shown.hostPids.join(' ')}`);
    let killed = false;
    const r = await spawnCli(['exec', id, '--', 'sh', '-c', 'echo ready; sleep 1000'], (out) => {
      if (!killed && out.includes('ready')) {
        killed = true;
        process.kill(qemu, 'SIGKILL');
      }
    });
    assert.equal(r.code, 125);
    assert.equal(r.stdout, 'ready\n');
    assert.match(r.stderr, /^strata: .*qemu was killed by SIGKILL/);
    let state = '';
    for (let i = 0; i < 100 && state !== 'failed'; i++) {
      state = (JSON.parse((await sb(['--json', 'ls'])).stdout) as Array<{ id: string; state: string }>).find((s) => s.id === id)?.state ?? '';
      if (state !== 'failed') await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(state, 'failed');
    assert.deepEqual(await sb(['rm', id]), { code: 0, stdout: `${id}\n`, stderr: '' });
    assert.deepEqual(JSON.parse((await sb(['--json', 'ls'])).stdout), []);
  });
});
