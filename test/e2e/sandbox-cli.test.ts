// `strata sandbox …` as a user runs it, against a real server, on the
// process and namespaces runtimes: run behaves like the command itself
// (stdout and stderr unchanged and apart, stdin fed through, signals
// forwarded, its exit status ours), and create / exec / cp / ls / rm manage
// long-lived sandboxes. Strata's own messages only ever go to stderr.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startServer, strata, REPO, type StrataServer } from '../helpers/strata.js';
import { assertNoLeaks, type TestEnv } from './sandbox-helpers.js';

let server: StrataServer;
let scratch: string;
const localIds: string[] = [];

before(async () => {
  server = await startServer();
  scratch = await mkdtemp(join(tmpdir(), 'strata-sbx-cli-'));
});

after(async () => {
  try {
    const left = await sb(['--json', 'ls']);
    assert.deepEqual(JSON.parse(left.stdout), []);
    await assertNoLeaks({ stateDir: join(server.dataDir, 'sandbox') } as TestEnv, localIds);
  } finally {
    await server?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
});

function sb(args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const [first, ...rest] = args;
  const full = first === '--json' ? ['--json', 'sandbox', ...rest] : ['sandbox', ...args];
  return strata(full, { env: server.env, input: opts.input, timeoutMs: opts.timeoutMs });
}

/** Starts the CLI and sends it a signal once its stdout shows `ready`. */
function signalled(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'sandbox', ...args], { env: { ...process.env, ...server.env }, cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.includes('ready')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

for (const runtime of ['process', 'namespaces']) {
  describe(`strata sandbox run on ${runtime}`, () => {
    const run = (cmd: string[], opts: { input?: string; flags?: string[] } = {}) => sb(['run', '--runtime', runtime, ...(opts.flags ?? []), '--', ...cmd], { input: opts.input });

    it('runs a command, exits 0, prints nothing of its own', async () => {
      const r = await run(['true']);
      assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    });

    it('passes stdout and stderr through unchanged and apart, and exits with the command\'s code', async () => {
      const r = await run(['sh', '-c', 'printf "line one\\nno newline"; printf "to stderr" >&2; exit 7']);
      assert.deepEqual(r, { code: 7, stdout: 'line one\nno newline', stderr: 'to stderr' });
    });

    it('feeds stdin to the command (echo hi | strata sandbox run -- cat), or not with -n', async () => {
      assert.deepEqual(await run(['cat'], { input: 'hi\n' }), { code: 0, stdout: 'hi\n', stderr: '' });
      const big = 'y'.repeat(1024 * 1024) + '\n';
      assert.equal((await run(['wc', '-c'], { input: big })).stdout.trim(), String(big.length));
      assert.deepEqual(await run(['cat'], { input: 'ignored\n', flags: ['-n'] }), { code: 0, stdout: '', stderr: '' });
    });

    it('sets the environment and the working directory', async () => {
      const dir = runtime === 'process' ? scratch : '/tmp';
      const r = await run(['sh', '-c', 'echo "$A|$B|$(pwd)"'], { flags: ['--env', 'A=1', '--env', 'B=two words', '--workdir', dir] });
      assert.deepEqual(r, { code: 0, stdout: `1|two words|${dir}\n`, stderr: '' });
    });

    it('exits 127 for a missing command, 128+N when signal N killed it, 124 at its timeout', async () => {
      assert.deepEqual(await run(['no-such-command-xyz']), { code: 127, stdout: '', stderr: 'strata: no-such-command-xyz: command not found\n' });
      assert.deepEqual(await run(['sh', '-c', 'kill -KILL $$']), { code: 137, stdout: '', stderr: '' });
      const t = await run(['sh', '-c', 'echo started; sleep 30'], { flags: ['--timeout', '1s'] });
      assert.equal(t.code, 124);
      assert.equal(t.stdout, 'started\n');
      assert.equal(t.stderr, 'strata: the command ran past its timeout and was killed\n');
    });

    it('forwards SIGINT and SIGTERM to the command', async () => {
      const int = await signalled(['run', '--runtime', runtime, '--', 'sh', '-c', 'trap "echo got-int; exit 42" INT; echo ready; while :; do sleep 0.1; done'], 'SIGINT');
      assert.deepEqual(int, { code: 42, stdout: 'ready\ngot-int\n', stderr: '' });
      const term = await signalled(['run', '--runtime', runtime, '--', 'sh', '-c', 'echo ready; exec sleep 30'], 'SIGTERM');
      assert.deepEqual(term, { code: 143, stdout: 'ready\n', stderr: '' });
    });
  });
}

describe('strata sandbox run: a reader that goes away', () => {
  it('ends like a writer to a closed pipe (141), and the command is killed with its sandbox', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox', 'run', '--runtime', 'namespaces', '--', 'sh', '-c', 'while :; do echo yes-forever; done'], {
      env: { ...process.env, ...server.env },
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (c) => resolve(c));
    });
    assert.equal(code, 141);
    let left: unknown[] = [];
    for (let i = 0; i < 100; i++) {
      left = JSON.parse((await sb(['--json', 'ls'])).stdout) as unknown[];
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(left, [], 'the one-shot sandbox is gone');
  });
});

