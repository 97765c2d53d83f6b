/**
 * The `direct` deploy interface (Ironic's AgentDeploy): boot the deploy
 * ramdisk, have its agent write a whole-disk image onto the node's disk
 * (checking the image's hash), then boot the disk.
 *
 * Ironic runs this as deploy steps (deploy 100, write_image 80,
 * prepare_instance_boot 60, tear_down_agent 40, switch_to_tenant_network
 * 30, boot_instance 20) over several heartbeats. Here deploy() is the
 * re-entrant core step the conductor calls again after each heartbeat that
 * resumes the node; where it stands is kept in driver_internal_info:
 *
 *   (none)   → prepare the ramdisk boot, power on          → wait
 *   booting  → the agent called back: start write_image    → wait
 *   writing  → still running                               → wait
 *            → done: boot from disk, power cycle            → done
 *
 * Only raw images (the in-ramdisk agent has no qemu-img); no config drive
 * partition yet (a given configdrive is ignored with a warning); no in-band
 * cleaning (the agent offers no clean steps).
 */
import {
  DriverError,
  nodeLabel,
  type ComposedDriver,
  type DriverContext,
  type DriverNode,
} from '../drivers/index.js';
import { commandError, type AgentClient, type AgentTarget, type CommandResult } from '../agent/client.js';
import type { DeployStep } from '../agent/steps.js';
import { wipeAgentSession } from '../agent/token.js';
import type { SteppedDeployInterface } from './ramdisk.js';
import { agentDeployBase } from './agent-deploy-base.js';

/** Where a direct deployment stands, in driver_internal_info. */
export const DIRECT_PHASE_KEY = 'direct_deploy_phase';

export const DIRECT_DEPLOY_STEPS: readonly DeployStep[] = [
  { interface: 'deploy', step: 'deploy', priority: 100, argsinfo: null },
  { interface: 'deploy', step: 'write_image', priority: 80, argsinfo: null },
  { interface: 'deploy', step: 'prepare_instance_boot', priority: 60, argsinfo: null },
  { interface: 'deploy', step: 'tear_down_agent', priority: 40, argsinfo: null },
  { interface: 'deploy', step: 'switch_to_tenant_network', priority: 30, argsinfo: null },
  { interface: 'deploy', step: 'boot_instance', priority: 20, argsinfo: null },
];

const HASH_LENGTHS: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

export interface ImageInfo {
  id: string;
  urls: string[];
  os_hash_algo: string;
  os_hash_value: string;
  disk_format: 'raw';
  image_type: 'whole-disk-image';
}

/** The image the agent writes, from instance_info (image_source, image_os_hash_algo/value or image_checksum, image_disk_format). */
export function imageInfo(node: DriverNode): ImageInfo {
  const ii = node.instance_info ?? {};
  const label = nodeLabel(node);
  const bad = (key: string, why: string) => new DriverError('invalid-parameter', `Invalid value for instance_info/${key} on node ${label}: ${why}`, { details: { key } });
  const source = ii.image_source;
  if (typeof source !== 'string' || source.trim() === '') {
    throw new DriverError('missing-parameter', `Missing the following instance_info properties on node ${label}: image_source`, { details: { keys: ['image_source'] } });
  }
  let url: URL;
  try {
    url = new URL(source.trim());
  } catch {
    throw bad('image_source', `${JSON.stringify(source)} is not a URL`);
  }
  // The agent reads its command with sed: keep the URL free of JSON escapes.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || /["\\\s]/.test(url.href)) throw bad('image_source', `${JSON.stringify(source)} must be an http(s) URL the agent can download`);
  const format = ii.image_disk_format;
  if (format !== undefined && format !== null && format !== '' && format !== 'raw') throw bad('image_disk_format', `"${String(format)}": Strata's agent writes raw whole-disk images only`);
  let algo: string;
  let value: string;
  if (ii.image_os_hash_algo !== undefined || ii.image_os_hash_value !== undefined) {
    algo = String(ii.image_os_hash_algo ?? '').toLowerCase();
    value = String(ii.image_os_hash_value ?? '').toLowerCase();
    if (!(algo in HASH_LENGTHS)) throw bad('image_os_hash_algo', `"${algo}" is not one of ${Object.keys(HASH_LENGTHS).join(', ')}`);
  } else if (typeof ii.image_checksum === 'string' && ii.image_checksum !== '') {
    value = ii.image_checksum.toLowerCase();
    algo = Object.entries(HASH_LENGTHS).find(([, n]) => n === value.length)?.[0] ?? '';
    if (!algo) throw bad('image_checksum', 'expected an md5, sha1, sha256 or sha512 hex digest');
  } else {
    throw new DriverError('missing-parameter', `Missing the following instance_info properties on node ${label}: image_os_hash_value (or image_checksum)`, { details: { keys: ['image_os_hash_value'] } });
  }
  if (!new RegExp(`^[0-9a-f]{${HASH_LENGTHS[algo]}}$`).test(value)) throw bad('image_os_hash_value', `not a ${algo} hex digest`);
  return { id: url.pathname.split('/').pop() || url.href, urls: [url.href], os_hash_algo: algo, os_hash_value: value, disk_format: 'raw', image_type: 'whole-disk-image' };
}

