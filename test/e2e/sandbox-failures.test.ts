// Bad input and failures: unknown runtime, missing image, corrupt tarball,
// bad mounts, a sandbox timeout, the agent dying mid-exec (every runtime
// whose agent the host can kill), QEMU crashing, and the manager itself
// being killed. Each gives a clear error and leaves no process, mount,
// namespace, cgroup or directory behind.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SandboxManager, type Sandbox } from '../../src/sandbox/index.js';
import { assertNoLeaks, closeTestEnv, openTestManager, type TestEnv } from './sandbox-helpers.js';

const code = (c: string) => (err: unknown) => (err as { code?: string }).code === c;

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

describe('sandbox failures', () => {
  let env: TestEnv;
  const ids: string[] = [];

  before(async () => {
    env = await openTestManager();
  });

  after(async () => {
    if (env) await closeTestEnv(env, ids);
  });

  async function noSandboxLeft(): Promise<void> {
    assert.deepEqual(await readdir(join(env.stateDir, 'sandboxes')), []);
  }

  it('rejects an unknown runtime or runtime class, naming the known ones', async () => {
    await assert.rejects(env.manager.create({ runtime: 'docker' }), (err: Error) => code('unknown_runtime')(err) && /known: process, namespaces, runc, gvisor, vm/.test(err.message));
    await assert.rejects(env.manager.create({ runtimeClass: 'ultra' }), (err: Error) => code('unknown_runtime')(err) && /runtime class "ultra"/.test(err.message));
    await noSandboxLeft();
  });

  it('rejects a missing image and a bad mount before starting anything', async () => {
    await assert.rejects(env.manager.create({ runtime: 'namespaces', image: '/no/such/rootfs' }), (err: Error) => code('image_not_found')(err) && /\/no\/such\/rootfs/.test(err.message));
    await assert.rejects(env.manager.create({ runtime: 'runc', image: 'oci-archive:/no/such/image.tar' }), code('image_not_found'));
    await assert.rejects(
      env.manager.create({ runtime: 'namespaces', mounts: [{ source: '/no/such/dir', target: '/workspace' }] }),
      (err: Error) => code('invalid_spec')(err) && /mounts\[0\]\.source/.test(err.message),
    );
    await assert.rejects(env.manager.create({ runtime: 'namespaces', memory: 'a lot' }), code('invalid_spec'));
    await noSandboxLeft();
  });

  it('rejects a corrupt image tarball and leaves nothing in the cache or state', async () => {
    const bad = join(env.scratch, 'corrupt.tar');
    // a real tar (made by tar) whose index points at a blob that is not there
    const layout = join(env.scratch, 'layout');
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 10 }] }));
    execFileSync('tar', ['-C', layout, '-cf', bad, '.']);
    await assert.rejects(env.manager.create({ runtime: 'namespaces', image: `oci-archive:${bad}` }), (err: Error) => code('image_invalid')(err) && /missing blobs\/sha256\/a{64}/.test(err.message));
    // and one cut short in the middle
    const full = readFileSync(bad);
    await writeFile(bad, full.subarray(0, 700));
    await assert.rejects(env.manager.create({ runtime: 'namespaces', image: `oci-archive:${bad}` }), (err: Error) => code('image_invalid')(err) && /truncated|end of archive/.test(err.message));
    await noSandboxLeft();
    const oci = join(env.manager.cacheDir, 'images', 'oci');
    const leftovers = existsSync(oci) ? (await readdir(oci)).filter((d) => d.includes('.tmp-')) : [];
    assert.deepEqual(leftovers, []);
  });

  it('cleans up a start that fails half way (overlay refused)', async () => {
    const odd = join(env.scratch, 'odd:name');
    await mkdir(join(odd, 'bin'), { recursive: true });
    await assert.rejects(env.manager.create({ runtime: 'namespaces', image: `dir:${odd}` }), (err: Error) => code('image_invalid')(err) && /overlay/.test(err.message));
    await noSandboxLeft();
  });

  it('destroys a sandbox when its timeout runs out, failing what runs in it', async () => {
    const sb = await env.manager.create({ runtime: 'namespaces', timeout: 1500 });
    ids.push(sb.id);
    const e = await sb.exec(['sleep', '100']);
    await assert.rejects(e.wait(), (err: Error) => code('agent_died')(err) && /timeout/.test(err.message));
    await sb.destroyed;
    assert.equal(sb.state, 'stopped');
    assert.ok(env.logs.some((l) => l.includes(`sandbox ${sb.id}: timeout of 1500 ms reached`)));
    await noSandboxLeft();
  });

  /** How a test kills each runtime's agent from the host. */
  const killAgent: Record<string, (sb: Sandbox, env: TestEnv) => void> = {
    process: (sb) => process.kill(sb.hostPids()[0], 'SIGKILL'),
    namespaces: (sb) => process.kill(sb.hostPids().find((p) => cmdline(p).startsWith('/.strata/agent'))!, 'SIGKILL'),
    runc: (sb, e) => execFileSync('runc', ['--root', join(e.stateDir, 'runtimes', 'runc'), 'kill', sb.id, 'KILL']),
    gvisor: (sb, e) => execFileSync('runsc', ['--root', join(e.stateDir, 'runtimes', 'runsc'), 'kill', sb.id, 'KILL']),
  };

  for (const runtime of Object.keys(killAgent)) {
    it(`${runtime}: the agent dying mid-exec fails the exec and the sandbox, and destroy cleans up`, async () => {
      const sb = await env.manager.create({ runtime });
      ids.push(sb.id);
      const e = await sb.exec(['sleep', '100']);
      const pidsBefore = sb.hostPids();
      assert.ok(pidsBefore.length > 0);
      killAgent[runtime](sb, env);
      await assert.rejects(e.wait(), (err: Error) => code('agent_died')(err) && err.message.includes(sb.id));
      assert.equal(sb.state, 'failed');
      await assert.rejects(sb.exec(['true']), code('invalid_state'));
      assert.equal(sb.info().state, 'failed');
      assert.match(sb.info().error!, /agent died/);
      await sb.destroy();
      assert.equal(sb.state, 'stopped');
      for (const pid of pidsBefore) assert.equal(existsSync(`/proc/${pid}`) && !/ Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), false, `host pid ${pid} is gone`);
      await noSandboxLeft();
    });
  }

  it('vm: QEMU crashing mid-exec fails the exec with the cause, and destroy cleans up', async () => {
    const sb = await env.manager.create({ runtime: 'vm' });
    ids.push(sb.id);
    const e = await sb.exec(['sleep', '100']);
    const qemu = sb.hostPids().find((p) => cmdline(p).startsWith('qemu-system-x86_64'))!;
    assert.ok(qemu, 'QEMU is among the host processes');
    process.kill(qemu, 'SIGKILL');
    await assert.rejects(e.wait(), (err: Error) => code('agent_died')(err) && /qemu was killed by SIGKILL/.test(err.message));
    assert.equal(sb.state, 'failed');
    await sb.destroy();
    await noSandboxLeft();
  });

  it('a manager killed with live sandboxes has them released by the next one', async () => {
    const stateDir = join(env.stateDir, 'crashed');
    const script = join(env.scratch, 'crash.mts');
    const lib = pathToFileURL(join(process.cwd(), 'src/sandbox/index.ts')).href;
    await writeFile(
      script,
      `import { SandboxManager } from ${JSON.stringify(lib)};
const m = await SandboxManager.open({ stateDir: ${JSON.stringify(stateDir)}, log: { info() {}, warn() {} } });
const ids = [];
for (const runtime of ['process', 'namespaces', 'runc']) {
  const sb = await m.create({ runtime, network: runtime === 'runc', memory: '64Mi' });
  await sb.exec(['sleep', '1000']);
  ids.push(sb.id);
}
process.stdout.write(JSON.stringify(ids) + '\\n');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() });
    const crashedIds = await new Promise<string[]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(JSON.parse(out));
      });
      child.on('exit', (c) => reject(new Error(`the child exited early (${c})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    assert.equal((await readdir(join(stateDir, 'sandboxes'))).length, 3, 'the crash left its sandboxes');
    const next = await SandboxManager.open({ stateDir, log: { info: (m) => env.logs.push(m), warn: (m) => env.logs.push(m) } });
    assert.equal(next.list().length, 0);
    assert.ok(env.logs.some((l) => /released 3 sandbox\(es\) left by a previous run/.test(l)));
    await assertNoLeaks({ ...env, stateDir }, crashedIds);
  });
});
