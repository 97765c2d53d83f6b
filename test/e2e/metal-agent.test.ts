/**
 * The deploy ramdisk's agent against the real endpoints, without the
 * conductor: a machine (QEMU, TCG) PXE-boots in a network namespace with
 * dnsmasq and QEMU's iPXE ROM, fetches the script the ipxe boot interface
 * prepared and Strata's deploy kernel and ramdisk over HTTP, looks its node
 * up by MAC, heartbeats with its token, and answers the conductor's agent
 * commands; a wrong token is refused on both sides. The machine has an
 * emulated GPU (virtio-gpu-pci): the agent's inventory reports its PCI
 * functions, and the accel service makes it a device of the node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { classify, SecretBox, silentLogger } from '../../src/core/index.js';
import { createDriverRegistry, type DriverNode } from '../../src/metal/drivers/index.js';
import { AGENT_VERSION, AgentClient, AgentError, AgentService, agentRoutes } from '../../src/metal/agent/index.js';
import { MemoryAgentNodes } from '../../src/metal/agent/testing.js';
import { TaskRunner, TaskStore } from '../../src/core/index.js';
import { storesUnderTest } from '../../src/core/testing/index.js';
import { AccelService } from '../../src/accel/index.js';
import { accelMigrations } from '../../src/accel/db/migrations.js';
import {
  BootImages,
  bootRoutes,
  buildDeployRamdisk,
  createIpxeBoot,
  createLabNetwork,
  deployImageNames,
  HttpBootStore,
  startDnsmasq,
  type DnsmasqProcess,
  type LabNetwork,
} from '../../src/metal/boot/index.js';
import { requireCommand } from '../helpers/strata.js';

const UUID = '6f1c1f4e-2a53-4bb5-9d0e-0c8a4f3f0a11';
const MAC = '52:54:00:5a:00:01';
const dir = mkdtempSync(join(tmpdir(), 'strata-metal-agent-'));
const secrets = new SecretBox(randomBytes(32));
const nodes = new MemoryAgentNodes();
let lab: LabNetwork | undefined;
let app: FastifyInstance | undefined;
let dnsmasq: DnsmasqProcess | undefined;
let qemu: ChildProcess | undefined;
let console_ = '';
let url = '';
const disk = join(dir, 'disk.raw');
// A whole-disk image: random bytes whose first sector is no boot record.
const image = randomBytes(1024 * 1024);
image[510] = 0;

before(async () => {
  for (const [cmd, pkg] of [['dnsmasq', 'dnsmasq'], ['qemu-system-x86_64', 'qemu-system-x86'], ['busybox', 'busybox-static'], ['ip', 'iproute2']]) requireCommand(cmd!, pkg!);
  const ramdisk = await buildDeployRamdisk();
  lab = await createLabNetwork({ taps: ['tap0'] });

  nodes.add({ uuid: UUID, name: 'pxe-0', macs: [MAC], provision_state: 'wait call-back', instance_info: { configdrive: 'H4sIAAAA' } });
  const store = new HttpBootStore(join(dir, 'httpboot'));
  const images = new BootImages(join(dir, 'images'));
  const agent = new AgentService({ nodes, receiver: nodes, secrets, log: silentLogger() }, { heartbeatTimeoutS: 30 });
  app = Fastify();
  // The shape of the metal API's error handler; the real one renders Ironic's error body.
  app.setErrorHandler((err, _req, reply) => {
    const e = classify(err);
    void reply.status(e.status).send({ error_message: JSON.stringify({ faultstring: e.message }) });
  });
  await app.register(
    async (api) => {
      await api.register(agentRoutes(agent));
      await api.register(bootRoutes({ store, images, nodes }));
    },
    { prefix: '/baremetal' },
  );
  await app.listen({ host: lab.hostAddress, port: 0 });
  url = `http://${lab.hostAddress}:${(app.server.address() as { port: number }).port}`;

  const names = deployImageNames(ramdisk);
  await images.put(names.kernel, createReadStream(ramdisk.kernel));
  await images.put(names.ramdisk, createReadStream(ramdisk.initramfs));
  writeFileSync(join(dir, 'disk.img'), image);
  await images.put('disk.img', createReadStream(join(dir, 'disk.img')));
  writeFileSync(disk, '');
  truncateSync(disk, 8 * 1024 * 1024);

  // The boot interface writes the node's script exactly as the conductor's deploy would have it.
  const drivers = createDriverRegistry();
  const ipxe = createIpxeBoot({ store, driverFor: (n) => drivers.compose(n), apiUrl: () => `${url}/baremetal` });
  const node: DriverNode = {
    uuid: UUID,
    driver: 'fake-hardware',
    driver_info: { deploy_kernel: `${url}/baremetal/boot/images/${names.kernel}`, deploy_ramdisk: `${url}/baremetal/boot/images/${names.ramdisk}`, kernel_append_params: 'console=ttyS0 quiet' },
    provision_state: 'wait call-back',
  };
  ipxe.validate({ node });
  await ipxe.prepareRamdisk({ node }, { 'ipa-api-url': `${url}/baremetal` });

  dnsmasq = await startDnsmasq({
    dir,
    netns: lab.netns,
    config: { interface: lab.bridge, range: lab.range, bootScriptUrl: `${url}/baremetal/boot/boot.ipxe`, ipv6RaPrefix: lab.ipv6Prefix, leaseFile: join(dir, 'leases') },
  });
  // prettier-ignore
  qemu = spawn('ip', ['netns', 'exec', lab.netns, 'qemu-system-x86_64', '-M', 'q35', '-m', '256', '-accel', 'tcg,tb-size=64', '-nographic', '-nodefaults', '-serial', 'stdio', '-no-reboot', '-boot', 'n',
    '-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no', '-device', `virtio-net-pci,netdev=n0,mac=${MAC}`, '-device', 'virtio-gpu-pci',
    '-drive', `file=${disk},format=raw,if=virtio`], { stdio: ['ignore', 'pipe', 'pipe'] });
  qemu.stdout!.setEncoding('utf8').on('data', (d: string) => (console_ = (console_ + d).slice(-200_000)));
  qemu.stderr!.setEncoding('utf8').on('data', (d: string) => (console_ = (console_ + d).slice(-200_000)));
});

after(async () => {
  if (qemu && qemu.exitCode === null && qemu.signalCode === null) {
    const exited = new Promise((r) => qemu!.once('exit', r));
    qemu.kill('SIGKILL');
    await exited;
  }
  await dnsmasq?.stop();
  await app?.close();
  await lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, f: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; machine console:\n${console_.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('the machine PXE-boots the deploy ramdisk and its agent looks the node up and heartbeats', { timeout: 240_000 }, async () => {
  const started = Date.now();
  const hb = await until('the first heartbeat', () => nodes.heartbeats[0], 180_000);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(hb.uuid, UUID);
  assert.match(hb.hb.callbackUrl, new RegExp(`^http://${lab!.range.start.replace(/\.\d+$/, '').replace(/\./g, '\\.')}\\.\\d+:9999$`));
  assert.equal(hb.hb.agentVersion, AGENT_VERSION);
  assert.match(console_, /strata-agent: node 6f1c1f4e-2a53-4bb5-9d0e-0c8a4f3f0a11 found/);
  // The agent took the kernel parameters the boot interface wrote.
  assert.ok(console_.includes(`strata-agent: API ${url}/baremetal, boot NIC ${MAC}`), 'the agent did not report its API and boot NIC');
  process.stderr.write(`# power-on to first heartbeat: ${seconds.toFixed(1)} s (TCG)\n`);
});

test('the agent reports its PCI functions; the accel service makes the GPU a device of the node', async () => {
  const inv = await until('the inventory', () => nodes.inventories[0], 30_000);
  assert.equal(inv.uuid, UUID);
  const gpu = inv.pci.find((p) => p.vendor_id === '1af4' && p.product_id === '1050');
  assert.ok(gpu, `no virtio-gpu among ${JSON.stringify(inv.pci)}`);
  assert.match(gpu.class, /^03/);
  assert.ok(inv.pci.some((p) => p.vendor_id === '1af4' && p.class.startsWith('02')), 'the NIC is reported too');
  const stores = storesUnderTest({ accel: accelMigrations });
  try {
    const store = await stores.sqlite();
    const tasks = new TaskRunner(new TaskStore(store), { log: silentLogger() });
    const accel = new AccelService(store.db, tasks, silentLogger(), { drivers: [], env: { sysfsRoot: '/nonexistent', devRoot: '/dev' }, hostname: 'controller', imageDir: join(dir, 'accel'), maxImageBytes: 1 << 20 });
    await accel.syncNode(inv.name ?? inv.uuid, inv.pci);
    const devices = await accel.listDevices({ hostname: 'pxe-0' });
    assert.deepEqual(devices.map((d) => [d.type, d.vendor, d.address]), [['GPU', '0x1af4', gpu.bus]], 'only the accelerator-class function, on host pxe-0');
    await accel.retireHost('pxe-0');
    assert.deepEqual(await accel.listDevices({ hostname: 'pxe-0' }), [], 'a deleted node retires its devices');
  } finally {
    await stores.close();
  }
  // a forged inventory is refused
  const forged = await fetch(`${url}/baremetal/v1/continue_inspection`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent_token: 'x'.repeat(40), inventory: { interfaces: [{ mac_address: MAC }] }, pci_devices: [] }) });
  assert.equal(forged.status, 400);
});

test('the token went to the agent only: a second lookup gets a mask, a forged heartbeat is refused', async () => {
  const again = await fetch(`${url}/baremetal/v1/lookup?addresses=${MAC}`, { headers: { 'X-OpenStack-Ironic-API-Version': '1.68' } });
  assert.equal(again.status, 200);
  const body = (await again.json()) as { node: { uuid: string; instance_info: Record<string, unknown> }; config: { agent_token: string } };
  assert.equal(body.node.uuid, UUID);
  assert.equal(body.config.agent_token, '******');
  assert.equal(body.node.instance_info.configdrive, '******');
  const forged = await fetch(`${url}/baremetal/v1/heartbeat/${UUID}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-OpenStack-Ironic-API-Version': '1.68' },
    body: JSON.stringify({ callback_url: 'http://10.66.66.66:9999', agent_token: 'A'.repeat(43), agent_version: '1.0.0' }),
  });
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /Invalid or missing agent token/);
  const count = nodes.heartbeats.length;
  assert.ok(nodes.heartbeats.slice(0, count).every((h) => h.hb.callbackUrl !== 'http://10.66.66.66:9999'));
});

test('boot scripts: the node\'s MAC gets its script (no secrets in it), other MACs nothing', async () => {
  const chain = await (await fetch(`${url}/baremetal/boot/boot.ipxe`)).text();
  assert.ok(chain.startsWith('#!ipxe\n'));
  assert.ok(chain.includes(`chain ${url}/baremetal/boot/pxelinux.cfg/\${mac:hexhyp}`));
  const mine = await fetch(`${url}/baremetal/boot/pxelinux.cfg/${MAC.replace(/:/g, '-')}`);
  assert.equal(mine.status, 200);
  const script = await mine.text();
  assert.match(script, /^kernel .*ipa-api-url=/m);
  assert.doesNotMatch(script, /token/i);
  assert.equal((await fetch(`${url}/baremetal/boot/pxelinux.cfg/52-54-00-00-00-99`)).status, 404);
  assert.equal((await fetch(`${url}/baremetal/boot/pxelinux.cfg/..%2f..%2fetc`)).status, 400);
  assert.equal((await fetch(`${url}/baremetal/boot/images/..%2fhttpboot`)).status, 400);
});

test('the conductor\'s agent client drives the agent\'s command API; a wrong token is refused', async () => {
  const node = nodes.nodes.get(UUID)!;
  const client = new AgentClient(secrets, { commandWaitIntervalMs: 200 });
  const steps = await client.getDeploySteps({ ...node }, []);
  assert.equal(steps.command_status, 'SUCCEEDED');
  const offered = steps.command_result as { deploy_steps: { StrataHardwareManager: { step: string; priority: number }[] }; hardware_manager_version: Record<string, string> };
  assert.deepEqual(offered.deploy_steps.StrataHardwareManager.map((x) => `${x.step}@${x.priority}`), ['write_image@0']);
  assert.deepEqual(offered.hardware_manager_version, { StrataHardwareManager: AGENT_VERSION });
  assert.equal((await client.sync(node)).command_status, 'SUCCEEDED');
  const logs = await client.collectSystemLogs(node);
  const tgz = Buffer.from(String((logs.command_result as { system_logs: string }).system_logs), 'base64');
  const listing = spawnSync('tar', ['-tz'], { input: tgz }).stdout.toString();
  assert.match(listing, /logs\/dmesg\.txt/);
  const status = await client.commandsStatus(node);
  assert.deepEqual(status.map((c) => c.command_name), ['get_deploy_steps', 'sync', 'collect_system_logs']);

  const stranger = new AgentClient(new SecretBox(randomBytes(32)));
  const forgedNode = { uuid: UUID, driver_internal_info: { agent_url: node.driver_internal_info.agent_url, agent_secret_token: new SecretBox(randomBytes(32)).seal('x') } };
  await assert.rejects(
    () => new AgentClient(secrets).sync({ uuid: UUID, driver_internal_info: { agent_url: node.driver_internal_info.agent_url } }),
    (err: unknown) => err instanceof AgentError && err.kind === 'api-error' && /401/.test(err.message),
  );
  await assert.rejects(() => stranger.sync(forgedNode));
  assert.equal((await client.commandsStatus(node)).length, 3, 'refused commands left no trace');
});

const diskHead = (n: number) => {
  const fd = openSync(disk, 'r');
  try {
    const b = Buffer.alloc(n);
    readSync(fd, b, 0, n, 0);
    return b;
  } finally {
    closeSync(fd);
  }
};

/** The last execute_deploy_step once it stopped RUNNING. */
async function finished(client: AgentClient, node: Parameters<AgentClient['lastCommandStatus']>[0]) {
  for (let i = 0; i < 240; i++) {
    const last = await client.lastCommandStatus(node, 'execute_deploy_step');
    if (last && last.command_status !== 'RUNNING') return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`write_image did not finish; console:\n${console_.slice(-3000)}`);
}

