import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../core/index.js';
import { AgentClient, AgentError, commandError, type CommandResult } from './client.js';

/** A scripted stand-in for the agent's command API (unit test only; the e2e drives the real one). */
let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void = () => {};
const seen: { method: string; url: string; body: string }[] = [];
let server: Server;
let agentUrl = '';
const secrets = new SecretBox(randomBytes(32));
const TOKEN = 'tok_' + randomBytes(8).toString('hex');

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  agentUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const node = () => ({
  uuid: 'n1',
  name: 'node-1',
  driver_info: { redfish_password: 'bmc-secret' },
  instance_info: { image_source: 'http://h/img', rescue_password: 'p' },
  driver_internal_info: { agent_url: agentUrl, agent_secret_token: secrets.seal(TOKEN), hardware_manager_version: { generic: '1' } },
});
const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};
const result = (name: string, status = 'SUCCEEDED', extra: Partial<CommandResult> = {}): CommandResult => ({ command_name: name, command_status: status, command_error: null, command_result: null, ...extra });

test('a command is POSTed with wait, the token as a query parameter, and no token in the body', async () => {
  seen.length = 0;
  handler = (_req, _body, res) => json(res, 200, result('get_deploy_steps', 'SUCCEEDED', { command_result: { deploy_steps: {} } }));
  const out = await new AgentClient(secrets).getDeploySteps(node(), [{ address: '52:54:00:00:00:01' }]);
  assert.equal(out.command_status, 'SUCCEEDED');
  const req = seen[0]!;
  assert.equal(req.method, 'POST');
  const url = new URL(req.url, agentUrl);
  assert.equal(url.pathname, '/v1/commands/');
  assert.equal(url.searchParams.get('wait'), 'true');
  assert.equal(url.searchParams.get('agent_token'), TOKEN);
  const body = JSON.parse(req.body);
  assert.equal(body.name, 'deploy.get_deploy_steps');
  assert.ok(req.body.startsWith('{"name":'), 'the name comes first (the in-ramdisk agent reads it so)');
  assert.equal(body.params.node.driver_internal_info.agent_secret_token, undefined);
  assert.equal(body.params.node.driver_info, undefined, 'BMC credentials stay with the conductor');
  assert.deepEqual(body.params.node.instance_info, { image_source: 'http://h/img', rescue_password: '******' });
  assert.ok(!req.body.includes('bmc-secret') && !req.body.includes(TOKEN));
  assert.deepEqual(body.params.ports, [{ address: '52:54:00:00:00:01' }]);
});

test('poll: a RUNNING command is followed through GET /v1/commands/ until it finishes', async () => {
  let polls = 0;
  handler = (req, _body, res) => {
    if (req.method === 'POST') return json(res, 200, result('execute_deploy_step', 'RUNNING'));
    polls++;
    json(res, 200, { commands: [result('get_deploy_steps'), result('execute_deploy_step', polls < 3 ? 'RUNNING' : 'SUCCEEDED', { command_result: { deploy_result: 'ok' } })] });
  };
  const out = await new AgentClient(secrets, { commandWaitIntervalMs: 10 }).command(node(), 'deploy.execute_deploy_step', {}, { poll: true });
  assert.equal(out.command_status, 'SUCCEEDED');
  assert.deepEqual(out.command_result, { deploy_result: 'ok' });
  assert.equal(polls, 3);

  handler = (req, _body, res) => (req.method === 'POST' ? json(res, 200, result('x', 'RUNNING')) : json(res, 200, { commands: [result('x', 'RUNNING')] }));
  await assert.rejects(
    () => new AgentClient(secrets, { commandWaitIntervalMs: 1, commandWaitAttempts: 3 }).command(node(), 'ext.x', {}, { poll: true }),
    (e: unknown) => e instanceof AgentError && e.kind === 'command-timeout',
  );
});

test('agent errors: busy (409), refused (4xx with faultstring), TypeError results, non-JSON answers', async () => {
  const client = new AgentClient(secrets);
  const kind = async (f: () => Promise<unknown>) => {
    try {
      await f();
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof AgentError, String(e));
      return `${e.kind} ${e.status}`;
    }
  };
  handler = (_r, _b, res) => json(res, 409, { faultstring: 'Agent is busy' });
  assert.equal(await kind(() => client.sync(node())), 'in-progress 409');
  handler = (_r, _b, res) => json(res, 400, { faultstring: 'Unknown command: standby.sync' });
  assert.equal(await kind(() => client.sync(node())), 'api-error 502');
  handler = (_r, _b, res) => json(res, 200, result('sync', 'FAILED', { command_error: { type: 'TypeError', code: 500, message: 'bad args', details: 'sync() got an unexpected keyword argument' } }));
  assert.equal(await kind(() => client.sync(node())), 'api-error 502');
  handler = (_r, _b, res) => {
    res.writeHead(200);
    res.end('<html>');
  };
  assert.equal(await kind(() => client.sync(node())), 'bad-response 502');
  assert.equal(await kind(() => client.sync({ uuid: 'n2', driver_internal_info: {} })), 'connection-failed 502');
  assert.equal(commandError({ command_error: { details: 'disk full' } }), 'disk full');
  assert.equal(commandError({ command_error: null }), 'Invalid agent response');
});

test('a lost connection is retried, and a command the agent did start is adopted rather than sent twice', async () => {
  let posts = 0;
  handler = (req, _body, res) => {
    if (req.method === 'POST') {
      posts++;
      res.socket?.destroy();
      return;
    }
    json(res, 200, { commands: [] });
  };
  const client = new AgentClient(secrets, { maxCommandAttempts: 3 });
  await assert.rejects(() => client.powerOff(node()), (e: unknown) => e instanceof AgentError && e.kind === 'connection-failed');
  assert.equal(posts, 3);

  posts = 0;
  handler = (req, _body, res) => {
    if (req.method === 'POST') {
      posts++;
      res.socket?.destroy();
      return;
    }
    json(res, 200, { commands: [result('power_off', 'RUNNING')] });
  };
  const adopted = await client.powerOff(node());
  assert.equal(adopted.command_status, 'RUNNING');
  assert.equal(posts, 1);
});
