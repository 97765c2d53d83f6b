/**
 * The real Debian client (`openstack accelerator`, python3-cyborgclient
 * 2.0 on openstacksdk) against Strata's /accelerator/v2, with the fake
 * driver and the pci and nvidia drivers over a fake sysfs tree of an H100
 * host: devices and deployables listed, a device profile created, ARQs
 * created from it, bound to a running sandbox and unbound, the fake FPGA
 * programmed with an uploaded bitstream, and Cyborg's errors for bad
 * profiles, unknown devices, a bind of a Bound ARQ and a bitstream whose
 * checksum does not match. Then bad input straight over HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, requireCommand, startServer, strata, type StrataServer } from '../helpers/strata.js';
import { amdHost, fakeNvidiaSmi, h100Host, H100_QUERY } from '../../src/accel/testing/sysfs-trees.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-accel-client-'));
const home = join(dir, 'home');
let server: StrataServer;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The README's invocation: `openstack --os-endpoint URL/accelerator/v2 --os-auth-type http_basic --os-username admin accelerator ARGS`, the token as OS_PASSWORD. */
function os(args: string[], version?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const argv = ['-m', 'openstackclient.shell', '--os-endpoint', `${server.url}/accelerator/v2`, '--os-auth-type', 'http_basic', '--os-username', 'admin', ...(version ? ['--os-accelerator-api-version', version] : []), 'accelerator', ...args];
    const child = spawn('/usr/bin/python3', argv, { env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', OS_PASSWORD: server.token }, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function ok(args: string[], version?: string): Promise<any> {
  const r = await os([...args, '-f', 'json'], version);
  assert.equal(r.code, 0, `openstack accelerator ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function refused(args: string[], re: RegExp): Promise<void> {
  const r = await os(args);
  assert.notEqual(r.code, 0, `openstack accelerator ${args.join(' ')} should have failed`);
  assert.match(r.stderr, re);
}

const json = async (path: string, init: RequestInit = {}) => {
  const res = await api(server, path, { ...init, headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};
const fault = (body: any) => JSON.parse(body.error_message).faultstring as string;

before(async () => {
  requireCommand('/usr/bin/python3', 'python3-openstackclient');
  const check = spawn('/usr/bin/python3', ['-c', 'import cyborgclient']);
  const code = await new Promise((r) => check.on('close', r));
  if (code !== 0) throw new Error('cyborgclient not found: install the Debian package python3-cyborgclient (npm test does it as root)');
  const sys = join(dir, 'sys');
  h100Host(sys);
  amdHost(sys);
  mkdirSync(join(dir, 'dev'));
  server = await startServer({
    args: ['--modules', 'sandbox,accel', '--accel-drivers', 'fake,nvidia,pci', '--accel-sysfs-root', sys, '--accel-dev-root', join(dir, 'dev'), '--accel-nvidia-smi', fakeNvidiaSmi(dir, H100_QUERY), '--accel-hostname', 'gpu-host-1', '--accel-discovery-interval', '0', '--accel-image-limit', '65536'],
  });
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('devices and deployables as Cyborg lists them: the fake FPGA, the H100 (nvidia) and an AMD GPU (pci)', async () => {
  const devices = await ok(['device', 'list', '--long']);
  const byVendor = Object.fromEntries(devices.map((d: any) => [d.vendor, d]));
  assert.deepEqual(Object.keys(byVendor).sort(), ['0x1002', '0x10de', '0xABCD']);
  assert.equal(byVendor['0x10de'].type, 'GPU');
  assert.equal(byVendor['0x10de'].model, 'NVIDIA H100 PCIe');
  assert.equal(byVendor['0xABCD'].hostname, 'gpu-host-1');
  const deployables = await ok(['deployable', 'list']);
  assert.equal(deployables.length, 3);
  const fake = deployables.find((d: any) => d.name === 'FakeDevice');
  const shown = await ok(['deployable', 'show', fake.uuid]);
  assert.equal(shown.name, 'FakeDevice');
  assert.equal((await json(`/accelerator/v2/deployables/${fake.uuid}`)).body.num_accelerators, 16);
  const strataList = JSON.parse((await strata(['--json', 'accel', 'devices'], { env: server.env })).stdout);
  assert.equal(strataList.length, 3, 'strata accel devices --json prints the same Cyborg device objects');
  assert.ok(strataList.every((d: any) => typeof d.uuid === 'string' && typeof d.std_board_info === 'string'));
  await refused(['device', 'show', randomUUID()], /device not found/);
  const missing = await json(`/accelerator/v2/devices/${randomUUID()}`);
  assert.equal(missing.status, 404);
  assert.match(fault(missing.body), /device .* could not be found/);
});

test('a device profile, ARQs from it bound to a running sandbox and unbound; Cyborg errors for bad profiles and a second bind', async () => {
  const profile = await ok(['device', 'profile', 'create', 'fpga-x2', JSON.stringify([{ 'resources:FPGA': '1', 'trait:CUSTOM_FAKE_DEVICE': 'required' }, { 'resources:FPGA': '1' }])]);
  assert.equal(profile.name, 'fpga-x2');
  await refused(['device', 'profile', 'create', 'bad1', JSON.stringify([{ 'resources:TPU': '1' }])], /unsupported resource class "TPU"/);
  await refused(['device', 'profile', 'create', 'bad2', JSON.stringify([{ 'resources:FPGA': '1', 'accel:bitstream_id': 'a', 'accel:function_id': 'b' }])], /accel:bitstream_id or accel:function_id, not both/);
  await refused(['device', 'profile', 'create', 'bad3', JSON.stringify([{ 'resources:FPGA': '1', 'trait:FAKE': 'required' }])], /unsupported trait name format "FAKE"/);
  const byName = await ok(['device', 'profile', 'show', 'fpga-x2'], '2.2');
  assert.equal(byName.uuid, profile.uuid);

  const arq = await ok(['arq', 'create', 'fpga-x2']);
  assert.equal(arq.state, 'Initial');
  const all = await ok(['arq', 'list']);
  assert.equal(all.length, 2, 'two groups of one accelerator each: two ARQs');

  const sb = await json('/sandbox/api/v1/sandboxes', { method: 'POST', body: JSON.stringify({ runtime: 'namespaces' }) });
  assert.equal(sb.status, 201, JSON.stringify(sb.body));
  const fake = (await ok(['deployable', 'list', '--long'])).find((d: any) => d.name === 'FakeDevice');
  const rp = (await json(`/accelerator/v2/deployables/${fake.uuid}`)).body.rp_uuid;
  const bound = await ok(['arq', 'bind', arq.uuid, 'gpu-host-1', sb.body.id, rp, 'admin']);
  assert.equal(bound.instance_uuid, sb.body.id);
  const seen = await ok(['arq', 'show', arq.uuid]);
  assert.equal(seen.state, 'Bound');
  assert.equal((await json(`/accelerator/v2/deployables/${fake.uuid}`)).body.used, 1);
  await refused(['arq', 'bind', arq.uuid, 'gpu-host-1', sb.body.id, rp, 'admin'], /is Bound: it cannot be bound/);
  const unbound = await ok(['arq', 'unbind', arq.uuid]);
  assert.equal(unbound.state, 'Unbound');
  assert.equal((await json(`/accelerator/v2/deployables/${fake.uuid}`)).body.used, 0);
  const del = await os(['arq', 'delete', arq.uuid]);
  assert.equal(del.code, 0, del.stderr);
  assert.equal((await ok(['arq', 'list'])).length, 1);
  await json(`/sandbox/api/v1/sandboxes/${sb.body.id}`, { method: 'DELETE' });
});

test('programming the fake FPGA with an uploaded bitstream; a mismatching checksum is refused and nothing is kept', async () => {
  const file = join(dir, 'design.gbs');
  writeFileSync(file, Buffer.alloc(4096, 7));
  const sha = createHash('sha256').update(Buffer.alloc(4096, 7)).digest('hex');
  const wrong = await strata(['accel', 'images', 'upload', file, '--sha256', '0'.repeat(64), '--bitstream-id', 'bs-1'], { env: server.env });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /sha256 is [0-9a-f]{64}, not the declared 0{64}; nothing was kept/);
  const up = await strata(['--json', 'accel', 'images', 'upload', file, '--sha256', sha, '--bitstream-id', 'bs-1'], { env: server.env });
  assert.equal(up.code, 0, up.stderr);
  const image = JSON.parse(up.stdout);
  assert.equal(image.status, 'active');
  assert.equal(image.os_hash_value, sha);
  const images = (await json('/image/v2/images')).body.images;
  assert.equal(images.length, 1, 'the refused upload left no image');
  const fake = (await ok(['deployable', 'list'])).find((d: any) => d.name === 'FakeDevice');
  const r = await os(['deployable', 'program', fake.uuid, image.id]);
  assert.equal(r.code, 0, r.stderr);
  const after = (await json(`/accelerator/v2/deployables/${fake.uuid}`)).body;
  assert.equal(after.bitstream_id, 'bs-1');
  assert.equal(after.fault, null);
  const missing = await json(`/accelerator/v2/deployables/${fake.uuid}/program`, { method: 'PATCH', body: JSON.stringify([{ path: '/program', op: 'replace', value: [{ image_uuid: randomUUID() }] }]) });
  assert.equal(missing.status, 404);
  assert.match(fault(missing.body), /no image/);
});

test('bad input gets Cyborg-style 4xx errors, never a 500', async () => {
  const cases: [string, RequestInit, number, RegExp][] = [
    ['/accelerator/v2/device_profiles', { method: 'POST', body: '{"name": ' }, 400, /Invalid JSON/],
    ['/accelerator/v2/device_profiles', { method: 'POST', body: JSON.stringify({ name: 'x', groups: [] }) }, 400, /non-empty JSON list/],
    ['/accelerator/v2/device_profiles', { method: 'POST', body: JSON.stringify([{ name: 'x', groups: [{ 'resources:FPGA': '1' }], colour: 'red' }]) }, 400, /unknown field "colour"/],
    ['/accelerator/v2/accelerator_requests', { method: 'POST', body: JSON.stringify({ device_profile_name: 'fpga-x2', extra: 1 }) }, 400, /unknown field "extra"/],
    ['/accelerator/v2/accelerator_requests', { method: 'POST', body: JSON.stringify({ device_profile_name: 42 }) }, 400, /must be a non-empty string/],
    ['/accelerator/v2/accelerator_requests', { method: 'POST', body: JSON.stringify({ device_profile_name: 'nope' }) }, 404, /device profile nope could not be found/],
    ['/accelerator/v2/accelerator_requests', { method: 'PATCH', body: JSON.stringify({ [randomUUID()]: [{ path: '/color', op: 'add', value: 'x' }] }) }, 400, /path must be one of/],
    ['/accelerator/v2/accelerator_requests', { method: 'DELETE' }, 400, /arqs=UUID/],
    ['/accelerator/v2/devices', { headers: { 'OpenStack-API-Version': 'accelerator 2.9' } }, 406, /supported version range is: \[2\.0, 2\.3\]/],
    ['/accelerator/v2/devices', { headers: { 'OpenStack-API-Version': 'accelerator two' } }, 400, /invalid OpenStack-API-Version/],
    ['/accelerator/v2/devices?colour=red', {}, 400, /unknown query parameter "colour"/],
    ['/accelerator/v2/devices/not-a-uuid', {}, 400, /is not a UUID/],
    ['/accelerator/v2/nothing', {}, 404, /could not be found/],
    ['/accelerator/v2/device_profiles', { method: 'POST', body: JSON.stringify([{ name: 'big', groups: [{ 'resources:FPGA': '1' }], description: 'x'.repeat(512 << 10) }]) }, 400, /description must be a string of at most 1024/],
  ];
  for (const [path, init, status, re] of cases) {
    const r = await json(path, init);
    assert.equal(r.status, status, `${init.method ?? 'GET'} ${path}: ${JSON.stringify(r.body)}`);
    assert.match(fault(r.body), re, path);
  }
  const created = (await json('/image/v2/images', { method: 'POST', body: JSON.stringify({ name: 'huge' }) })).body;
  const huge = await api(server, `/image/v2/images/${created.id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(100_000) });
  assert.equal(huge.status, 413);
  assert.equal((await json(`/image/v2/images/${created.id}`)).body.status, 'queued', 'the refused upload left the image without data');
  const reader = await json('/auth/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'r', role: 'reader', project: 'p1' }) });
  const asReader = await fetch(`${server.url}/accelerator/v2/device_profiles`, { method: 'POST', headers: { authorization: `Bearer ${reader.body.token}`, 'content-type': 'application/json' }, body: JSON.stringify([{ name: 'r', groups: [{ 'resources:FPGA': '1' }] }]) });
  assert.equal(asReader.status, 403);
  assert.equal((await fetch(`${server.url}/accelerator/v2/devices`)).status, 401, 'authenticated by default');
});
