/**
 * The agent endpoints, the ipxe boot and ramdisk deploy interfaces with the
 * real conductor and store (SQLite and PostgreSQL): deploy waits in
 * `wait call-back`, the lookup issues a sealed token, a verified heartbeat
 * resumes the node to `active` and the agent session is wiped.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { SecretBox, silentLogger, StrataError, TaskRunner, TaskStore, type Store } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { metalMigrations, tables, writeNode, type NodeRecord } from '../db/index.js';
import type { ProvisionEvent } from '../states/index.js';
import { Conductor } from '../conductor/index.js';
import { createDriverRegistry } from '../drivers/index.js';
import { createProvisioning } from './provisioning.js';
import { BOOTED_KEY } from './ramdisk.js';

const stores = storesUnderTest({ metal: metalMigrations });
const dirs: string[] = [];
after(async () => {
  await stores.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const MAC = '52:54:00:aa:00:01';
const V = 78;

function nodeRecord(over: Partial<NodeRecord>): Omit<NodeRecord, 'id'> {
  const blank = Object.fromEntries(
    ['instance_uuid', 'chassis_id', 'power_state', 'target_power_state', 'target_provision_state', 'last_error', 'maintenance_reason', 'fault', 'reservation', 'task_id', 'inspection_started_at', 'inspection_finished_at', 'clean_step', 'deploy_step', 'raid_config', 'target_raid_config', 'resource_class', 'automated_clean', 'protected_reason', 'owner', 'lessee', 'description', 'allocation_id', 'retired_reason', 'network_data', 'boot_mode', 'secure_boot', 'bios_interface', 'boot_interface', 'console_interface', 'deploy_interface', 'inspect_interface', 'management_interface', 'network_interface', 'power_interface', 'raid_interface', 'rescue_interface', 'storage_interface', 'vendor_interface', 'updated_at', 'name'].map((k) => [k, null]),
  );
  return {
    ...(blank as unknown as Omit<NodeRecord, 'id'>),
    uuid: randomUUID(),
    driver: 'fake-hardware',
    driver_info: {},
    driver_internal_info: {},
    instance_info: {},
    properties: {},
    extra: {},
    provision_state: 'available',
    provision_updated_at: Date.now(),
    maintenance: false,
    conductor_group: '',
    console_enabled: false,
    protected: false,
    retired: false,
    created_at: Date.now(),
    ...over,
  };
}

async function setup(store: Store) {
  const dataDir = mkdtempSync(join(tmpdir(), 'provisioning-'));
  dirs.push(dataDir);
  const secrets = new SecretBox(randomBytes(32));
  const drivers = createDriverRegistry();
  let conductor: Conductor | undefined;
  const p = createProvisioning({ db: store.db, drivers, conductor: () => conductor!, secrets, log: silentLogger(), dataDir, apiUrl: () => 'http://10.9.9.1:7070/baremetal' });
  for (const i of p.interfaces) drivers.registerInterface(i);
  const runner = new TaskRunner(new TaskStore(store), { leaseMs: 2000, pollMs: 20, log: silentLogger() });
  conductor = new Conductor({ store, tasks: runner, secrets, drivers, log: silentLogger() }, { name: 'c1', powerSyncIntervalMs: 0, retryDelayMs: 20, lockRetryAttempts: 0 });
  await conductor.init();
  runner.start();
  const node = await tables.nodes.insert(
    store.db,
    nodeRecord({
      name: 'rd-0',
      boot_interface: 'ipxe',
      deploy_interface: 'ramdisk',
      driver_info: { deploy_kernel: 'http://10.9.9.1:7070/baremetal/boot/images/k', deploy_ramdisk: 'http://10.9.9.1:7070/baremetal/boot/images/r' },
      instance_info: { kernel: 'http://10.9.9.1:7070/baremetal/boot/images/k', ramdisk: 'http://10.9.9.1:7070/baremetal/boot/images/r' },
    }),
  );
  const now = Date.now();
  await tables.ports.insert(store.db, { uuid: randomUUID(), address: MAC, node_id: node.id, portgroup_id: null, extra: {}, local_link_connection: {}, pxe_enabled: true, internal_info: {}, physical_network: null, is_smartnic: false, created_at: now, updated_at: null });
  const read = async () => (await tables.nodes.byUuid(store.db, node.uuid))!;
  const until = async (check: (n: NodeRecord) => boolean) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const n = await read();
      if (check(n)) return n;
      if (Date.now() > deadline) throw new Error(`node is ${n.provision_state} (reservation ${n.reservation}, last_error ${n.last_error})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { p, conductor, runner, node, read, until, secrets, stop: async () => (await runner.stop(), await conductor!.stop()) };
}

const status = async (f: () => Promise<unknown>) => {
  try {
    await f();
    return 200;
  } catch (e) {
    assert.ok(e instanceof StrataError, String(e));
    return e.status;
  }
};

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`provisioning on ${kind}`, () => {
    test('deploy waits for the agent; lookup + heartbeat take the node to active through the conductor', async () => {
      const s = await setup(await stores[kind]());
      try {
        assert.equal(await status(() => s.p.agent.lookup({ addresses: MAC }, V)), 404, 'no lookup while available');
        await s.conductor.requestProvision(s.node, { verb: 'deploy', minor: V });
        const waiting = await s.until((n) => n.provision_state === 'wait call-back' && !n.reservation);
        assert.equal(waiting.driver_internal_info[BOOTED_KEY], true);
        assert.match(s.p.bootStore.read(s.node.uuid)!, /ipa-api-url=http:\/\/10\.9\.9\.1:7070\/baremetal root=\/dev\/ram0/);

        const looked = await s.p.agent.lookup({ addresses: MAC.toUpperCase() }, V);
        assert.equal(looked.node.uuid, s.node.uuid);
        const token = looked.config.agent_token as string;
        const sealed = (await s.read()).driver_internal_info.agent_secret_token as string;
        assert.ok(SecretBox.isSealed(sealed) && s.secrets.open(sealed) === token, 'the token is stored sealed');

        const hb = { callback_url: 'http://10.9.9.50:9999', agent_version: '1.0.0' };
        assert.equal(await status(() => s.p.agent.heartbeat(s.node.uuid, { ...hb, agent_token: 'nope' }, V)), 400);
        assert.equal((await s.read()).provision_state, 'wait call-back');
        await s.p.agent.heartbeat('rd-0', { ...hb, agent_token: token }, V);
        const active = await s.until((n) => n.provision_state === 'active' && !n.reservation);
        assert.equal(active.last_error, null);
        assert.equal(active.driver_internal_info.agent_version, '1.0.0');
        assert.equal(typeof active.driver_internal_info.agent_last_heartbeat, 'number');
        for (const k of ['agent_secret_token', 'agent_url', BOOTED_KEY]) assert.equal(active.driver_internal_info[k], undefined, k);

        // Active: no more lookups; the old token is worthless.
        assert.equal(await status(() => s.p.agent.lookup({ addresses: MAC }, V)), 404);
        assert.equal(await status(() => s.p.agent.heartbeat(s.node.uuid, { ...hb, agent_token: token }, V)), 400);
      } finally {
        await s.stop();
      }
    });

    test('a locked node answers lookups with 409 and gets no token; heartbeats of a node nobody waits for change nothing', async () => {
      const s = await setup(await stores[kind]());
      try {
        const db = s.conductor.db;
        // Locked first (so no periodic fails it midway), then along the table: available → manageable → cleaning → clean wait.
        const move = async (...events: ProvisionEvent[]) => {
          for (const provision of events) await writeNode(db, await s.read(), { provision });
        };
        await tables.nodes.update(db, s.node.id, { reservation: 'someone' });
        await move('manage', 'provide', 'wait');
        assert.equal(await status(() => s.p.agent.lookup({ addresses: MAC }, V)), 409);
        assert.equal((await s.read()).driver_internal_info.agent_secret_token, undefined);
        await tables.nodes.update(db, s.node.id, { reservation: null });
        const token = (await s.p.agent.lookup({ node_uuid: s.node.uuid }, V)).config.agent_token as string;
        await tables.nodes.update(db, s.node.id, { reservation: 'someone' });
        await move('resume');
        const before = await s.read();
        await s.p.agent.heartbeat(s.node.uuid, { callback_url: 'http://10.9.9.50:9999', agent_version: '1.0.0', agent_token: token }, V);
        const after_ = await s.read();
        assert.equal(after_.provision_state, 'cleaning');
        assert.equal(after_.driver_internal_info.agent_url, undefined, 'a locked node is not written');
        assert.equal(after_.updated_at, before.updated_at);
      } finally {
        await s.stop();
      }
    });
  });
}
