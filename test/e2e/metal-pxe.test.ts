/**
 * The whole provisioning path on an emulated machine: a Strata server,
 * a virtual Redfish BMC whose system is a QEMU VM attached to a tap in a
 * network namespace, dnsmasq answering DHCP there, and Strata's deploy
 * ramdisk. The node is enrolled with the redfish driver, the ipxe boot
 * interface and the ramdisk deploy interface, managed, provided and
 * deployed; it reaches `active` only through the agent's real lookup and
 * heartbeat, then is undeployed back to `available`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, requireCommand, startServer, strata, type StrataServer } from '../helpers/strata.js';
import { spawnBmc, stopMachinesIn, DirMachineStore, consolePath, type BmcProcess } from '../../src/metal/bmc/index.js';
import { AGENT_VERSION } from '../../src/metal/agent/index.js';
import { buildDeployRamdisk, createLabNetwork, deployImageNames, startDnsmasq, type DnsmasqProcess, type LabNetwork } from '../../src/metal/boot/index.js';

const V = { 'X-OpenStack-Ironic-API-Version': '1.78', 'content-type': 'application/json' };
const dir = mkdtempSync(join(tmpdir(), 'strata-metal-pxe-'));
const bmcState = join(dir, 'bmc');
let lab: LabNetwork | undefined;
let server: StrataServer | undefined;
let bmc: BmcProcess | undefined;
let dnsmasq: DnsmasqProcess | undefined;
let kernelUrl = '';
let ramdiskUrl = '';
let nodeUuid = '';

before(async () => {
  for (const [cmd, pkg] of [['dnsmasq', 'dnsmasq'], ['qemu-system-x86_64', 'qemu-system-x86'], ['busybox', 'busybox-static'], ['ip', 'iproute2']]) requireCommand(cmd!, pkg!);
  const ramdisk = await buildDeployRamdisk();
  lab = await createLabNetwork({ taps: ['tap-node-0'] });
  server = await startServer({
    args: ['--listen', `${lab.hostAddress}:0`, '--metal-check-provision-state-interval', '5', '--metal-callback-timeout', '240', '--metal-power-sync-interval', '0'],
  });
  bmc = await spawnBmc([
    '--systems', '1', '--qemu', '--qemu-netns', lab.netns, '--qemu-netdev', 'tap,ifname=tap-{id},script=no,downscript=no',
    '--memory', '256', '--cpus', '1', '--disk-gb', '1', '--nics', '1', '--state', bmcState,
  ]);
  dnsmasq = await startDnsmasq({
    dir,
    netns: lab.netns,
    config: { interface: lab.bridge, range: lab.range, bootScriptUrl: `${server.url}/baremetal/boot/boot.ipxe`, ipv6RaPrefix: lab.ipv6Prefix, leaseFile: join(dir, 'leases') },
  });
  // Strata serves the deploy kernel and ramdisk itself: the CLI builds them (cached) and uploads them (admin only).
  const built = await strata(['--json', 'boot', 'ramdisk', '--upload'], { env: server.env, timeoutMs: 15 * 60_000 });
  assert.equal(built.code, 0, built.stderr);
  const out = JSON.parse(built.stdout) as { key: string; driver_info: { deploy_kernel: string; deploy_ramdisk: string } };
  assert.equal(out.key, ramdisk.key, 'the CLI and the tests build the same ramdisk');
  kernelUrl = out.driver_info.deploy_kernel;
  ramdiskUrl = out.driver_info.deploy_ramdisk;
  const listed = await strata(['--json', 'boot', 'images'], { env: server.env });
  assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((i) => i.name).sort(), Object.values(deployImageNames(ramdisk)).sort());
});

after(async () => {
  await server?.stop();
  await bmc?.stop();
  await stopMachinesIn(bmcState);
  await dnsmasq?.stop();
  await lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function node(ident: string): Promise<Record<string, any>> {
  const res = await api(server!, `/baremetal/v1/nodes/${ident}`, { headers: V });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, any>;
}

async function provision(ident: string, target: string): Promise<void> {
  const res = await api(server!, `/baremetal/v1/nodes/${ident}/states/provision`, { method: 'PUT', headers: V, body: JSON.stringify({ target }) });
  assert.equal(res.status, 202, `${target}: ${await res.text()}`);
}

/** The machine's serial console and QEMU's own output, for failure messages. */
async function machineConsole(): Promise<string> {
  const system = join(bmcState, 'systems', 'node-0');
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').slice(-3000);
    } catch {
      return '(none)';
    }
  };
  return `${read(consolePath(system))}\nqemu: ${read(join(system, 'qemu.log'))}`;
}

