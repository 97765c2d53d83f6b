/**
 * The real Debian client (`openstack baremetal`, python3-ironicclient 5.0.1,
 * run with /usr/bin/python3's packages) against Strata's /baremetal API:
 * nodes of the three hardware types (fake-hardware; ipmi against OpenIPMI's
 * ipmi_sim; redfish against `strata bmc serve`) through their lifecycle,
 * power, boot device, maintenance, ports, a paged list of 1,000 nodes, and
 * the error a forbidden transition shows. Each client call costs ~1.5 s of
 * start-up, so calls act on several nodes at once where the client allows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openMachines, spawnBmc, startIpmiSim, type BmcProcess, type IpmiSim, type Machines } from '../../src/metal/bmc/index.js';
import { api, REPO, requireCommand, startServer, type StrataServer } from '../helpers/strata.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-metal-client-'));
const home = join(dir, 'home');
let server: StrataServer | undefined;
let sim: IpmiSim | undefined;
let bmc: BmcProcess | undefined;
let machines: Machines;
const IPMI_PASSWORD = `ip-${randomBytes(4).toString('hex')}`;
const REDFISH_PASSWORD = `rf-${randomBytes(6).toString('hex')}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `openstack --os-endpoint URL --os-auth-type none baremetal ARGS` with a fresh HOME (the client caches versions there). */
function os(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-m', 'openstackclient.shell', '--os-endpoint', `${server!.url}/baremetal`, '--os-auth-type', 'none', 'baremetal', ...args], {
      env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await os(args);
  assert.equal(r.code, 0, `openstack baremetal ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const okJson = async (args: string[]) => JSON.parse(await ok([...args, '-f', 'json']));

async function rest(path: string, init: RequestInit = {}): Promise<any> {
  const res = await api(server!, `/baremetal/v1${path}`, { ...init, headers: { 'x-openstack-ironic-api-version': '1.78', 'content-type': 'application/json' } });
  const text = await res.text();
  assert.ok(res.ok, `${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

before(async () => {
  requireCommand('ipmi_sim', 'openipmi');
  requireCommand('ipmitool', 'ipmitool');
  requireCommand('/usr/bin/python3', 'python3');
  const probe = spawn('/usr/bin/python3', ['-c', 'import openstackclient, ironicclient']);
  const code = await new Promise((r) => probe.on('close', r));
  if (code !== 0) throw new Error('python3-openstackclient and python3-ironicclient are needed (Debian packages)');

  const state = join(dir, 'state');
  ({ machines } = await openMachines({ systems: 1, stateDir: state }));
  // The compiled hook answers ipmi_sim in a fraction of tsx's start-up.
  sim = await startIpmiSim({
    configDir: join(dir, 'ipmi'),
    stateDir: state,
    system: 'node-0',
    username: 'admin',
    password: IPMI_PASSWORD,
    hookCommand: [process.execPath, join(REPO, 'dist', 'metal', 'bmc', 'hook-main.js')],
  });
  const pw = join(dir, 'redfish-pw');
  writeFileSync(pw, REDFISH_PASSWORD, { mode: 0o600 });
  bmc = await spawnBmc(['--systems', '1', '--username', 'admin', '--password-file', pw]);
  server = await startServer({ args: ['--noauth', '--metal-api-max-limit', '200', '--metal-power-sync-interval', '0'] });
});

after(async () => {
  await server?.stop();
  await sim?.stop();
  await bmc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('openstack baremetal drives fake-hardware, ipmi and redfish nodes through their lifecycle', { timeout: 600_000 }, async () => {
  // Create: the client sends no secret on a command line here; the BMC passwords go in by PATCH over HTTP.
  const fake = await okJson(['node', 'create', '--driver', 'fake-hardware', '--name', 'fake-0', '--property', 'cpus=2']);
  assert.equal(fake.provision_state, 'enroll');
  assert.equal(fake.driver, 'fake-hardware');
  const ipmi = await okJson([
    'node', 'create', '--driver', 'ipmi', '--name', 'ipmi-0',
    '--driver-info', 'ipmi_address=127.0.0.1', '--driver-info', `ipmi_port=${sim!.port}`, '--driver-info', 'ipmi_username=admin', '--driver-info', 'ipmi_cipher_suite=3',
    '--boot-interface', 'fake', '--deploy-interface', 'fake',
  ]);
  assert.equal(ipmi.power_interface, 'ipmitool');
  const redfish = await okJson([
    'node', 'create', '--driver', 'redfish', '--name', 'redfish-0',
    '--driver-info', `redfish_address=${bmc!.url}`, '--driver-info', `redfish_system_id=/redfish/v1/Systems/${bmc!.systems[0].id}`, '--driver-info', 'redfish_username=admin',
    '--boot-interface', 'fake', '--deploy-interface', 'fake',
  ]);
  assert.equal(redfish.management_interface, 'redfish');
  await rest(`/nodes/${ipmi.uuid}`, { method: 'PATCH', body: JSON.stringify([{ op: 'add', path: '/driver_info/ipmi_password', value: IPMI_PASSWORD }]) });
  await rest(`/nodes/${redfish.uuid}`, { method: 'PATCH', body: JSON.stringify([{ op: 'add', path: '/driver_info/redfish_password', value: REDFISH_PASSWORD }]) });
  const shown = await okJson(['node', 'show', 'ipmi-0', '--fields', 'driver_info']);
  assert.equal(shown.driver_info.ipmi_password, '******', 'the client sees the password masked');

  // A forbidden transition: the client prints Ironic's sentence and exits non-zero.
  const refused = await os(['node', 'deploy', 'fake-0']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`The requested action "(active|deploy)" can not be performed on node "${fake.uuid}" while it is in state "enroll"\\. \\(HTTP 400\\)`));

  // The client's provision, power and maintenance commands take one node: the three nodes go in parallel.
  const names = ['fake-0', 'ipmi-0', 'redfish-0'];
  const each = (args: (n: string) => string[]) => Promise.all(names.map((n) => ok(args(n))));
  await each((n) => ['node', 'manage', n, '--wait', '120']);
  let listed = await okJson(['node', 'list', '--fields', 'name', 'provision_state', 'power_state']);
  for (const n of listed) assert.equal(n['Provisioning State'], 'manageable', JSON.stringify(n));
  assert.equal(listed.find((n: any) => n.Name === 'ipmi-0')['Power State'], 'power off', 'read from the ipmi_sim machine');

  await each((n) => ['node', 'provide', n, '--wait', '120']);
  await each((n) => ['node', 'deploy', n, '--wait', '120']);
  await each((n) => ['node', 'power', 'on', n]);
  await waitFor(names, (n) => n.power_state === 'power on' && !n.target_power_state);
  assert.equal((await machines.get('node-0'))!.power, 'On', 'ipmitool switched the emulated machine on');
  await each((n) => ['node', 'power', 'off', n]);
  await waitFor(names, (n) => n.power_state === 'power off' && !n.target_power_state);
  assert.equal((await machines.get('node-0'))!.power, 'Off');
  const rf: any = await (await fetch(`${bmc!.url}/redfish/v1/Systems/${bmc!.systems[0].id}`, { headers: { authorization: `Basic ${Buffer.from(`admin:${REDFISH_PASSWORD}`).toString('base64')}` } })).json();
  assert.equal(rf.PowerState, 'Off', 'the Redfish BMC was switched off');

  await each((n) => ['node', 'boot', 'device', 'set', n, 'pxe']);
  const bootDev = await okJson(['node', 'boot', 'device', 'show', 'ipmi-0']);
  assert.equal(bootDev.boot_device, 'pxe');

  await each((n) => ['node', 'maintenance', 'set', n, '--reason', 'client e2e']);
  listed = await okJson(['node', 'list', '--maintenance', '--fields', 'name', 'maintenance']);
  assert.deepEqual(listed.map((n: any) => n.Name).sort(), names);
  await each((n) => ['node', 'maintenance', 'unset', n]);

  const port = await okJson(['port', 'create', '52:54:00:c1:1e:01', '--node', fake.uuid]);
  assert.equal(port.address, '52:54:00:c1:1e:01');
  const ports = await okJson(['port', 'list', '--node', 'fake-0']);
  assert.deepEqual(ports.map((p: any) => p.Address), ['52:54:00:c1:1e:01']);

  await each((n) => ['node', 'undeploy', n, '--wait', '120']);
  listed = await okJson(['node', 'list', '--provision-state', 'available', '--fields', 'name']);
  assert.deepEqual(listed.map((n: any) => n.Name).sort(), names);
  await ok(['node', 'delete', ...names]);
  assert.deepEqual(await okJson(['node', 'list']), []);
});

test('the client pages through 1,000 nodes', { timeout: 300_000 }, async () => {
  const uuids: string[] = [];
  for (let i = 0; i < 1000; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => rest('/nodes', { method: 'POST', body: JSON.stringify({ driver: 'fake-hardware', name: `bulk-${i + j}` }) })));
    uuids.push(...batch.map((n) => n.uuid));
  }
  // --limit 0: every page, following the `next` links (the server serves 200 a page).
  const all = (await okJson(['node', 'list', '--limit', '0'])).filter((n: any) => String(n.Name).startsWith('bulk-'));
  assert.equal(all.length, 1000);
  assert.deepEqual(new Set(all.map((n: any) => n.UUID)), new Set(uuids));
  // A limit the server's page size does not divide: two requests, the second cut short.
  const some = await okJson(['node', 'list', '--limit', '250']);
  assert.equal(some.length, 250);
});

async function waitFor(names: string[], ok: (n: any) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await Promise.all(names.map((n) => rest(`/nodes/${n}`)));
    if (nodes.every(ok)) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(nodes.map((n) => [n.name, n.provision_state, n.power_state, n.target_power_state, n.last_error]))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
