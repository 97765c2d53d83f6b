// Network on: each isolating runtime gets a network namespace joined to the
// host by a veth pair; a host listener on the host end of the pair (the
// sandbox's gateway) is reachable from inside, and destroying the sandbox
// removes the namespace and the pair. The process runtime warns that it
// cannot turn the network off.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { closeTestEnv, openTestManager, type TestEnv } from './sandbox-helpers.js';

describe('sandbox network', () => {
  let env: TestEnv;
  const ids: string[] = [];
  const servers: Server[] = [];

  before(async () => {
    env = await openTestManager();
  });

  after(async () => {
    for (const s of servers) s.close();
    if (env) await closeTestEnv(env, ids);
  });

  for (const runtime of ['namespaces', 'runc', 'gvisor', 'vm']) {
    it(`${runtime}: reaches a host listener on its gateway, and the pair goes away with it`, async () => {
      const sb = await env.manager.create({ runtime, network: true });
      ids.push(sb.id);
      const net = sb.info().network!;
      assert.match(net.sandboxAddress, /^10\.213\.\d+\.\d+$/);
      assert.ok(existsSync(`/run/netns/strata-${sb.id}`));
      const server = createServer((req, res) => res.end(`hello ${req.socket.remoteAddress}\n`));
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, net.hostAddress, r));
      const port = (server.address() as { port: number }).port;
      // nc, not wget: busybox wget trips over gVisor's host networking (EAGAIN on read)
      const r = await sb.run(['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 20 nc ${net.hostAddress} ${port} && ip addr`], { timeout: 60_000 });
      assert.equal(r.exitCode, 0, r.stderr.toString());
      // the request came from the sandbox's own address, through the pair
      assert.match(r.stdout.toString(), new RegExp(`hello (::ffff:)?${net.sandboxAddress.replace(/\./g, '\\.')}`));
      assert.match(r.stdout.toString(), /eth0/);
      server.close();
      await sb.destroy();
      assert.equal(existsSync(`/run/netns/strata-${sb.id}`), false);
      for (let i = 0; i < 50 && existsSync(`/sys/class/net/sbx${sb.id.slice(0, 8)}h`); i++) await new Promise((res) => setTimeout(res, 100));
      assert.equal(existsSync(`/sys/class/net/sbx${sb.id.slice(0, 8)}h`), false);
    });
  }

  it('process: network off cannot be enforced, and says so', async () => {
    const sb = await env.manager.create({ runtime: 'process' });
    ids.push(sb.id);
    const net = sb.info().limits.find((l) => l.limit === 'network')!;
    assert.equal(net.enforced, false);
    assert.match(net.warning!, /not enforced/);
    assert.ok(env.logs.some((l) => /process runtime: network off is not enforced/.test(l)));
    await sb.destroy();
    assert.deepEqual(
      readdirSync('/run/netns').filter((n) => n === `strata-${sb.id}`),
      [],
    );
  });
});