export interface DirectDeployOptions {
  driverFor(node: DriverNode): ComposedDriver;
  /** The Ironic-compatible API as nodes reach it: the ramdisk's ipa-api-url. */
  apiUrl(): string;
  agent: Pick<AgentClient, 'executeDeployStep' | 'lastCommandStatus' | 'powerOff'>;
  powerTimeoutMs?: number;
}

export function createDirectDeploy(opts: DirectDeployOptions): SteppedDeployInterface {
  const { drv, internal, power, tearDownInstance, shared } = agentDeployBase('direct', opts);
  const target = (ctx: DriverContext) => ctx.node as unknown as AgentTarget & Record<string, unknown>;

  const failedStep = (ctx: DriverContext, r: CommandResult) =>
    new Error(`Deploy step deploy.write_image failed on node ${nodeLabel(ctx.node)}: ${commandError(r)}`);

  /** prepare_instance_boot, tear_down_agent, switch_to_tenant_network, boot_instance. */
  const finish = async (ctx: DriverContext) => {
    const d = drv(ctx);
    await d.boot.cleanUpRamdisk(ctx);
    await d.boot.prepareInstance(ctx);
    // Ask the agent to shut down cleanly first; the BMC makes sure.
    await opts.agent.powerOff(target(ctx)).catch((err: unknown) => ctx.log?.warn('the agent did not power off; using the BMC', { node: ctx.node.uuid, error: String(err) }));
    await power(ctx, 'power off');
    await d.network.removeProvisioningNetwork(ctx);
    await d.network.configureTenantNetworks(ctx);
    await power(ctx, 'power on');
    const dii = internal(ctx);
    delete dii[DIRECT_PHASE_KEY];
    wipeAgentSession(dii);
    dii.is_whole_disk_image = true;
    ctx.log?.info('image written; the node boots from its disk', { node: ctx.node.uuid });
    return 'done' as const;
  };

  return {
    kind: 'deploy',
    name: 'direct',
    properties: () => ({}),
    async validate(ctx) {
      await drv(ctx).boot.validate(ctx);
      imageInfo(ctx.node);
    },
    async getDeploySteps() {
      return DIRECT_DEPLOY_STEPS.map((s) => ({ ...s }));
    },
    async prepare(ctx) {
      const state = ctx.node.provision_state;
      if (state === 'deploying') {
        const dii = internal(ctx);
        delete dii[DIRECT_PHASE_KEY];
        wipeAgentSession(dii);
        const d = drv(ctx);
        await d.network.validate(ctx);
        await power(ctx, 'power off');
        await d.network.unconfigureTenantNetworks(ctx);
        await d.network.addProvisioningNetwork(ctx);
      } else if (state === 'active') {
        await drv(ctx).boot.prepareInstance(ctx);
      }
    },
    async deploy(ctx) {
      const dii = internal(ctx);
      const phase = dii[DIRECT_PHASE_KEY];
      if (phase === undefined) {
        imageInfo(ctx.node);
        if (ctx.node.instance_info?.configdrive) ctx.log?.warn('a configuration drive was given; Strata\'s agent does not write one yet, it is ignored', { node: ctx.node.uuid });
        await drv(ctx).boot.prepareRamdisk(ctx, { 'ipa-api-url': opts.apiUrl() });
        await power(ctx, 'power on');
        dii[DIRECT_PHASE_KEY] = 'booting';
        return 'wait';
      }
      if (phase === 'booting') {
        const started = await opts.agent.executeDeployStep(
          { interface: 'deploy', step: 'write_image', priority: 80, args: { image_info: imageInfo(ctx.node) } },
          target(ctx),
          [],
        );
        if (started.command_status === 'FAILED') throw failedStep(ctx, started);
        dii[DIRECT_PHASE_KEY] = 'writing';
        if (started.command_status === 'RUNNING') return 'wait';
        return finish(ctx);
      }
      if (phase === 'writing') {
        const last = await opts.agent.lastCommandStatus(target(ctx), 'deploy.execute_deploy_step');
        if (!last) throw new Error(`The agent of node ${nodeLabel(ctx.node)} has no record of write_image: did it restart?`);
        if (last.command_status === 'RUNNING') return 'wait';
        if (last.command_status !== 'SUCCEEDED') throw failedStep(ctx, last);
        return finish(ctx);
      }
      throw new Error(`node ${nodeLabel(ctx.node)}: unknown ${DIRECT_PHASE_KEY} ${JSON.stringify(phase)}`);
    },
    async tearDown(ctx) {
      await tearDownInstance(ctx, [DIRECT_PHASE_KEY, 'is_whole_disk_image']);
    },
    async cleanUp(ctx) {
      const d = drv(ctx);
      await d.boot.cleanUpRamdisk(ctx);
      await d.boot.cleanUpInstance(ctx);
      await d.network.removeProvisioningNetwork(ctx);
    },
    ...shared,
  };
}
