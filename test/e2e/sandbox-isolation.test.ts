// Isolation, for every isolating runtime: from inside a sandbox, try to see
// host processes, signal one, write the host's files, reach the host network
// with network off, and use more memory than the limit. Every attempt must
// fail and the host must stay healthy. Limits must be applied where reported.
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freemem } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../../src/sandbox/index.js';
import { closeTestEnv, openTestManager, type TestEnv } from './sandbox-helpers.js';

const MEMORY_LIMIT = '64Mi';

for (const runtime of ['namespaces', 'runc', 'gvisor', 'vm']) {
  describe(`${runtime} isolation`, () => {
    let env: TestEnv;
    let sb: Sandbox;
    let marker: ChildProcess;
    let markerName: string;
    let server: Server;
    let port: number;
    let hostDir: string;
    let accepted = 0;
    const ids: string[] = [];

    before(async () => {
      env = await openTestManager();
      markerName = `strata-marker-${process.pid}-${runtime}`;
      marker = spawn('sleep', ['600'], { argv0: markerName, stdio: 'ignore' });
      server = createServer((c) => {
        accepted++;
        c.end('host says hi\n');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
      hostDir = join(env.scratch, 'host-files');
      await mkdir(hostDir);
      await writeFile(join(hostDir, 'precious.txt'), 'original\n');
      sb = await env.manager.create({ runtime, memory: MEMORY_LIMIT, cpus: 1 });
      ids.push(sb.id);
    });

    after(async () => {
      marker?.kill('SIGKILL');
      server?.close();
      if (env) await closeTestEnv(env, ids);
    });

    it('cannot see or signal host processes', async () => {
      const r = await sb.run(['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < $f; echo; done; ls -d /proc/[0-9]* | wc -l']);
      assert.equal(r.exitCode, 0, r.stderr.toString());
      const text = r.stdout.toString();
      assert.ok(!text.includes(markerName), 'the host marker process is invisible');
      const count = Number(text.trim().split('\n').pop());
      assert.ok(count < 15, `only the sandbox's own processes are visible (saw ${count})`);
      const k = await sb.run(['kill', '-9', String(marker.pid)]);
      assert.notEqual(k.exitCode, 0, 'kill of a host pid fails');
      assert.equal(marker.exitCode, null);
      assert.ok(existsSync(`/proc/${marker.pid}`), 'the host process is still alive');
    });

    it("cannot write the host's files", async () => {
      const attempts = [
        `echo pwned > ${hostDir}/precious.txt`,
        'echo pwned > /etc/passwd',
        'touch /pwned-root',
        'mkdir /pwned-dir',
        'mount -t tmpfs none /mnt',
        'echo 1 > /proc/sys/kernel/sysrq',
      ];
      for (const cmd of attempts) {
        const r = await sb.run(['sh', '-c', cmd]);
        if (cmd.startsWith(`echo pwned > ${hostDir}`)) {
          // the path does not exist in the sandbox (its /tmp is its own), so the write fails or lands there
          assert.equal(await readFile(join(hostDir, 'precious.txt'), 'utf8'), 'original\n');
        } else {
          assert.notEqual(r.exitCode, 0, `${cmd} must fail`);
        }
      }
      assert.equal(await readFile(join(hostDir, 'precious.txt'), 'utf8'), 'original\n');
      assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), /pwned/);
      assert.equal(existsSync('/pwned-root'), false);
      // nor the cached image every sandbox shares
      const images = join(env.manager.cacheDir, 'images', 'busybox');
      for (const d of await readdir(images)) assert.equal(existsSync(join(images, d, 'rootfs', 'pwned-root')), false);
    });

    it('cannot reach the host network with network off', async () => {
      // (busybox 1.35's wget crashes with -T: `timeout` bounds it instead)
      const r = await sb.run(['sh', '-c', `timeout 10 wget -q -O - http://127.0.0.1:${port}/ ; echo "wget=$?"; cat /proc/net/dev; echo routes; cat /proc/net/route`]);
      const text = r.stdout.toString();
      assert.match(text, /wget=1\n/, 'the host listener is unreachable');
      assert.match(r.stderr.toString(), /can't connect|Connection refused|unreachable/i);
      assert.doesNotMatch(text, /host says hi/);
      const ifaces = text
        .split('\n')
        .filter((l) => /^\s*\w+:/.test(l))
        .map((l) => l.trim().split(':')[0]);
      assert.deepEqual(ifaces.filter((i) => i !== 'lo'), [], 'only loopback exists');
      const routes = text.split('routes\n')[1].trim().split('\n').slice(1).filter(Boolean);
      assert.deepEqual(routes, [], 'no route leads anywhere');
      assert.equal(accepted, 0);
    });

    it('reports how each limit is enforced, and applies it', async () => {
      const info = sb.info();
      const mem = info.limits.find((l) => l.limit === 'memory')!;
      assert.ok(mem.enforced);
      if (runtime === 'vm') {
        assert.match(mem.mechanism, /VM size .* guest cgroup/);
        const qemu = info.hostPids.map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')).find((c) => c[0].startsWith('qemu-system'))!;
        assert.equal(qemu[qemu.indexOf('-m') + 1], '160M');
        assert.equal(qemu[qemu.indexOf('-smp') + 1], '1');
        const inside = await sb.run(['cat', '/proc/meminfo']);
        const totalKiB = Number(/MemTotal:\s+(\d+)/.exec(inside.stdout.toString())![1]);
        assert.ok(totalKiB < 160 * 1024, `the guest has at most its VM size (${totalKiB} KiB)`);
      } else {
        assert.match(mem.mechanism, /cgroup v[12]/);
        const dirs = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', sb.id], { encoding: 'utf8' }).trim().split('\n');
        const memDir = dirs.find((d) => existsSync(join(d, 'memory.limit_in_bytes')) || existsSync(join(d, 'memory.max')))!;
        assert.ok(memDir, 'a memory cgroup exists for the sandbox');
        const limit = existsSync(join(memDir, 'memory.limit_in_bytes')) ? readFileSync(join(memDir, 'memory.limit_in_bytes'), 'utf8') : readFileSync(join(memDir, 'memory.max'), 'utf8');
        assert.equal(Number(limit), 64 * 1024 * 1024);
      }
    });

    it('cannot use more memory than its limit, and the host stays healthy', async () => {
      const before = freemem();
      const hog = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=256M', 'count=1'];
      let failedInside = false;
      try {
        const r = await sb.run(hog, { timeout: 60_000 });
        assert.ok(r.exitCode !== 0, `the 256M allocation must fail (got ${JSON.stringify(r)} ${r.stderr})`);
        failedInside = true;
        if (r.oomKilled !== undefined) assert.equal(r.oomKilled, true, 'the memory cgroup killed it');
      } catch (err) {
        // gVisor's whole sandbox is in the limited cgroup: the OOM killer ends it
        assert.equal(runtime, 'gvisor', `only gVisor may lose the sandbox: ${(err as Error).message}`);
        assert.equal((err as { code?: string }).code, 'agent_died');
      }
      if (failedInside) {
        const alive = await sb.run(['echo', 'still-here']);
        assert.equal(alive.stdout.toString(), 'still-here\n', 'the sandbox survives its own OOM kill');
      }
      // the host: still has its memory, still runs commands
      assert.ok(freemem() > before - 128 * 1024 * 1024, 'host memory was not eaten');
      assert.equal(execFileSync('sh', ['-c', 'echo host-ok'], { encoding: 'utf8' }), 'host-ok\n');
      assert.equal(marker.exitCode, null);
    });
  });
}
