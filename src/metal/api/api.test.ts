/**
 * The /baremetal API in process (the real composition root on SQLite and
 * PostgreSQL, Fastify inject): negotiation, Ironic's error body, bad input
 * of every kind, secrets, paging, field hiding per version, scoping, and the
 * sub-resources.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverConfig, silentLogger } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { startServer, type RunningServer } from '../../server.js';
import { metal } from '../index.js';

let server: RunningServer;
let dir: string;
let admin: string;
const tokens: Record<string, string> = {};

type Res = { status: number; body: any; headers: Record<string, string | string[] | undefined> };

async function call(method: string, path: string, opts: { body?: unknown; raw?: string; version?: string | null; token?: string | null; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const token = opts.token === undefined ? admin : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.version !== null) headers['x-openstack-ironic-api-version'] = opts.version ?? '1.78';
  let payload: string | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await server.app.inject({ method: method as 'GET', url: `/baremetal${path}`, headers, payload });
  let body: any = res.body;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, body, headers: res.headers as Res['headers'] };
}

/** The faultstring of an Ironic error body (what the client prints). */
function fault(res: Res): string {
  assert.equal(typeof res.body?.error_message, 'string', `an Ironic error body, got ${JSON.stringify(res.body)}`);
  return JSON.parse(res.body.error_message).faultstring;
}

