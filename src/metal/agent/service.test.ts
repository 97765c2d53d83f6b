import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox, silentLogger, StrataError } from '../../core/index.js';
import { AgentService } from './service.js';
import { MemoryAgentNodes } from './testing.js';
import { TOKEN_KEY } from './token.js';

const UUID = '1be26c0b-03f2-4d2e-ae87-c02d7f33c123';
const OTHER = '2be26c0b-03f2-4d2e-ae87-c02d7f33c124';
const MAC = '52:54:00:12:34:56';

function setup(state: 'wait call-back' | 'active' | 'clean wait' = 'wait call-back') {
  const nodes = new MemoryAgentNodes();
  nodes.add({ uuid: UUID, name: 'n1', macs: [MAC], provision_state: state, instance_info: { image_source: 'http://x/img', configdrive: 'H4sI', kernel: 'http://k' } });
  nodes.add({ uuid: OTHER, name: 'n2', macs: ['52:54:00:00:00:02'], provision_state: 'wait call-back' });
  const secrets = new SecretBox(randomBytes(32));
  const svc = new AgentService({ nodes, receiver: nodes, secrets, log: silentLogger() }, { heartbeatTimeoutS: 30 });
  return { nodes, secrets, svc };
}

const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (err) {
    assert.ok(err instanceof StrataError, String(err));
    return err.status;
  }
};

test('lookup by MAC (any spelling) issues a token once; later lookups get a mask', async () => {
  const { svc, nodes, secrets } = setup();
  const first = await svc.lookup({ addresses: `zz:zz,${MAC.toUpperCase().replace(/:/g, '-')}` }, 82);
  assert.equal(first.node.uuid, UUID);
  assert.equal(first.config.heartbeat_timeout, 30);
  assert.equal(first.config.agent_token_required, true);
  const token = first.config.agent_token as string;
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  const stored = nodes.nodes.get(UUID)!.driver_internal_info[TOKEN_KEY] as string;
  assert.ok(SecretBox.isSealed(stored), 'the token is sealed at rest');
  assert.equal(secrets.open(stored), token);
  assert.equal(first.node.instance_info.configdrive, '******');
  assert.equal(first.node.instance_info.image_source, 'http://x/img');

  const second = await svc.lookup({ node_uuid: UUID }, 82);
  assert.equal(second.config.agent_token, '******');
  assert.equal(second.node.driver_internal_info[TOKEN_KEY], '******', 'the sealed token never leaves either');
  assert.ok(!JSON.stringify(second).includes(token));
});

test('lookup: no addresses → 400; unknown or wrongly placed node → the same 404; old API → 404', async () => {
  const { svc } = setup('active');
  assert.equal(await status(svc.lookup({}, 82)), 400);
  assert.equal(await status(svc.lookup({ addresses: 'not-a-mac' }, 82)), 400);
  assert.equal(await status(svc.lookup({ node_uuid: 'nope' }, 82)), 400);
  assert.equal(await status(svc.lookup({ addresses: MAC }, 82)), 404, 'active nodes are not looked up');
  assert.equal(await status(svc.lookup({ addresses: '52:54:00:99:99:99' }, 82)), 404);
  assert.equal(await status(svc.lookup({ addresses: '52:54:00:00:00:02' }, 21)), 404);
  const ok = await svc.lookup({ addresses: '52:54:00:00:00:02' }, 61);
  assert.equal(ok.config.agent_token, null, 'before 1.62 no token is handed out');
});

test('heartbeat: needs the token issued at lookup, a version, a stable callback URL', async () => {
  const { svc, nodes } = setup();
  const hb = { callback_url: 'http://10.0.0.5:9999', agent_version: '9.0.0' };
  assert.equal(await status(svc.heartbeat(UUID, hb, 82)), 400, 'no token issued yet: rejected');
  const token = (await svc.lookup({ addresses: MAC }, 82)).config.agent_token as string;
  assert.equal(await status(svc.heartbeat(UUID, { ...hb, agent_token: 'x'.repeat(43) }, 82)), 400);
  assert.equal(await status(svc.heartbeat(UUID, hb, 82)), 400);
  assert.equal(await status(svc.heartbeat(OTHER, { ...hb, agent_token: token }, 82)), 400, "another node's token does not work");
  assert.equal(await status(svc.heartbeat('no-such-node', { ...hb, agent_token: token }, 82)), 404);
  assert.equal(await status(svc.heartbeat(UUID, { callback_url: hb.callback_url, agent_token: token }, 82)), 400, 'a version is required');
  assert.equal(await status(svc.heartbeat(UUID, { ...hb, agent_token: token, agent_status: 'weird' }, 82)), 400);
  assert.equal(await status(svc.heartbeat(UUID, { ...hb, agent_token: token, callback_url: 'file:///etc/passwd' }, 82)), 400);
  assert.equal(await status(svc.heartbeat(UUID, { ...hb, agent_token: token }, 35)), 400, 'agent_version needs 1.36');
  assert.equal(nodes.heartbeats.length, 0);

  await svc.heartbeat('n1', { ...hb, agent_token: token }, 82);
  assert.deepEqual(nodes.heartbeats, [{ uuid: UUID, hb: { callbackUrl: 'http://10.0.0.5:9999', agentVersion: '9.0.0' } }]);
  await svc.heartbeat(UUID, { ...hb, callback_url: 'http://10.0.0.5:9999/', agent_token: token }, 82);
  assert.equal(nodes.heartbeats.length, 2, 'a trailing slash is the same URL');
  assert.equal(await status(svc.heartbeat(UUID, { ...hb, callback_url: 'http://10.6.6.6:9999', agent_token: token }, 82)), 400, 'a changed callback URL is refused');
  assert.equal(nodes.heartbeats.length, 2);
});

test('two agents racing on the first lookup: one gets the token, the other a mask', async () => {
  const { svc } = setup();
  const [a, b] = await Promise.all([svc.lookup({ addresses: MAC }, 82), svc.lookup({ addresses: MAC }, 82)]);
  const tokens = [a.config.agent_token, b.config.agent_token];
  assert.equal(tokens.filter((t) => t === '******').length, 1, JSON.stringify(tokens));
});

test('a lookup while the conductor holds the node answers 409 (the agent retries), and issues nothing', async () => {
  const { svc, nodes } = setup();
  nodes.locked.add(UUID);
  assert.equal(await status(svc.lookup({ addresses: MAC }, 82)), 409);
  assert.equal(nodes.nodes.get(UUID)!.driver_internal_info[TOKEN_KEY], undefined);
  nodes.locked.delete(UUID);
  assert.match((await svc.lookup({ addresses: MAC }, 82)).config.agent_token as string, /^[A-Za-z0-9_-]{43}$/);
});
