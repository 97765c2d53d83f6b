/**
 * The accelerator inventory: devices and deployables found on hosts (local
 * discovery, a metal node's inspection), and the operator attributes set on
 * deployables. The request side (profiles, ARQs, binding) builds on it in
 * service.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConflictError, InvalidInputError, type Logger } from '../core/index.js';
import { discoverAll, type DriverEnv, type AccelDriver } from './drivers/index.js';
import { describeFunction } from './drivers/pci/pci-driver.js';
import { isAcceleratorClass } from './drivers/pci/sysfs.js';
import { syncHost, type SyncReport } from './inventory.js';
import { operatorAttributes } from './binding-queries.js';
import { toDeployable, toDevice } from './db/rows.js';
import { noSuch } from './errors.js';
import type { Deployable, Device, DiscoveredDevice } from './model.js';

const SHARING_KEY = 'sharing.max_clients';

export interface InventoryOptions {
  drivers: AccelDriver[];
  env: DriverEnv;
  /** this server's host name: the hostname of what local discovery finds */
  hostname: string;
}

export class AccelInventory {
  constructor(
    protected readonly db: Kysely<any>,
    protected readonly log: Logger,
    readonly opts: InventoryOptions,
  ) {}

  /** Discovers this host's devices with the enabled drivers and records them. */
  async discover(): Promise<SyncReport & { failures: { driver: string; error: string }[] }> {
    const { devices, failures } = await discoverAll(this.opts.drivers, this.opts.env);
    for (const f of failures) this.log.warn({ driver: f.driver, error: f.error }, 'accelerator discovery: a driver failed; its devices are kept as they were');
    const report = await this.syncHost(this.opts.hostname, devices, failures.map((f) => f.driver));
    return { ...report, failures };
  }

  /** Records what was found on a host (this one, or a metal node's inspection). */
  async syncHost(hostname: string, devices: DiscoveredDevice[], failedDrivers: string[] = []): Promise<SyncReport> {
    const report = await syncHost(this.db, hostname, devices, failedDrivers);
    for (const [what, list] of Object.entries(report)) if (list.length) this.log.info({ hostname, [what]: list }, `accelerator devices ${what}`);
    return report;
  }

  /**
   * A bare-metal node's PCI functions, as its agent reported them
   * (ironic-python-agent's pci-devices format): its accelerators become
   * devices with hostname = the node, reached by PCI address.
   */
  async syncNode(hostname: string, pci: { bus: string; vendor_id: string; product_id: string; class: string; numa_node?: number }[]): Promise<SyncReport> {
    const hex = (v: string) => `0x${v.replace(/^0x/i, '').toLowerCase()}`;
    const fns = pci
      .map((p) => ({ address: p.bus.toLowerCase(), vendor: hex(p.vendor_id), device: hex(p.product_id), classId: hex(p.class.padStart(6, '0')), numaNode: p.numa_node !== undefined && p.numa_node >= 0 ? p.numa_node : undefined, drm: [], path: '' }))
      .filter((f) => isAcceleratorClass(f.classId));
    return this.syncHost(hostname, fns.map((f) => describeFunction(f, '/dev', 'pci')));
  }

  async listDevices(filter: { hostname?: string; type?: string; vendor?: string; status?: string } = {}): Promise<Device[]> {
    let q = this.db.selectFrom('accel_devices').selectAll().orderBy('hostname').orderBy('address');
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) q = q.where(k, '=', v);
    return (await q.execute()).map(toDevice);
  }

  async getDevice(uuid: string): Promise<Device> {
    const r = await this.db.selectFrom('accel_devices').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw noSuch('device', uuid);
    return toDevice(r);
  }

  async setDeviceStatus(uuid: string, status: 'enabled' | 'disabled'): Promise<Device> {
    await this.getDevice(uuid);
    await this.db.updateTable('accel_devices').set({ status, updated_at: Date.now() }).where('uuid', '=', uuid).execute();
    return this.getDevice(uuid);
  }

  async listDeployables(filter: { hostname?: string; device?: string; resourceClass?: string } = {}): Promise<Deployable[]> {
    let q = this.db.selectFrom('accel_deployables').selectAll().orderBy('hostname').orderBy('name');
    if (filter.hostname) q = q.where('hostname', '=', filter.hostname);
    if (filter.device) q = q.where('device_uuid', '=', filter.device);
    if (filter.resourceClass) q = q.where('resource_class', '=', filter.resourceClass);
    const rows = await q.execute();
    const extra = await operatorAttributes(this.db);
    return rows.map((r: any) => toDeployable(r, extra.get(r.uuid)));
  }

  async getDeployable(uuid: string, db: Kysely<any> = this.db): Promise<Deployable> {
    const r = await db.selectFrom('accel_deployables').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw noSuch('deployable', uuid);
    const extra = await operatorAttributes(db, [uuid]);
    return toDeployable(r, extra.get(uuid));
  }

  // ------------------------------------------------------------ attributes

  async listAttributes(filter: { deployableId?: string } = {}): Promise<any[]> {
    let q = this.db.selectFrom('accel_attributes').selectAll().orderBy('deployable_uuid').orderBy('key');
    if (filter.deployableId) q = q.where('deployable_uuid', '=', filter.deployableId);
    return q.execute();
  }

  /** Sets an operator attribute; `sharing.max_clients` also sets how many requests one accelerator serves. */
  async setAttribute(deployableUuid: string, key: string, value: string): Promise<any> {
    if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(key)) throw new InvalidInputError(`attribute key "${key}" must be 1–64 lower-case letters, digits, "_", "." or "-"`);
    if (typeof value !== 'string' || value.length > 255) throw new InvalidInputError('attribute value must be a string of at most 255 characters');
    const dep = await this.getDeployable(deployableUuid);
    let maxClients: number | undefined;
    if (key === SHARING_KEY) {
      maxClients = Number(value);
      if (!/^\d+$/.test(value) || maxClients < 1 || maxClients > 64) throw new InvalidInputError(`${SHARING_KEY} must be a whole number from 1 to 64`);
      if (dep.used > dep.numAccelerators * maxClients) throw new ConflictError(`deployable ${dep.uuid} serves ${dep.used} requests now; ${SHARING_KEY}=${value} would leave too few places`);
    }
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('accel_attributes').select('uuid').where('deployable_uuid', '=', deployableUuid).where('key', '=', key).executeTakeFirst();
      if (existing) await trx.updateTable('accel_attributes').set({ value, updated_at: now }).where('uuid', '=', (existing as any).uuid).execute();
      else await trx.insertInto('accel_attributes').values({ uuid: randomUUID(), deployable_uuid: deployableUuid, key, value, created_at: now, updated_at: now }).execute();
      if (maxClients !== undefined) await trx.updateTable('accel_deployables').set({ max_clients: maxClients, updated_at: now }).where('uuid', '=', deployableUuid).execute();
    });
    return trxAttribute(this.db, deployableUuid, key);
  }

  async deleteAttribute(uuid: string): Promise<void> {
    const r: any = await this.db.selectFrom('accel_attributes').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw noSuch('attribute', uuid);
    await this.db.deleteFrom('accel_attributes').where('uuid', '=', uuid).execute();
    if (r.key === SHARING_KEY) await this.db.updateTable('accel_deployables').set({ max_clients: 1 }).where('uuid', '=', r.deployable_uuid).execute();
  }
}

async function trxAttribute(db: Kysely<any>, deployableUuid: string, key: string): Promise<any> {
  return db.selectFrom('accel_attributes').selectAll().where('deployable_uuid', '=', deployableUuid).where('key', '=', key).executeTakeFirstOrThrow();
}