/** Polls until the node is in `state`; fails at once on a failure state, with last_error and the machine's console. */
async function waitFor(ident: string, state: string, timeoutMs: number, seen?: Set<string>): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await node(ident);
    seen?.add(n.provision_state);
    if (n.provision_state === state) return n;
    if (/failed$|^error$/.test(n.provision_state) || Date.now() > deadline) {
      assert.fail(`node is ${n.provision_state} (want ${state}); last_error: ${n.last_error}\nserver: ${server!.stderr().slice(-2000)}\nconsole:\n${await machineConsole()}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('enroll → manage → provide → deploy: the machine PXE-boots its ramdisk and becomes active when its agent heartbeats', { timeout: 420_000 }, async () => {
  const system = bmc!.systems[0]!;
  const created = await api(server!, '/baremetal/v1/nodes', {
    method: 'POST',
    headers: V,
    body: JSON.stringify({
      name: 'pxe-0',
      driver: 'redfish',
      boot_interface: 'ipxe',
      deploy_interface: 'ramdisk',
      driver_info: { redfish_address: bmc!.url, redfish_system_id: `/redfish/v1/Systems/${system.id}`, deploy_kernel: kernelUrl, deploy_ramdisk: ramdiskUrl, kernel_append_params: 'console=ttyS0 quiet' },
      // The instance is the same kernel and ramdisk: its agent is what reports the deployment done.
      instance_info: { kernel: kernelUrl, ramdisk: ramdiskUrl, image_source: ramdiskUrl },
    }),
  });
  const body = await created.text();
  assert.equal(created.status, 201, body);
  const uuid = (JSON.parse(body) as { uuid: string }).uuid;
  nodeUuid = uuid;
  const port = await api(server!, '/baremetal/v1/ports', { method: 'POST', headers: V, body: JSON.stringify({ address: system.macs[0], node_uuid: uuid }) });
  assert.equal(port.status, 201, await port.text());

  const validation = (await (await api(server!, `/baremetal/v1/nodes/${uuid}/validate`, { headers: V })).json()) as Record<string, { result: boolean; reason: string | null }>;
  for (const kind of ['boot', 'deploy', 'power', 'management']) assert.equal(validation[kind]!.result, true, `${kind}: ${validation[kind]!.reason}`);

  await provision(uuid, 'manage');
  await waitFor(uuid, 'manageable', 60_000);
  await provision(uuid, 'provide');
  await waitFor(uuid, 'available', 60_000);

  const started = Date.now();
  await provision(uuid, 'deploy');
  const seen = new Set<string>();
  const active = await waitFor(uuid, 'active', 300_000, seen);
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seen.has('wait call-back'), `the deployment never waited for the agent (saw ${[...seen].join(', ')})`);
  assert.equal(active.last_error, null);
  const dii = active.driver_internal_info as Record<string, unknown>;
  assert.equal(dii.agent_version, AGENT_VERSION, 'the agent\'s heartbeat was recorded');
  assert.equal(typeof dii.agent_last_heartbeat, 'number');
  assert.equal(dii.agent_secret_token, undefined, 'the agent session ends with the deployment');
  const console_ = await machineConsole();
  assert.match(console_, new RegExp(`strata-agent: node ${uuid} found`));
  // The instance boots over the network every time: the BMC keeps PXE first.
  const record = (await new DirMachineStore(bmcState).get(system.id))!;
  assert.equal(record.power, 'On');
  assert.equal(record.lastBootTarget, 'Pxe');
  process.stderr.write(`# deploy → active: ${seconds.toFixed(1)} s (TCG, PXE boot of the ramdisk included)\n`);

  // Undeploy: powered off, boot configuration removed, cleaned, available again.
  await provision(uuid, 'undeploy');
  await waitFor(uuid, 'available', 120_000);
  assert.equal((await new DirMachineStore(bmcState).get(system.id))!.power, 'Off');
  assert.equal((await api(server!, `/baremetal/boot/pxelinux.cfg/${system.macs[0]!.replace(/:/g, '-')}`)).status, 404);
});

test('the direct deploy: the agent writes a raw image onto the machine\'s disk, which then boots from it', { timeout: 420_000 }, async () => {
  assert.ok(nodeUuid, 'needs the node of the previous test');
  const system = bmc!.systems[0]!;
  // A whole-disk image whose first sector is no boot record (the VM then just finds nothing to boot).
  const image = randomBytes(2 * 1024 * 1024);
  image[510] = 0;
  const imageFile = join(dir, 'disk.img');
  writeFileSync(imageFile, image);
  const up = await strata(['--json', 'boot', 'upload', imageFile, '--name', 'pxe-disk.img'], { env: server!.env });
  assert.equal(up.code, 0, up.stderr);
  const patch = await api(server!, `/baremetal/v1/nodes/${nodeUuid}`, {
    method: 'PATCH',
    headers: V,
    body: JSON.stringify([
      { op: 'replace', path: '/deploy_interface', value: 'direct' },
      { op: 'add', path: '/instance_info/image_source', value: `${server!.url}/baremetal/boot/images/pxe-disk.img` },
      { op: 'add', path: '/instance_info/image_os_hash_algo', value: 'sha256' },
      { op: 'add', path: '/instance_info/image_os_hash_value', value: createHash('sha256').update(image).digest('hex') },
    ]),
  });
  assert.equal(patch.status, 200, await patch.text());

  const started = Date.now();
  await provision(nodeUuid, 'deploy');
  const seen = new Set<string>();
  const active = await waitFor(nodeUuid, 'active', 300_000, seen);
  process.stderr.write(`# direct deploy → active: ${((Date.now() - started) / 1000).toFixed(1)} s (TCG)\n`);
  assert.ok(seen.has('wait call-back'));
  assert.equal(active.driver_internal_info.is_whole_disk_image, true);
  const record = (await new DirMachineStore(bmcState).get(system.id))!;
  assert.equal(record.power, 'On');
  assert.equal(record.lastBootTarget, 'Hdd', 'the instance boots from its disk');

  await provision(nodeUuid, 'undeploy');
  await waitFor(nodeUuid, 'available', 120_000);
  // With the VM stopped, read the disk the BMC gave it.
  const raw = join(dir, 'disk0.raw');
  const conv = spawnSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', join(bmcState, 'systems', system.id, 'disk0.qcow2'), raw], { encoding: 'utf8' });
  assert.equal(conv.status, 0, conv.stderr);
  const fd = openSync(raw, 'r');
  const head = Buffer.alloc(image.length);
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  assert.ok(head.equals(image), 'the disk holds the image');
});