test('write_image: the agent streams the image onto the disk, checks its hash, and heartbeats when done', async () => {
  const node = nodes.nodes.get(UUID)!;
  const client = new AgentClient(secrets, { commandWaitIntervalMs: 250 });
  const step = (hash: string) => ({
    interface: 'deploy',
    step: 'write_image',
    priority: 80,
    args: { image_info: { id: 'disk.img', urls: [`${url}/baremetal/boot/images/disk.img`], os_hash_algo: 'sha256', os_hash_value: hash, disk_format: 'raw', image_type: 'whole-disk-image' } },
  });
  const beats = nodes.heartbeats.length;
  const started = await client.executeDeployStep(step(createHash('sha256').update(image).digest('hex')), { ...node }, []);
  assert.equal(started.command_status, 'RUNNING');
  await assert.rejects(() => client.sync(node), (e: unknown) => e instanceof AgentError && e.kind === 'in-progress', 'one command at a time');
  const status = await finished(client, node);
  assert.equal(status.command_status, 'SUCCEEDED', JSON.stringify(status));
  assert.deepEqual(status.command_result, { deploy_result: { root_device: '/dev/vda' }, deploy_step: { interface: 'deploy', step: 'write_image' } });
  assert.ok(diskHead(image.length).equals(image), 'the disk holds the image');
  // The agent reported at once instead of waiting for its next heartbeat (every 12 s here).
  await until('the heartbeat after the write', () => nodes.heartbeats.length > beats, 5_000);

  const bad = await client.executeDeployStep(step('0'.repeat(64)), { ...node }, []);
  assert.equal(bad.command_status, 'RUNNING');
  const failed = await finished(client, node);
  assert.equal(failed.command_status, 'FAILED');
  assert.equal((failed.command_error as { type: string }).type, 'ImageChecksumError');
  assert.ok(diskHead(1024 * 1024).equals(Buffer.alloc(1024 * 1024)), 'a bad image is wiped, not left bootable');
});

test('the agent powers the machine off on command', async () => {
  const node = nodes.nodes.get(UUID)!;
  const off = await new AgentClient(secrets).powerOff(node);
  assert.equal(off.command_status, 'SUCCEEDED');
  await until('the machine to power off', () => qemu!.exitCode !== null || qemu!.signalCode !== null, 30_000);
});
