/**
 * The /baremetal API of a real server process: bad input answers Ironic's
 * error body with a 4xx (never a 500), and an unreachable BMC (ipmitool
 * against OpenIPMI's ipmi_sim, stopped and restarted) is handled as Ironic
 * handles it: last_error while the work is retried, then the failure state;
 * failed power syncs put the node into maintenance with fault
 * `power failure`, and the recovery check takes it out again. The BMC
 * password is never in the store's files nor in any answer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openMachines, startIpmiSim, type IpmiSim } from '../../src/metal/bmc/index.js';
import { api, REPO, requireCommand, startServer, strata, type StrataServer, until as poll } from '../helpers/strata.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-metal-api-'));
const PASSWORD = `Pw-${randomBytes(5).toString('hex')}`;
let server: StrataServer | undefined;
let sim: IpmiSim | undefined;
const seen: string[] = [];

async function call(method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; body: any; text: string }> {
  const res = await api(server!, `/baremetal/v1${path}`, {
    method,
    headers: { 'x-openstack-ironic-api-version': '1.78', ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  seen.push(text);
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}

const fault = (r: { body: any }) => JSON.parse(r.body.error_message).faultstring as string;

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000) => poll(what, fn, timeoutMs, { every: 300 });

/** A UDP port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((ok) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

before(async () => {
  requireCommand('ipmi_sim', 'openipmi');
  requireCommand('ipmitool', 'ipmitool');
  server = await startServer({
    args: [
      '--metal-power-sync-interval', '1',
      '--metal-power-sync-max-retries', '2',
      '--metal-power-failure-recovery-interval', '1',
      '--metal-task-attempts', '2',
      '--metal-retry-delay', '1',
    ],
  });
});

after(async () => {
  await server?.stop();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('bad input answers 4xx with an Ironic error body, never 500', async () => {
  const node = (await call('POST', '/nodes', { driver: 'fake-hardware', name: 'bad-input' })).body;
  const cases: [string, string, unknown, string | undefined, number, RegExp][] = [
    ['malformed JSON', 'POST', undefined, '{"driver": ', 400, /Invalid JSON in the request body/],
    ['unknown driver', 'POST', { driver: 'hp-ilo-9000' }, undefined, 400, /No valid host was found.*hp-ilo-9000/],
    ['wrong type', 'POST', { driver: 'fake-hardware', properties: [1, 2] }, undefined, 400, /Schema error for node: \[1,2\] is not of type 'object', 'null'/],
    ['wrong boolean', 'POST', { driver: 'fake-hardware', maintenance: 'sometimes' }, undefined, 400, /Invalid maintenance/],
  ];
  for (const [what, method, body, raw, status, re] of cases) {
    const r = await call(method, '/nodes', body, raw);
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.match(fault(r), re, what);
  }
  const patches: [unknown, string | undefined, RegExp][] = [
    [undefined, '[{"op": "replace", "path": "/name", "value": ', /Invalid JSON/],
    [{ op: 'replace', path: '/name' }, undefined, /Schema error for patch/],
    [[{ op: 'copy', from: '/name', path: '/description' }], undefined, /Schema error for patch/],
    [[{ op: 'replace', path: '/extra/missing/deep', value: 1 }], undefined, /Couldn't apply patch/],
    [[{ op: 'replace', path: '/provision_state', value: 'active' }], undefined, /Cannot patch \/provision_state/],
    [[{ op: 'replace', path: '/driver', value: 'nope' }], undefined, /No valid host was found/],
  ];
  for (const [body, raw, re] of patches) {
    const r = await call('PATCH', `/nodes/${node.uuid}`, body, raw);
    assert.equal(r.status, 400, r.text);
    assert.match(fault(r), re);
  }
  const verb = await call('PUT', `/nodes/${node.uuid}/states/provision`, { target: 'fly' });
  assert.equal(verb.status, 400);
  assert.equal(fault(verb), `The requested action "fly" can not be performed on node "${node.uuid}" while it is in state "enroll".`);
  assert.equal((await call('GET', '/nodes?limit=-1')).status, 400);
  assert.equal((await call('GET', '/nodes/detail?sort_key=nonsense')).status, 400);
  assert.equal((await call('PUT', `/nodes/${node.uuid}/states/power`, { target: 'power on', timeout: 'soon' })).status, 400);
  assert.equal((await call('POST', '/ports', { address: 'not-a-mac', node_uuid: node.uuid })).status, 400);
  assert.ok(seen.every((t) => !/"faultcode":"Server"/.test(t)), 'no answer was a server fault');
});

test('an unreachable BMC: last_error while retrying, then the failure state; failed power syncs mean maintenance with fault, and recovery', { timeout: 300_000 }, async () => {
  // 1. Nobody answers at the address: the verification retries, then the node goes back to enroll.
  const port = await closedPort();
  const lost = (await call('POST', '/nodes', {
    driver: 'ipmi',
    name: 'ipmi-lost',
    boot_interface: 'fake',
    deploy_interface: 'fake',
    driver_info: { ipmi_address: '127.0.0.1', ipmi_port: port, ipmi_username: 'admin', ipmi_password: PASSWORD, ipmi_cipher_suite: 3 },
  })).body;
  assert.equal(lost.driver_info.ipmi_password, '******');
  assert.equal((await call('PUT', `/nodes/${lost.uuid}/states/provision`, { target: 'manage' })).status, 202);
  const retrying = await until('last_error while retrying', async () => {
    const n = (await call('GET', `/nodes/${lost.uuid}`)).body;
    return n.provision_state === 'verifying' && n.last_error ? n : undefined;
  });
  assert.match(retrying.last_error, /unreachable|no response|Unable to establish/i);
  const failed = await until('verification to fail', async () => {
    const n = (await call('GET', `/nodes/${lost.uuid}`)).body;
    return n.provision_state === 'enroll' && !n.reservation ? n : undefined;
  });
  assert.match(failed.last_error, new RegExp(`^Failed to verify node ${lost.uuid}`));
  const history = (await call('GET', `/nodes/${lost.uuid}/history?detail=true`)).body.history;
  assert.ok(history.some((h: any) => h.severity === 'ERROR' && h.event_type === 'verify'));

  // 2. A BMC that answered, then stops: power syncs fail until the node goes into maintenance.
  const state = join(dir, 'state');
  await openMachines({ systems: 1, stateDir: state });
  const hook = [process.execPath, join(REPO, 'dist', 'metal', 'bmc', 'hook-main.js')];
  sim = await startIpmiSim({ configDir: join(dir, 'ipmi'), stateDir: state, system: 'node-0', username: 'admin', password: PASSWORD, hookCommand: hook });
  const simPort = sim.port;
  const node = (await call('POST', '/nodes', {
    driver: 'ipmi',
    name: 'ipmi-flaky',
    boot_interface: 'fake',
    deploy_interface: 'fake',
    driver_info: { ipmi_address: '127.0.0.1', ipmi_port: simPort, ipmi_username: 'admin', ipmi_password: PASSWORD, ipmi_cipher_suite: 3 },
  })).body;
  await call('PUT', `/nodes/${node.uuid}/states/provision`, { target: 'manage' });
  await until('manageable', async () => ((await call('GET', `/nodes/${node.uuid}`)).body.provision_state === 'manageable' ? true : undefined));
  await sim.stop();
  sim = undefined;
  const inMaintenance = await until('maintenance after failed power syncs', async () => {
    const n = (await call('GET', `/nodes/${node.uuid}`)).body;
    return n.maintenance ? n : undefined;
  }, 180_000);
  assert.equal(inMaintenance.fault, 'power failure');
  assert.match(inMaintenance.maintenance_reason, /During sync_power_state, max retries exceeded for node .* Switching node to maintenance mode/);
  const faulty = (await call('GET', '/nodes?fault=power%20failure&fields=uuid')).body.nodes.map((n: any) => n.uuid);
  assert.deepEqual(faulty, [node.uuid]);

  // 3. The BMC comes back on the same port: the recovery check clears maintenance and the fault.
  sim = await startIpmiSim({ configDir: join(dir, 'ipmi'), stateDir: state, system: 'node-0', username: 'admin', password: PASSWORD, hookCommand: hook, port: simPort });
  const recovered = await until('recovery', async () => {
    const n = (await call('GET', `/nodes/${node.uuid}`)).body;
    return !n.maintenance ? n : undefined;
  }, 120_000);
  assert.equal(recovered.fault, null);
  assert.equal(recovered.maintenance_reason, null);

  // 4. The password: sealed in the store's files, masked in every answer.
  for (const f of ['strata.db', 'strata.db-wal']) {
    const p = join(server!.dataDir, f);
    if (existsSync(p)) assert.ok(!readFileSync(p).includes(PASSWORD), `${f} holds no cleartext password`);
  }
  assert.ok(seen.length > 10 && seen.every((t) => !t.includes(PASSWORD)), 'no answer carried the password');
});

test('the strata CLI: node create (secret from stdin), provision verbs with --wait, power, lists; secrets refused on the command line', { timeout: 120_000 }, async () => {
  const env = server!.env;
  const leaky = await strata(['node', 'create', '--driver', 'ipmi', '--driver-info', `ipmi_password=${PASSWORD}`], { env });
  assert.equal(leaky.code, 1);
  assert.match(leaky.stderr, /would put a secret on the command line: use --secret ipmi_password/);
  const created = await strata(['--json', 'node', 'create', '--driver', 'fake-hardware', '--name', 'cli-1', '--driver-info', 'ipmi_address=10.0.0.7', '--secret', 'ipmi_password'], { env, input: `${PASSWORD}\n` });
  assert.equal(created.code, 0, created.stderr);
  const node = JSON.parse(created.stdout);
  assert.equal(node.driver_info.ipmi_password, '******');
  assert.ok(!created.stdout.includes(PASSWORD));
  for (const verb of ['manage', 'provide', 'deploy']) {
    const r = await strata(['node', verb, 'cli-1', '--wait', '60'], { env });
    assert.equal(r.code, 0, r.stderr);
  }
  const refused = await strata(['node', 'provide', 'cli-1'], { env });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /The requested action "provide" can not be performed on node ".*" while it is in state "active"/);
  assert.equal((await strata(['node', 'power', 'cli-1', 'off'], { env })).code, 0);
  assert.equal((await strata(['node', 'boot-device', 'cli-1', 'pxe', '--persistent'], { env })).code, 0);
  assert.equal((await strata(['node', 'maintenance', 'cli-1', 'set', '--reason', 'cli'], { env })).code, 0);
  const port = await strata(['--json', 'port', 'create', '52:54:00:c1:11:01', '--node', 'cli-1'], { env });
  assert.equal(port.code, 0, port.stderr);
  const listed = JSON.parse((await strata(['--json', 'node', 'list', '--maintenance'], { env })).stdout);
  assert.deepEqual(listed.map((n: any) => n.name), ['cli-1']);
  const human = await strata(['node', 'list'], { env });
  assert.match(human.stdout, /^UUID\s+NAME\s+POWER\s+PROVISION STATE\s+MAINTENANCE/);
  assert.match(human.stdout, /cli-1\s+power off\s+active\s+yes/);
  const ports = JSON.parse((await strata(['--json', 'port', 'list', '--node', 'cli-1'], { env })).stdout);
  assert.deepEqual(ports.map((p: any) => p.address), ['52:54:00:c1:11:01']);
});
