/**
 * Network boot and the agent, wired for the metal module: the `ipxe` boot
 * and `ramdisk` / `direct` deploy interfaces to register with the driver registry, the
 * routes to add to the Ironic-compatible API (lookup, heartbeat, boot
 * scripts, boot images), and the conductor→agent client. The module calls
 * createProvisioning once and hands the pieces to the registry and the API.
 */
import type { PciDeviceReport } from '../agent/ports.js';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger, SecretBox } from '../../core/index.js';
import type { Conductor } from '../conductor/index.js';
import type { AnyInterface, DriverRegistry } from '../drivers/index.js';
import { AgentClient, AgentService, agentRoutes, ConductorHeartbeatReceiver, DbAgentNodeStore, type AgentClientOptions, type AgentConfig } from '../agent/index.js';
import { BootImages, bootRoutes, createIpxeBoot, HttpBootStore } from '../boot/index.js';
import { createRamdiskDeploy } from './ramdisk.js';
import { createDirectDeploy } from './direct.js';

export interface ProvisioningOptions {
  /** Where prepared boot scripts live (default <dataDir>/metal/httpboot). */
  httpBootDir?: string;
  /** The kernels and ramdisks served at /baremetal/boot/images/ (default <dataDir>/metal/boot-images). */
  bootImagesDir?: string;
  /** Kernel parameters for every ramdisk unless a node's driver_info says otherwise. */
  kernelAppendParams?: string;
  /** iPXE's per-download timeout. */
  downloadTimeoutMs?: number;
  /** How long a power action may take (the conductor's power_state_change_timeout). */
  powerTimeoutMs?: number;
  agent?: Partial<AgentConfig>;
  agentClient?: AgentClientOptions;
}

export interface ProvisioningDeps {
  /** told each machine's PCI functions when its agent reports them (the accel module listens) */
  onInventory?: InventoryHook;
  db: Kysely<any>;
  drivers: DriverRegistry;
  /** The conductor, once created (it needs the registry these interfaces join). */
  conductor: () => Pick<Conductor, 'resume' | 'driverFor'>;
  secrets: SecretBox;
  log: Logger;
  dataDir: string;
  /** The Ironic-compatible API as the nodes reach it, e.g. http://10.0.0.1:7070/baremetal (ipa-api-url). */
  apiUrl: () => string;
  options?: ProvisioningOptions;
}

export interface Provisioning {
  /** Register each with the DriverRegistry. */
  interfaces: AnyInterface[];
  /** Add to the API's extensions: registers lookup, heartbeat and /boot/… in an encapsulated child. */
  routes: (app: FastifyInstance) => void;
  agent: AgentService;
  agentClient: AgentClient;
  bootStore: HttpBootStore;
  bootImages: BootImages;
}

export type InventoryHook = (nodeUuid: string, nodeName: string | null, pci: PciDeviceReport[]) => Promise<void>;

export function createProvisioning(deps: ProvisioningDeps): Provisioning {
  const o = deps.options ?? {};
  const bootStore = new HttpBootStore(o.httpBootDir ?? join(deps.dataDir, 'metal', 'httpboot'));
  const bootImages = new BootImages(o.bootImagesDir ?? join(deps.dataDir, 'metal', 'boot-images'));
  const nodes = new DbAgentNodeStore(deps.db);
  const driverFor = (n: Parameters<DriverRegistry['compose']>[0]) => deps.drivers.compose(n);
  const ipxe = createIpxeBoot({ store: bootStore, driverFor, apiUrl: deps.apiUrl, kernelAppendParams: o.kernelAppendParams, downloadTimeoutMs: o.downloadTimeoutMs });
  const ramdisk = createRamdiskDeploy({ driverFor, powerTimeoutMs: o.powerTimeoutMs });
  const agentClient = new AgentClient(deps.secrets, o.agentClient);
  const direct = createDirectDeploy({ driverFor, apiUrl: deps.apiUrl, agent: agentClient, powerTimeoutMs: o.powerTimeoutMs });
  let receiver: ConductorHeartbeatReceiver | undefined;
  const agent = new AgentService(
    {
      nodes,
      receiver: {
        heartbeat: (uuid, hb) => (receiver ??= new ConductorHeartbeatReceiver({ db: deps.db, conductor: deps.conductor(), log: deps.log })).heartbeat(uuid, hb),
        inventory: async (uuid, name, pci) => deps.onInventory?.(uuid, name, pci),
      },
      secrets: deps.secrets,
      log: deps.log,
    },
    o.agent,
  );
  const agentPlugin = agentRoutes(agent);
  const bootPlugin = bootRoutes({ store: bootStore, images: bootImages, nodes });
  return {
    interfaces: [ipxe, ramdisk, direct],
    routes: (app) => {
      void app.register(agentPlugin);
      void app.register(bootPlugin);
    },
    agent,
    agentClient,
    bootStore,
    bootImages,
  };
}