describe('strata sandbox run: bad input', () => {
  it('says what is wrong in one line on stderr and exits 125', async () => {
    const r = await sb(['run', '--runtime', 'docker', '--', 'true']);
    assert.equal(r.code, 125);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^strata: POST \/sandbox\/api\/v1\/run: 400 unknown runtime "docker" \(known: process, namespaces, runc, gvisor, vm\)\n$/);
    const img = await sb(['run', '--runtime', 'namespaces', '--image', '/no/such/rootfs', '--', 'true']);
    assert.equal(img.code, 125);
    assert.match(img.stderr, /^strata: .*400 .*\/no\/such\/rootfs.*\n$/);
    const env = await sb(['run', '--env', 'NOEQUALS', '--', 'true']);
    assert.equal(env.code, 1);
    assert.match(env.stderr, /--env "NOEQUALS": expected NAME=VALUE/);
    const down = await strata(['sandbox', 'run', '--', 'true'], { env: { ...server.env, STRATA_URL: 'http://127.0.0.1:9' } });
    assert.equal(down.code, 125);
    assert.match(down.stderr, /cannot reach Strata at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('long-lived sandboxes: create, exec, cp, ls, rm', () => {
  let id: string;

  before(async () => {
    const r = await sb(['--json', 'create', '--runtime', 'namespaces', '--env', 'GREETING=hello']);
    assert.equal(r.code, 0, r.stderr);
    const view = JSON.parse(r.stdout) as { id: string; localId: string; state: string };
    assert.equal(view.state, 'running');
    id = view.id;
    localIds.push(view.localId);
  });

  it('create prints just the id without --json', async () => {
    const r = await sb(['create', '--runtime', 'namespaces']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[a-z2-7]{24}\n$/);
    const other = r.stdout.trim();
    const shown = JSON.parse((await sb(['--json', 'show', other])).stdout) as { localId: string };
    localIds.push(shown.localId);
    assert.deepEqual(await sb(['rm', other]), { code: 0, stdout: `${other}\n`, stderr: '' });
  });

  it('exec runs in the sandbox with its environment and exits with the command\'s status', async () => {
    assert.deepEqual(await sb(['exec', id, '--', 'sh', '-c', 'echo "$GREETING $EXTRA"; echo warn >&2; exit 4', '--env', 'EXTRA=x']), { code: 4, stdout: 'hello \n', stderr: 'warn\n' });
    assert.deepEqual(await sb(['exec', '--env', 'EXTRA=x', '--workdir', '/tmp', id, '--', 'sh', '-c', 'echo "$GREETING $EXTRA $(pwd)"']), { code: 0, stdout: 'hello x /tmp\n', stderr: '' });
    assert.deepEqual(await sb(['exec', id, '--', 'tr', 'a-z', 'A-Z'], { input: 'shout\n' }), { code: 0, stdout: 'SHOUT\n', stderr: '' });
    const missing = await sb(['exec', 'a'.repeat(24), '--', 'true']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /404 no sandbox a{24}/);
  });

  it('cp copies files and trees both ways, into directories with a trailing /', async () => {
    const src = join(scratch, 'tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'alpha\n');
    await writeFile(join(src, 'sub', 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
    await symlink('a.txt', join(src, 'link'));
    await writeFile(join(scratch, 'single.txt'), 'one file\n');
    assert.equal((await sb(['cp', src, `${id}:/tmp/copied`])).code, 0);
    assert.equal((await sb(['cp', join(scratch, 'single.txt'), `${id}:/tmp/`])).code, 0);
    const inside = await sb(['exec', id, '--', 'sh', '-c', 'cat /tmp/copied/a.txt /tmp/single.txt; /tmp/copied/sub/run.sh; readlink /tmp/copied/link']);
    assert.deepEqual(inside, { code: 0, stdout: 'alpha\none file\nran\na.txt\n', stderr: '' });

    await sb(['exec', id, '--', 'sh', '-c', 'echo made-inside > /tmp/copied/sub/new.txt']);
    const out = join(scratch, 'out');
    await mkdir(out);
    const r = await sb(['cp', `${id}:/tmp/copied`, out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'progress goes to stderr');
    assert.equal(await readFile(join(out, 'copied', 'sub', 'new.txt'), 'utf8'), 'made-inside\n');
    assert.equal((await stat(join(out, 'copied', 'sub', 'run.sh'))).mode & 0o777, 0o755);
    assert.equal(await readlink(join(out, 'copied', 'link')), 'a.txt');
    assert.equal((await sb(['cp', `${id}:/tmp/single.txt`, join(out, 'renamed.txt')])).code, 0);
    assert.equal(await readFile(join(out, 'renamed.txt'), 'utf8'), 'one file\n');
    // a directory to a new name
    assert.equal((await sb(['cp', `${id}:/tmp/copied/sub`, join(out, 'sub-again')])).code, 0);
    assert.equal(await readFile(join(out, 'sub-again', 'new.txt'), 'utf8'), 'made-inside\n');

    const nothing = await sb(['cp', `${id}:/tmp/nothing-here`, join(out, 'x')]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /^strata: .*404 .*nothing-here.*\n$/);
    const noSrc = await sb(['cp', join(scratch, 'missing'), `${id}:/tmp/x`]);
    assert.match(noSrc.stderr, /missing: no such file or directory/);
    const local = await sb(['cp', join(scratch, 'single.txt'), join(scratch, 'other.txt')]);
    assert.match(local.stderr, /exactly one of SRC and DST must be a sandbox path/);
  });

  it('ls lists the sandbox as a table or JSON; show details it', async () => {
    const table = await sb(['ls']);
    assert.equal(table.code, 0);
    const [head, ...rows] = table.stdout.trim().split('\n');
    assert.match(head!, /^ID\s+PROJECT\s+RUNTIME\s+STATE\s+IMAGE\s+AGE\s+ERROR$/);
    assert.ok(rows.some((r) => r.startsWith(id) && /namespaces\s+running\s+busybox/.test(r)));
    const json = JSON.parse((await sb(['--json', 'ls'])).stdout) as Array<{ id: string; state: string }>;
    assert.deepEqual(json.map((s) => [s.id, s.state]), [[id, 'running']]);
    const show = await sb(['show', id]);
    assert.match(show.stdout, new RegExp(`^sandbox ${id}  running  namespaces`));
    assert.match(show.stdout, /network off: new network namespace/);
  });

  it('rm destroys it and says which could not be removed', async () => {
    const r = await sb(['rm', id, 'b'.repeat(24)]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${id}\n`);
    assert.match(r.stderr, /404 no sandbox b{24}/);
    assert.match(r.stderr, /could not remove 1 of 2 sandbox\(es\)/);
    assert.equal((await sb(['exec', id, '--', 'true'])).code, 125);
  });
});
