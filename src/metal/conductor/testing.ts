/** Test support for the conductor (never imported by production code). */
import { randomBytes, randomUUID } from 'node:crypto';
import { SecretBox, silentLogger, TaskRunner, TaskStore, type Store } from '../../core/index.js';
import { createDriverRegistry, type DriverRegistry, type DriverRegistryOptions } from '../drivers/index.js';
import { nodes } from '../db/tables.js';
import type { NodeRecord } from '../db/records.js';
import { Conductor } from './conductor.js';
import type { ConductorOptions } from './options.js';

/** A node record with defaults, for inserting straight into the store. */
export function nodeRecord(overrides: Partial<NodeRecord> = {}): Omit<NodeRecord, 'id'> {
  const now = Date.now();
  return {
    uuid: randomUUID(),
    name: null,
    driver: 'fake-hardware',
    driver_info: {},
    driver_internal_info: {},
    instance_info: {},
    instance_uuid: null,
    properties: {},
    extra: {},
    chassis_id: null,
    power_state: null,
    target_power_state: null,
    provision_state: 'enroll',
    target_provision_state: null,
    provision_updated_at: now,
    last_error: null,
    maintenance: false,
    maintenance_reason: null,
    fault: null,
    reservation: null,
    task_id: null,
    conductor_group: '',
    console_enabled: false,
    inspection_started_at: null,
    inspection_finished_at: null,
    clean_step: null,
    deploy_step: null,
    raid_config: null,
    target_raid_config: null,
    resource_class: null,
    automated_clean: null,
    protected: false,
    protected_reason: null,
    owner: null,
    lessee: null,
    description: null,
    allocation_id: null,
    retired: false,
    retired_reason: null,
    network_data: null,
    boot_mode: null,
    secure_boot: null,
    bios_interface: null,
    boot_interface: null,
    console_interface: null,
    deploy_interface: null,
    inspect_interface: null,
    management_interface: null,
    network_interface: null,
    power_interface: null,
    raid_interface: null,
    rescue_interface: null,
    storage_interface: null,
    vendor_interface: null,
    created_at: now,
    updated_at: null,
    ...overrides,
  };
}

export interface TestConductor {
  conductor: Conductor;
  runner: TaskRunner;
  drivers: DriverRegistry;
  secrets: SecretBox;
  addNode(overrides?: Partial<NodeRecord>): Promise<NodeRecord>;
  node(uuid: string): Promise<NodeRecord>;
  /** Polls until `check` holds for the node. */
  until(uuid: string, check: (n: NodeRecord) => boolean, timeoutMs?: number): Promise<NodeRecord>;
  stop(): Promise<void>;
}

/** A conductor on a migrated store with fast intervals; its runner is started unless `start: false`. */
export async function testConductor(
  store: Store,
  opts: Partial<ConductorOptions> & { drivers?: DriverRegistryOptions; start?: boolean; leaseMs?: number; secrets?: SecretBox } = {},
): Promise<TestConductor> {
  const { drivers: driverOpts, start = true, leaseMs = 2000, secrets: givenSecrets, ...conductorOpts } = opts;
  const secrets = givenSecrets ?? new SecretBox(randomBytes(32));
  const drivers = createDriverRegistry(driverOpts ?? {});
  const runner = new TaskRunner(new TaskStore(store), { leaseMs, pollMs: 20, log: silentLogger() });
  const conductor = new Conductor(
    { store, tasks: runner, secrets, drivers, log: silentLogger() },
    { name: 'test-conductor', lockRetryAttempts: 0, lockRetryIntervalMs: 10, retryDelayMs: 20, powerSyncIntervalMs: 0, ...conductorOpts },
  );
  await conductor.init();
  if (start) runner.start();
  const node = async (uuid: string) => (await nodes.byUuid(store.db, uuid))!;
  return {
    conductor,
    runner,
    drivers,
    secrets,
    addNode: (o = {}) => nodes.insert(store.db, nodeRecord(o)),
    node,
    async until(uuid, check, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const n = await node(uuid);
        if (check(n)) return n;
        if (Date.now() > deadline) throw new Error(`node ${uuid} did not get there in time: ${n.provision_state}/${n.target_provision_state} reservation=${n.reservation} last_error=${n.last_error}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      await runner.stop();
      await conductor.stop();
    },
  };
}
