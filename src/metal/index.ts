/**
 * The metal module: bare-metal nodes with an Ironic-compatible API at
 * /baremetal, a conductor that runs every provision and power action as a
 * durable task under the node's reservation, and the drivers that reach the
 * BMCs (fake-hardware, ipmi, redfish).
 */
import type { PciDeviceReport } from './agent/ports.js';
import { faults, type StrataModule } from '../core/index.js';
import { provisionSpec } from './states/index.js';
import { powerSpec } from './states/index.js';
import { metalMigrations } from './db/index.js';
import { Conductor } from './conductor/conductor.js';
import { chooseConductorName } from './conductor/identity.js';
import { parseMetalOptions } from './conductor/settings.js';
import { DEFAULT_CONDUCTOR_OPTIONS } from './conductor/options.js';
import { createDriverRegistry } from './drivers/index.js';
import { baremetalApi, type Routes } from './api/index.js';
import { createProvisioning } from './deploy/index.js';
import { MetalPools } from './pools.js';

export const METAL_API_PREFIX = '/baremetal';
/** The name other modules (and later metal components) get the conductor by: `ctx.services.get<Conductor>(CONDUCTOR_SERVICE)`. */
export const CONDUCTOR_SERVICE = 'metal.conductor';
/** Pools of nodes by resource class, for other modules (the gate's metal labels): `ctx.services.maybe<MetalPools>(POOLS_SERVICE)`. */
export const POOLS_SERVICE = 'metal.pools';

/** What metal tells the accel module, when it runs (structural: metal imports no other module). */
interface AccelHooks {
  syncNode(hostname: string, pci: PciDeviceReport[]): Promise<unknown>;
  retireHost(hostname: string): Promise<unknown>;
}

export const metal: StrataModule = {
  name: 'metal',
  migrations: metalMigrations,
  machines: [provisionSpec, powerSpec],
  async create(ctx) {
    const settings = parseMetalOptions(ctx.config.options);
    const drivers = createDriverRegistry(settings.fakeDelay === undefined ? {} : { fake: { delays: { deploy: settings.fakeDelay, boot: settings.fakeDelay } } });
    // Network boot and the agent: the ipxe boot and ramdisk/direct deploy interfaces join the
    // registry before the conductor reads it; their routes (lookup, heartbeat, boot scripts and
    // images) go under /baremetal with Ironic's negotiation and errors.
    let conductor: Conductor | undefined;
    const accel = () => ctx.services.maybe<AccelHooks>('accel');
    const provisioning = createProvisioning({
      db: ctx.store.db,
      drivers,
      conductor: () => conductor!,
      secrets: ctx.secrets,
      log: ctx.log.child({ component: 'provisioning' }),
      dataDir: ctx.config.dataDir,
      apiUrl: () => settings.publicUrl ?? `${ctx.url()}${METAL_API_PREFIX}`,
      options: { powerTimeoutMs: settings.conductor.powerTimeoutMs, kernelAppendParams: settings.kernelAppendParams },
      // accel is created after metal: ask for it when a report comes
      onInventory: async (uuid, name, pci) => void (await accel()?.syncNode(name ?? uuid, pci)),
    });
    for (const i of provisioning.interfaces) drivers.registerInterface(i);
    const extensions: Routes[] = [provisioning.routes];

    const heartbeatTimeoutMs = settings.conductor.heartbeatTimeoutMs ?? DEFAULT_CONDUCTOR_OPTIONS.heartbeatTimeoutMs;
    const name = await chooseConductorName(ctx.store.db, settings.conductor.name!, heartbeatTimeoutMs);
    const c = new Conductor({ store: ctx.store, tasks: ctx.tasks, secrets: ctx.secrets, drivers, log: ctx.log.child({ conductor: name }), faults: faults(ctx.services, ctx.log) }, { ...settings.conductor, name });
    conductor = c;
    await c.init();
    ctx.services.provide(CONDUCTOR_SERVICE, c);
    ctx.services.provide(POOLS_SERVICE, new MetalPools(c, ctx.store.db));
    return {
      mounts: [{ prefix: METAL_API_PREFIX, plugin: baremetalApi({ conductor: c, drivers, db: ctx.store.db, dialect: ctx.store.dialect, maxLimit: settings.maxLimit, prefix: METAL_API_PREFIX, onNodeDeleted: async (uuid, name) => void (await accel()?.retireHost(name ?? uuid)) }, extensions) }],
      async start() {
        c.start();
      },
      async stop() {
        await c.stop();
      },
    };
  },
};

export { Conductor } from './conductor/conductor.js';
export { MetalPools, type ClaimedNode } from './pools.js';
export type { ConductorOptions } from './conductor/options.js';
export type { Routes as MetalApiRoutes, ApiDeps as MetalApiDeps } from './api/index.js';
