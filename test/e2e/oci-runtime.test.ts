// strata-runtime through the real container tools: Debian's podman 4.3 (with
// conmon) and containerd 1.6 (ctr and the runc v2 shim), with runc in the same
// suite as the reference, so every difference shows. podman keeps its own
// storage (vfs) and strata-runtime its own --root in a temporary directory.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, requireCommand } from '../helpers/strata.js';

const RUNTIME = join(REPO, 'dist', 'sandbox', 'oci-runtime', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'strata-oci-'));
const runtimeRoot = join(work, 'strata-root');
const IMAGE = 'localhost/strata-busybox:1';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    // 'exit', not 'close': a daemon the command leaves (conmon) may hold its pipes open
    p.on('exit', (code) => {
      clearTimeout(t);
      setTimeout(() => resolve({ code, stdout, stderr }), 50);
    });
    p.stdin.end(opts.input ?? '');
  });
}

const podmanBase = ['--root', join(work, 'storage'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
// this sandbox host refuses raising these limits; podman's defaults would
const CONTAINER = ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

interface Flavour {
  name: string;
  runtime: string[];
  annotation: string[];
  kernel: (k: string) => void;
}

const flavours: Flavour[] = [
  { name: 'runc (reference)', runtime: ['--runtime', 'runc'], annotation: [], kernel: (k) => assert.equal(k, release()) },
  {
    name: 'strata-runtime vm',
    runtime: ['--runtime', RUNTIME, '--runtime-flag', `root=${runtimeRoot}`],
    annotation: [],
    kernel: (k) => assert.notEqual(k, release(), 'the guest kernel, not the host one'),
  },
  {
    name: 'strata-runtime namespaces',
    runtime: ['--runtime', RUNTIME, '--runtime-flag', `root=${runtimeRoot}`],
    annotation: ['--annotation', 'io.strata.runtime=namespaces'],
    kernel: (k) => assert.equal(k, release()),
  },
];

function podman(f: Flavour, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<Result> {
  return run('podman', [...podmanBase, ...f.runtime, ...args], opts);
}

function runArgs(f: Flavour, ...rest: string[]): string[] {
  return ['run', ...CONTAINER, ...f.annotation, ...rest];
}

before(async () => {
  for (const [c, p] of [['podman', 'podman'], ['conmon', 'conmon'], ['runc', 'runc'], ['containerd', 'containerd'], ['ctr', 'containerd'], ['umoci', 'umoci'], ['script', 'bsdutils'], ['python3', 'python3']])
    requireCommand(c, p);
  // an OCI archive of busybox, built with umoci and loaded with podman load (no registry here)
  const layout = join(work, 'layout');
  const bundle = join(work, 'unpacked');
  for (const args of [['init', '--layout', layout], ['new', '--image', `${layout}:1`], ['unpack', '--rootless', '--image', `${layout}:1`, bundle]]) {
    const r = await run('umoci', args);
    assert.equal(r.code, 0, r.stderr);
  }
  mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(bundle, 'rootfs', 'bin', 'busybox'));
  for (const c of ['sh', 'cat', 'echo', 'uname', 'sleep', 'pwd', 'tty', 'stty', 'ls']) symlinkSync('busybox', join(bundle, 'rootfs', 'bin', c));
  mkdirSync(join(bundle, 'rootfs', 'tmp'));
  for (const args of [['repack', '--image', `${layout}:1`, bundle]]) {
    const r = await run('umoci', args);
    assert.equal(r.code, 0, r.stderr);
  }
  const archive = join(work, 'busybox.tar');
  assert.equal(spawnSync('tar', ['-C', layout, '-cf', archive, '.']).status, 0);
  const loaded = await run('podman', [...podmanBase, 'load', '-i', archive]);
  assert.equal(loaded.code, 0, loaded.stderr);
  const name = /Loaded image(?:\(s\))?: (\S+)/.exec(loaded.stdout)?.[1] ?? loaded.stdout.trim().split('\n').at(-1)!.split(' ').at(-1)!;
  assert.equal((await run('podman', [...podmanBase, 'tag', name, IMAGE])).code, 0);
});

after(async () => {
  await run('podman', [...podmanBase, 'rm', '-af']).catch(() => undefined);
  await run('podman', [...podmanBase, 'system', 'reset', '-f']).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

for (const f of flavours) {
  describe(`podman with ${f.name}`, () => {
    it('runs a command and prints its kernel; passes exit codes, stdin, env, workdir and a bind mount', async () => {
      const k = await podman(f, runArgs(f, '--rm', IMAGE, 'uname', '-r'), { timeoutMs: 240_000 });
      assert.equal(k.code, 0, k.stderr);
      f.kernel(k.stdout.trim());
      assert.equal((await podman(f, runArgs(f, '--rm', IMAGE, 'sh', '-c', 'exit 7'))).code, 7);
      const cat = await podman(f, runArgs(f, '--rm', '-i', IMAGE, 'cat'), { input: 'through stdin\n' });
      assert.deepEqual([cat.code, cat.stdout], [0, 'through stdin\n'], cat.stderr);
      const vol = join(work, `vol-${f.name.replace(/\W+/g, '-')}`);
      mkdirSync(vol);
      writeFileSync(join(vol, 'f'), 'from the host\n');
      const r = await podman(f, runArgs(f, '--rm', '-v', `${vol}:/data`, '-e', 'GREETING=hello', '-w', '/data', IMAGE, 'sh', '-c', 'cat f; echo $GREETING; pwd; echo back > g'));
      assert.deepEqual([r.code, r.stdout], [0, 'from the host\nhello\n/data\n'], r.stderr);
      assert.ok(existsSync(join(vol, 'g')), 'writes reach the host directory');
    });

    it('gives a terminal with -t', async () => {
      const cmd = ['podman', ...podmanBase, ...f.runtime, ...runArgs(f, '--rm', '-t', IMAGE, 'sh', '-c', 'tty; stty size')].map((a) => `'${a}'`).join(' ');
      const r = await run('script', ['-qec', cmd, '/dev/null']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /\/dev\/pts\/\d+/);
    });

    it('runs detached: exec, logs, kill -s USR1, stop (SIGTERM ignored, then SIGKILL), rm -f', async () => {
      const d = await podman(f, runArgs(f, '-d', IMAGE, 'sh', '-c', 'trap "echo got-usr1" USR1; trap "" TERM; echo started; while :; do sleep 0.1; done'));
      assert.equal(d.code, 0, d.stderr);
      const id = d.stdout.trim();
      const ex = await podman(f, ['exec', id, 'sh', '-c', 'echo in-exec; exit 3']);
      assert.deepEqual([ex.code, ex.stdout], [3, 'in-exec\n'], ex.stderr);
      assert.equal((await podman(f, ['kill', '-s', 'USR1', id])).code, 0);
      let logs = '';
      for (let i = 0; i < 50 && !logs.includes('got-usr1'); i++) {
        logs = (await podman(f, ['logs', id])).stdout;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(logs, /started\n(.*\n)*got-usr1/);
      const stop = await podman(f, ['stop', '-t', '1', id]);
      assert.equal(stop.code, 0, stop.stderr);
      const inspect = await podman(f, ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id]);
      assert.equal(inspect.stdout.trim(), 'exited 137');
      assert.equal((await podman(f, ['rm', '-f', id])).code, 0);
    });
  });
}

describe('containerd with strata-runtime', () => {
  it('ctr run --runc-binary runs a container in a VM and returns its exit code', async () => {
    const dir = join(work, 'containerd');
    mkdirSync(dir);
    const sock = join(dir, 'containerd.sock');
    writeFileSync(
      join(dir, 'config.toml'),
      `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\n[grpc]\n  address = "${sock}"\n[plugins."io.containerd.grpc.v1.cri"]\n  disable = true\n`,
    );
    const daemon = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: 'ignore' });
    try {
      const ctr = (args: string[]) => run('ctr', ['-a', sock, ...args], { timeoutMs: 240_000 });
      // ready when it answers, not when its socket appears
      for (let i = 0; i < 100 && (!existsSync(sock) || (await ctr(['version'])).code !== 0); i++) await new Promise((r) => setTimeout(r, 100));
      // the OCI layout umoci built, as a tarball: containerd's own import, no podman in between
      const imp = await ctr(['images', 'import', '--snapshotter', 'native', '--index-name', IMAGE, join(work, 'busybox.tar')]);
      assert.equal(imp.code, 0, imp.stderr);
      const k = await ctr(['run', '--rm', '--snapshotter', 'native', '--runc-binary', RUNTIME, IMAGE, 'k1', 'uname', '-r']);
      assert.equal(k.code, 0, k.stderr);
      assert.notEqual(k.stdout.trim(), release());
      const e = await ctr(['run', '--rm', '--snapshotter', 'native', '--runc-binary', RUNTIME, IMAGE, 'k2', 'sh', '-c', 'exit 5']);
      assert.equal(e.code, 5, e.stderr);
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
  });
});

describe('strata-runtime refuses bad bundles with one line and leaves nothing running', () => {
  const root = join(work, 'bad-root');
  const rt = (args: string[]) => run(process.execPath, [RUNTIME, '--root', root, ...args]);
  const bundle = (name: string, config: unknown, rootfs = true) => {
    const b = join(work, 'bundles', name);
    mkdirSync(rootfs ? join(b, 'rootfs') : b, { recursive: true });
    writeFileSync(join(b, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return b;
  };
  const good = { ociVersion: '1.0.2', root: { path: 'rootfs' }, process: { args: ['true'], cwd: '/' }, annotations: { 'io.strata.runtime': 'namespaces' } };

  it('names what is wrong', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['missing-rootfs', bundle('missing-rootfs', good, false), /rootfs .*missing-rootfs\/rootfs: no such directory/],
      ['bad-json', bundle('bad-json', '{"root": '), /config.json: /],
      ['no-args', bundle('no-args', { ...good, process: { args: [] } }), /process.args: the container needs a command/],
      ['bad-annotation', bundle('bad-annotation', { ...good, annotations: { 'io.strata.runtime': 'docker' } }), /annotation io.strata.runtime="docker": expected one of vm, gvisor, runc, namespaces/],
    ];
    for (const [id, b, msg] of cases) {
      const r = await rt(['create', '--bundle', b, id]);
      assert.equal(r.code, 1, `${id}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
    assert.equal((await rt(['state', 'nope'])).stderr.trim(), 'strata-runtime: container does not exist: nope');
  });

  it('refuses a second create of the same id, deletes with --force, and leaves no process', async () => {
    const b = bundle('good', { ...good, process: { args: ['/bin/busybox', 'sleep', '1000'], cwd: '/' } });
    mkdirSync(join(b, 'rootfs', 'bin'));
    copyFileSync('/bin/busybox', join(b, 'rootfs', 'bin', 'busybox'));
    const first = await rt(['create', '--bundle', b, 'twice']);
    assert.equal(first.code, 0, first.stderr);
    const again = await rt(['create', '--bundle', b, 'twice']);
    assert.deepEqual([again.code, again.stderr.trim()], [1, 'strata-runtime: container with id exists: twice']);
    const st = JSON.parse((await rt(['state', 'twice'])).stdout) as { status: string; pid: number };
    assert.equal(st.status, 'created');
    assert.equal((await rt(['start', 'twice'])).code, 0);
    assert.equal(JSON.parse((await rt(['state', 'twice'])).stdout).status, 'running');
    const del = await rt(['delete', 'twice']);
    assert.match(del.stderr, /cannot delete container twice that is not stopped: running/);
    assert.equal((await rt(['delete', '--force', 'twice'])).code, 0);
    assert.equal((await rt(['state', 'twice'])).code, 1);
    const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return spawnSync('cat', [`/proc/${p}/cmdline`]).stdout.toString().includes(root);
      } catch {
        return false;
      }
    });
    assert.deepEqual(left, [], 'nothing of the container runs');
  });
});