async function createNode(body: Record<string, unknown> = {}, version = '1.78'): Promise<any> {
  const res = await call('POST', '/v1/nodes', { body: { driver: 'fake-hardware', ...body }, version });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function waitState(uuid: string, state: string): Promise<any> {
  for (let i = 0; i < 300; i++) {
    const n = (await call('GET', `/v1/nodes/${uuid}`)).body;
    if (n.provision_state === state && !n.reservation) return n;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`node ${uuid} never reached ${state}`);
}

const stores = storesUnderTest();
after(() => stores.close());

async function boot(kind: 'sqlite' | 'postgres'): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'strata-metal-api-'));
  const database = kind === 'postgres' ? await stores.postgresUrl() : undefined;
  const config = serverConfig({ listen: '127.0.0.1:0', data: dir, database, logLevel: 'silent', options: { metalApiMaxLimit: '50', metalPowerSyncInterval: '0' } });
  server = await startServer(config, { modules: [metal], log: silentLogger() });
  admin = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  for (const [name, role, project] of [
    ['owner', 'member', 'p1'],
    ['lessee', 'member', 'p2'],
    ['reader', 'reader', 'p1'],
  ] as const) {
    const res = await server.app.inject({ method: 'POST', url: '/auth/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { role, project } });
    tokens[name] = res.json().token;
  }
}

async function shutdown(): Promise<void> {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the /baremetal API on ${kind}`, () => {
    before(() => boot(kind));
    after(shutdown);

    describe('version discovery and negotiation', () => {
      test('the root and /v1 are public; /v1 carries the version headers', async () => {
        const root = await call('GET', '/', { token: null, version: null });
        assert.equal(root.status, 200);
        assert.equal(root.body.default_version.min_version, '1.1');
        assert.equal(root.body.default_version.version, '1.78');
        const v1 = await call('GET', '/v1', { token: null, version: null });
        assert.equal(v1.status, 200);
        assert.equal(v1.headers['x-openstack-ironic-api-minimum-version'], '1.1');
        assert.equal(v1.headers['x-openstack-ironic-api-maximum-version'], '1.78');
        assert.equal(v1.headers['x-openstack-ironic-api-version'], '1.1');
        assert.equal(v1.body.allocations, undefined, 'collections appear with their version');
        const latest = await call('GET', '/v1', { token: null, version: 'latest' });
        assert.equal(latest.headers['x-openstack-ironic-api-version'], '1.78');
        assert.ok(latest.body.allocations && latest.body.deploy_templates && latest.body.conductors);
        const std = await call('GET', '/v1', { token: null, version: null, headers: { 'openstack-api-version': 'baremetal 1.52' } });
        assert.equal(std.headers['x-openstack-ironic-api-version'], '1.52');
        assert.equal(std.headers['openstack-api-version'], 'baremetal 1.52');
        assert.match(String(std.headers.vary), /X-OpenStack-Ironic-API-Version/);
      });

      test('an unsupported version is 406 with the range, on any route', async () => {
        const res = await call('GET', '/v1/nodes', { version: '1.79' });
        assert.equal(res.status, 406);
        assert.equal(res.headers['x-openstack-ironic-api-maximum-version'], '1.78');
        assert.match(fault(res), /The supported version range is: \[1\.1, 1\.78\]/);
      });

      test('authentication: no token is 401, a reader may read but not write; errors are Ironic bodies', async () => {
        const anon = await call('GET', '/v1/nodes', { token: null });
        assert.equal(anon.status, 401);
        assert.match(fault(anon), /authentication required/);
        assert.equal((await call('GET', '/v1/nodes', { token: tokens.reader })).status, 200);
        const denied = await call('POST', '/v1/nodes', { token: tokens.reader, body: { driver: 'fake-hardware' } });
        assert.equal(denied.status, 403);
        fault(denied);
        const basic = await call('GET', '/v1/nodes', { token: null, headers: { authorization: `Basic ${Buffer.from(`any:${admin}`).toString('base64')}` } });
        assert.equal(basic.status, 200, 'HTTP basic with the token as password');
      });
    });

    describe('nodes', () => {
      test('fields appear per version; old versions see old state names', async () => {
        const old = await call('POST', '/v1/nodes', { body: { driver: 'fake-hardware' }, version: '1.1' });
        assert.equal(old.status, 201);
        assert.equal(old.body.provision_state, null, 'before 1.2 "available" reads as null');
        assert.equal(old.body.name, undefined, 'name appears in 1.5');
        assert.equal(old.body.boot_interface, undefined);
        const n = await call('GET', `/v1/nodes/${old.body.uuid}`, { version: '1.31' });
        assert.equal(n.body.provision_state, 'available');
        assert.equal(n.body.boot_interface, 'fake');
        assert.equal(n.body.traits, undefined, 'traits appear in 1.37');
        assert.equal((await call('GET', `/v1/nodes/${old.body.uuid}?fields=uuid`, { version: '1.7' })).status, 406);
        assert.equal((await call('GET', `/v1/nodes/${old.body.uuid}?fields=traits`, { version: '1.36' })).status, 406);
        const bad = await call('GET', `/v1/nodes/${old.body.uuid}?fields=uuid,nope`);
        assert.equal(bad.status, 400);
        assert.equal(fault(bad), 'Field nope is not a valid field.');
        const some = await call('GET', `/v1/nodes/${old.body.uuid}?fields=uuid,driver`);
        assert.deepEqual(Object.keys(some.body).sort(), ['driver', 'links', 'uuid']);
        const created = await call('POST', '/v1/nodes', { body: { driver: 'fake-hardware', owner: 'p1' }, version: '1.49' });
        assert.equal(created.status, 406, 'owner is a 1.50 field');
      });

      test('bad input: malformed JSON, wrong types, unknown driver and fields, bad names, duplicates', async () => {
        const cases: [string, Record<string, unknown> | string, number, RegExp][] = [
          ['malformed JSON', '{"driver": "fake-hardware",', 400, /Invalid JSON in the request body/],
          ['not an object', '[1,2]', 400, /Schema error for node: .*is not of type 'object'/],
          ['no driver', {}, 400, /Schema error for node: 'driver' is a required property/],
          ['unknown driver', { driver: 'no-such-hw' }, 400, /No valid host was found\. Reason: No conductor service registered which supports driver no-such-hw/],
          ['wrong type', { driver: 'fake-hardware', driver_info: 'x' }, 400, /Schema error for node: "x" is not of type 'object', 'null'/],
          ['bad boolean', { driver: 'fake-hardware', maintenance: 'maybe' }, 400, /Invalid maintenance: Unrecognized value 'maybe'/],
          ['unknown field', { driver: 'fake-hardware', colour: 'red' }, 400, /Additional properties are not allowed \('colour' was unexpected\)/],
          ['bad uuid', { driver: 'fake-hardware', uuid: 'not-a-uuid' }, 400, /Expected UUID for uuid: not-a-uuid/],
          ['reserved name', { driver: 'fake-hardware', name: 'detail' }, 400, /The word "detail" is reserved/],
          ['bad name', { driver: 'fake-hardware', name: 'a b' }, 400, /Cannot create node with invalid name 'a b'/],
          ['bad interface', { driver: 'ipmi', power_interface: 'fake' }, 400, /Interface "fake" of kind power is not supported by hardware type ipmi/],
          ['long description', { driver: 'fake-hardware', description: 'x'.repeat(4097) }, 400, /is too long/],
          ['unserved group', { driver: 'fake-hardware', conductor_group: 'rack9' }, 400, /No valid host was found\. Reason: No conductor service registered which supports driver fake-hardware for conductor group "rack9"/],
        ];
        for (const [what, body, status, re] of cases) {
          const res = typeof body === 'string' ? await call('POST', '/v1/nodes', { raw: body }) : await call('POST', '/v1/nodes', { body });
          assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
          assert.match(fault(res), re, what);
        }
        await createNode({ name: 'dup-1' });
        const dup = await call('POST', '/v1/nodes', { body: { driver: 'fake-hardware', name: 'dup-1' } });
        assert.equal(dup.status, 409);
        assert.equal(fault(dup), 'A node with name dup-1 already exists.');
      });

      test('passwords are sealed in the store and masked in every answer; PATCH keeps them', async () => {
        const n = await createNode({ name: 'secret-1', driver_info: { ipmi_address: '10.1.1.1', ipmi_password: 'Sup3rSecret!', nested: { token: 'tok-123' } } });
        assert.equal(n.driver_info.ipmi_password, '******');
        assert.equal(n.driver_info.nested.token, '******');
        assert.equal(n.driver_info.ipmi_address, '10.1.1.1');
        const patched = await call('PATCH', `/v1/nodes/${n.uuid}`, { body: [{ op: 'replace', path: '/driver_info/ipmi_address', value: '10.1.1.2' }] });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assert.equal(patched.body.driver_info.ipmi_password, '******');
        const rows = await server.store.db.selectFrom('metal_nodes').select(['driver_info']).execute();
        const all = JSON.stringify(rows);
        assert.ok(!all.includes('Sup3rSecret!') && !all.includes('tok-123'), 'no cleartext secret in the store');
        const list = await call('GET', '/v1/nodes/detail');
        assert.ok(!JSON.stringify(list.body).includes('Sup3rSecret!'));
      });

      test('JSON Patch: bad documents and forbidden paths are 400; state checks are 409', async () => {
        const n = await createNode({ name: 'patch-1' });
        const cases: [unknown, RegExp][] = [
          [{ op: 'replace', path: '/name', value: 'x' }, /Schema error for patch/],
          [[{ op: 'move', path: '/name', from: '/driver' }], /Schema error for patch/],
          [[{ op: 'replace', path: '/uuid', value: 'x' }], /Cannot patch \/uuid\. Only the following can be updated/],
          [[{ op: 'remove', path: '/extra/nope' }], /Couldn't apply patch .* can't remove a non-existent object 'nope'/],
          [[{ op: 'replace', path: '/driver_info', value: 5 }], /Schema error for patch: 5 is not of type 'object', 'null'/],
          [[{ op: 'replace', path: '/maintenance', value: 'perhaps' }], /Invalid maintenance: Unrecognized value 'perhaps'/],
          [[{ op: 'add', path: '/traits', value: ['CUSTOM_X'] }], /Cannot patch \/traits/],
          [[{ op: 'replace', path: '/driver', value: 'nope' }], /No valid host was found/],
          [[{ op: 'replace', path: '/protected', value: true }], /can only be made protected in provision states 'active' or 'rescue'/],
        ];
        for (const [patch, re] of cases) {
          const res = await call('PATCH', `/v1/nodes/${n.uuid}`, { body: patch });
          assert.ok(res.status === 400 || res.status === 409, `${JSON.stringify(patch)} → ${res.status}`);
          assert.match(fault(res), re, JSON.stringify(patch));
        }
        assert.equal((await call('PATCH', `/v1/nodes/${n.uuid}`, { raw: '[{"op": "add"' })).status, 400);
        const ok = await call('PATCH', `/v1/nodes/${n.uuid}`, { body: [{ op: 'add', path: '/extra/rack', value: 'r1' }, { op: 'replace', path: '/maintenance', value: 'true' }] });
        assert.equal(ok.status, 200);
        assert.equal(ok.body.extra.rack, 'r1');
        assert.equal(ok.body.maintenance, true);
        const off = await call('PATCH', `/v1/nodes/${n.uuid}`, { body: [{ op: 'replace', path: '/maintenance', value: false }] });
        assert.equal(off.body.maintenance_reason, null);
      });

      test('lists: default fields, detail, filters, sorting and paging with next links', async () => {
        const made: string[] = [];
        for (let i = 0; i < 60; i++) made.push((await createNode({ name: `page-${String(i).padStart(2, '0')}`, resource_class: i % 2 ? 'odd' : 'even' })).uuid);
        const first = await call('GET', '/v1/nodes');
        assert.equal(first.body.nodes.length, 50, 'max_limit caps a page');
        assert.deepEqual(Object.keys(first.body.nodes[0]).sort(), ['instance_uuid', 'links', 'maintenance', 'name', 'power_state', 'provision_state', 'uuid']);
        assert.match(first.body.next, /\/baremetal\/v1\/nodes\?.*limit=50&marker=/);
        const seen = new Set<string>();
        let url: string | undefined = '/v1/nodes?limit=7&resource_class=odd&sort_key=name&sort_dir=desc';
        const names: string[] = [];
        while (url) {
          const page = await call('GET', url);
          assert.equal(page.status, 200, JSON.stringify(page.body));
          for (const x of page.body.nodes) {
            assert.ok(!seen.has(x.uuid));
            seen.add(x.uuid);
            names.push(x.name);
          }
          url = page.body.next ? page.body.next.replace(/^.*\/baremetal/, '') : undefined;
        }
        assert.equal(names.length, 30);
        assert.deepEqual(names, [...names].sort().reverse());
        const detail = await call('GET', '/v1/nodes/detail?limit=2');
        assert.ok('driver_info' in detail.body.nodes[0] && 'ports' in detail.body.nodes[0]);
        assert.equal((await call('GET', '/v1/nodes?detail=true&limit=1', { version: '1.42' })).status, 400, 'detail= needs 1.43');
        assert.equal((await call('GET', '/v1/nodes?driver=fake-hardware', { version: '1.15' })).status, 406);
        assert.equal((await call('GET', '/v1/nodes?provision_state=flying')).status, 400);
        assert.equal((await call('GET', '/v1/nodes?sort_key=driver_info')).status, 400);
        assert.equal((await call('GET', '/v1/nodes?sort_dir=up')).status, 400);
        assert.equal((await call('GET', '/v1/nodes?limit=0')).status, 400);
        assert.equal((await call('GET', '/v1/nodes?limit=abc')).status, 400);
        assert.equal((await call('GET', '/v1/nodes?maintenance=perhaps')).status, 400);
        assert.equal((await call('GET', '/v1/nodes?marker=1b0a4f5e-9c1a-4f0e-8f3e-000000000000')).status, 404);
        const filtered = await call('GET', '/v1/nodes?resource_class=even&fields=uuid,resource_class&limit=100');
        assert.equal(filtered.body.nodes.length, 30);
        assert.ok(filtered.body.nodes.every((x: any) => x.resource_class === 'even'));
      });

      test('provisioning through the API: 202 + Location, the transient state is visible at once, errors read like Ironic\'s', async () => {
        const n = await createNode({ name: 'prov-1' });
        const res = await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'manage' } });
        assert.equal(res.status, 202);
        assert.match(String(res.headers.location), new RegExp(`/baremetal/v1/nodes/${n.uuid}/states$`));
        const now = (await call('GET', `/v1/nodes/${n.uuid}/states`)).body;
        assert.ok(now.provision_state === 'verifying' || now.provision_state === 'manageable');
        await waitState(n.uuid, 'manageable');
        const wrong = await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'active' } });
        assert.equal(wrong.status, 400);
        assert.equal(fault(wrong), `The requested action "active" can not be performed on node "${n.uuid}" while it is in state "manageable".`);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'deploy' }, version: '1.72' })).status, 406);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: {} })).status, 400);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'clean' } })).status, 400, 'clean needs clean_steps');
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'provide', colour: 1 } })).status, 400);
        await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'provide' } });
        await waitState(n.uuid, 'available');
        const dep = await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'active', configdrive: { meta_data: { hostname: 'h' } } } });
        assert.equal(dep.status, 202);
        const active = await waitState(n.uuid, 'active');
        assert.equal(active.instance_info.configdrive, '******', 'the config drive is masked');
        const power = await call('PUT', `/v1/nodes/${n.uuid}/states/power`, { body: { target: 'power off' } });
        assert.equal(power.status, 202);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/states/power`, { body: { target: 'power off', timeout: 0 } })).status, 400);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/states/power`, { body: { target: 'soft power off' }, version: '1.26' })).status, 406);
        assert.equal((await call('DELETE', `/v1/nodes/${n.uuid}`)).status, 409, 'an active node with an instance cannot be deleted');
      });

      test('sub-resources: traits, boot device, validate, maintenance, VIFs, history, states', async () => {
        const n = await createNode({ name: 'sub-1' });
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/traits`, { body: { traits: ['CUSTOM_GPU', 'HW_CPU_X86_AVX2'] } })).status, 204);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/traits/CUSTOM_FAST`)).status, 204);
        assert.deepEqual((await call('GET', `/v1/nodes/${n.uuid}/traits`)).body.traits, ['CUSTOM_FAST', 'CUSTOM_GPU', 'HW_CPU_X86_AVX2']);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/traits/lower_case`)).status, 400);
        assert.equal((await call('DELETE', `/v1/nodes/${n.uuid}/traits/CUSTOM_NONE`)).status, 404);
        assert.equal((await call('GET', `/v1/nodes/${n.uuid}/traits`, { version: '1.36' })).status, 404);
        assert.deepEqual((await call('GET', `/v1/nodes/${n.uuid}?fields=traits`)).body.traits, ['CUSTOM_FAST', 'CUSTOM_GPU', 'HW_CPU_X86_AVX2']);

        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/management/boot_device`, { body: { boot_device: 'pxe', persistent: true } })).status, 204);
        assert.deepEqual((await call('GET', `/v1/nodes/${n.uuid}/management/boot_device`)).body, { boot_device: 'pxe', persistent: true });
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/management/boot_device`, { body: { boot_device: 'floppy' } })).status, 400);
        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/management/boot_device`, { body: {} })).status, 400);
        assert.ok((await call('GET', `/v1/nodes/${n.uuid}/management/boot_device/supported`)).body.supported_boot_devices.includes('disk'));

        const v = (await call('GET', `/v1/nodes/${n.uuid}/validate`)).body;
        assert.deepEqual(v.power, { result: true, reason: null });
        assert.equal(v.vendor, undefined);

        assert.equal((await call('PUT', `/v1/nodes/${n.uuid}/maintenance`, { body: { reason: 'disk swap' } })).status, 202);
        let got = (await call('GET', `/v1/nodes/${n.uuid}`)).body;
        assert.equal(got.maintenance, true);
        assert.equal(got.maintenance_reason, 'disk swap');
        assert.equal((await call('DELETE', `/v1/nodes/${n.uuid}/maintenance`)).status, 202);
        got = (await call('GET', `/v1/nodes/${n.uuid}`)).body;
        assert.equal(got.maintenance, false);
        assert.equal(got.maintenance_reason, null);

        const port = await call('POST', '/v1/ports', { body: { address: '52:54:00:AA:BB:01', node_uuid: n.uuid } });
        assert.equal(port.status, 201);
        assert.equal(port.body.address, '52:54:00:aa:bb:01');
        assert.equal((await call('POST', `/v1/nodes/${n.uuid}/vifs`, { body: { id: 'vif-1' } })).status, 204);
        assert.deepEqual((await call('GET', `/v1/nodes/${n.uuid}/vifs`)).body, { vifs: [{ id: 'vif-1' }] });
        const again = await call('POST', `/v1/nodes/${n.uuid}/vifs`, { body: { id: 'vif-2' } });
        assert.equal(again.status, 400);
        assert.match(fault(again), /not enough free physical ports/);
        assert.equal((await call('DELETE', `/v1/nodes/${n.uuid}/vifs/vif-1`)).status, 204);
        assert.equal((await call('DELETE', `/v1/nodes/${n.uuid}/vifs/vif-1`)).status, 400);

        const hist = await call('GET', `/v1/nodes/${n.uuid}/history`);
        assert.equal(hist.status, 200);
        assert.deepEqual(hist.body.history, []);
        assert.equal((await call('GET', `/v1/nodes/${n.uuid}/history`, { version: '1.77' })).status, 404);
        assert.equal((await call('GET', `/v1/nodes/nope-node/states`)).status, 404);
        assert.equal((await call('GET', '/v1/nodes/not a name')).status, 400);
      });

      test('ports: MAC validation and uniqueness, node checks, default fields, filters', async () => {
        const n = await createNode({ name: 'ports-1' });
        assert.match(fault(await call('POST', '/v1/ports', { body: { address: 'zz:zz', node_uuid: n.uuid } })), /Expected a MAC address but received zz:zz/);
        const missing = await call('POST', '/v1/ports', { body: { address: '52:54:00:00:00:99', node_uuid: '1b0a4f5e-9c1a-4f0e-8f3e-000000000000' } });
        assert.equal(missing.status, 400);
        assert.match(fault(missing), /Node 1b0a4f5e-9c1a-4f0e-8f3e-000000000000 could not be found/);
        assert.equal((await call('POST', '/v1/ports', { body: { address: '52:54:00:00:00:01' } })).status, 400);
        assert.equal((await call('POST', '/v1/ports', { body: { address: '52:54:00:00:00:01', node_uuid: n.uuid } })).status, 201);
        const dup = await call('POST', '/v1/ports', { body: { address: '52:54:00:00:00:01', node_uuid: n.uuid } });
        assert.equal(dup.status, 409);
        assert.equal(fault(dup), 'A port with MAC address 52:54:00:00:00:01 already exists.');
        const list = await call('GET', `/v1/ports?node=${n.uuid}`);
        assert.deepEqual(Object.keys(list.body.ports[0]).sort(), ['address', 'links', 'uuid']);
        const detail = await call('GET', `/v1/nodes/${n.uuid}/ports/detail`, { version: '1.18' });
        assert.equal(detail.body.ports[0].node_uuid, n.uuid);
        assert.equal(detail.body.ports[0].pxe_enabled, undefined, 'pxe_enabled appears in 1.19');
        assert.equal((await call('GET', '/v1/ports?address=52:54:00:00:00:01')).body.ports.length, 1);
      });
    });

    describe('scoping, drivers, conductors, allocations', () => {
      test('project members see their own and leased nodes only; lessees get redacted fields', async () => {
        const owned = await createNode({ name: 'own-1', owner: 'p1', driver_info: { ipmi_address: '1.2.3.4' } });
        const leased = await createNode({ name: 'lease-1', owner: 'p9', lessee: 'p2', driver_info: { ipmi_address: '1.2.3.5' } });
        const other = await createNode({ name: 'other-1', owner: 'p9' });
        const mine = (await call('GET', '/v1/nodes?limit=50&fields=uuid', { token: tokens.owner })).body.nodes.map((x: any) => x.uuid);
        assert.deepEqual(mine, [owned.uuid]);
        assert.equal((await call('GET', `/v1/nodes/${other.uuid}`, { token: tokens.owner })).status, 404);
        const asLessee = await call('GET', `/v1/nodes/${leased.uuid}`, { token: tokens.lessee });
        assert.equal(asLessee.status, 200);
        assert.match(JSON.stringify(asLessee.body.driver_info), /Redacted/);
        assert.equal((await call('PATCH', `/v1/nodes/${leased.uuid}`, { token: tokens.lessee, body: [{ op: 'add', path: '/properties/x', value: 1 }] })).status, 403);
        assert.equal((await call('PATCH', `/v1/nodes/${leased.uuid}`, { token: tokens.lessee, body: [{ op: 'add', path: '/extra/x', value: 1 }] })).status, 200);
        assert.equal((await call('PATCH', `/v1/nodes/${owned.uuid}`, { token: tokens.owner, body: [{ op: 'replace', path: '/owner', value: 'p2' }] })).status, 403);
        assert.equal((await call('DELETE', `/v1/nodes/${owned.uuid}`, { token: tokens.owner })).status, 403);
        assert.equal((await call('PUT', `/v1/nodes/${owned.uuid}/maintenance`, { token: tokens.reader, body: {} })).status, 403);
      });

      test('drivers and conductors', async () => {
        const drivers = (await call('GET', '/v1/drivers')).body.drivers;
        assert.deepEqual(drivers.map((d: any) => d.name).sort(), ['fake-hardware', 'ipmi', 'redfish']);
        const hw = (await call('GET', '/v1/drivers/ipmi')).body;
        assert.equal(hw.default_power_interface, 'ipmitool');
        assert.ok(hw.enabled_management_interfaces.includes('ipmitool'));
        const props = (await call('GET', '/v1/drivers/ipmi/properties')).body;
        assert.ok('ipmi_address' in props);
        assert.equal((await call('GET', '/v1/drivers/nope')).status, 404);
        const conductors = (await call('GET', '/v1/conductors?detail=true')).body.conductors;
        assert.equal(conductors.length, 1);
        assert.equal(conductors[0].alive, true);
        assert.ok(conductors[0].drivers.includes('redfish'));
        assert.equal((await call('GET', '/v1/conductors', { version: '1.48' })).status, 404);
      });

      test('allocations pick an available node of the resource class, or fail clearly', async () => {
        const n = await createNode({ name: 'alloc-1', resource_class: 'gpu' });
        await call('PUT', `/v1/nodes/${n.uuid}/traits/CUSTOM_A100`);
        await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'manage' } });
        await waitState(n.uuid, 'manageable');
        await call('PUT', `/v1/nodes/${n.uuid}/states/provision`, { body: { target: 'provide' } });
        await waitState(n.uuid, 'available');
        const none = await call('POST', '/v1/allocations', { body: { resource_class: 'gpu', traits: ['CUSTOM_H100'] } });
        assert.equal(none.status, 201);
        assert.equal(none.body.state, 'error');
        assert.match(none.body.last_error, /no suitable nodes have the requested traits CUSTOM_H100/);
        const a = await call('POST', '/v1/allocations', { body: { resource_class: 'gpu', traits: ['CUSTOM_A100'], name: 'job-1' } });
        assert.equal(a.body.state, 'active');
        assert.equal(a.body.node_uuid, n.uuid);
        const node = (await call('GET', `/v1/nodes/${n.uuid}`)).body;
        assert.equal(node.allocation_uuid, a.body.uuid);
        assert.equal(node.instance_uuid, a.body.uuid);
        assert.equal((await call('GET', `/v1/nodes/${n.uuid}/allocation`)).body.uuid, a.body.uuid);
        assert.equal((await call('POST', '/v1/allocations', { body: { traits: ['CUSTOM_A100'] } })).status, 400, 'resource_class is mandatory');
        assert.equal((await call('DELETE', '/v1/allocations/job-1')).status, 204);
        assert.equal((await call('GET', `/v1/nodes/${n.uuid}`)).body.instance_uuid, null);
      });
    });
  });
}
