/**
 * The `ramdisk` deploy interface (Ironic's RamdiskDeploy): the instance is a
 * kernel and ramdisk booted over the network every time; nothing is written
 * to disk. Deploying powers the node off, prepares the instance boot
 * (instance_info kernel/ramdisk) and powers it on.
 *
 * Strata difference: Ironic marks the node active as soon as it powered on;
 * here the deploy waits in `wait call-back` until an agent in the booted
 * ramdisk looks its node up and heartbeats, so `active` means the instance
 * actually came up and reached the API (the boot interface passes
 * ipa-api-url to the instance kernel for that).
 *
 * No in-band cleaning: nothing was written to the node's disks, so cleaning
 * has no steps and does not boot the agent.
 *
 * deploy() is re-entrant: the first call boots the instance and answers
 * `wait`; the call after the agent's heartbeat resumed the node answers
 * `done`. The agent session (token, callback URL) is wiped when a deployment
 * starts and when it ends, so each instance boot gets its own token.
 */
import {
  DriverError,
  nodeLabel,
  type ComposedDriver,
  type DeployInterface,
  type DriverContext,
  type DriverNode,
} from '../drivers/index.js';
import { isRamdiskCapable } from '../boot/ipxe-boot.js';
import type { DeployStep } from '../agent/steps.js';
import { wipeAgentSession } from '../agent/token.js';
import { agentDeployBase } from './agent-deploy-base.js';

/**
 * Set in driver_internal_info when deploy() started the instance and waits
 * for its agent: the conductor calls deploy() again once the heartbeat
 * resumed the node, and that call completes the step.
 */
export const BOOTED_KEY = 'ramdisk_instance_booted';

export interface RamdiskDeployOptions {
  driverFor(node: DriverNode): ComposedDriver;
  /** How long a power action may take to be reported done. */
  powerTimeoutMs?: number;
}

/** A deploy interface that also lists its deploy steps (Ironic's @deploy_step decorators). */
export interface SteppedDeployInterface extends DeployInterface {
  getDeploySteps(ctx: DriverContext): Promise<DeployStep[]>;
}

export function createRamdiskDeploy(opts: RamdiskDeployOptions): SteppedDeployInterface {
  const { drv, internal, power, tearDownInstance, shared } = agentDeployBase('ramdisk', opts);

  const checkInstance = (node: DriverNode) => {
    const ii = node.instance_info ?? {};
    const missing = ['kernel', 'ramdisk'].filter((k) => typeof ii[k] !== 'string' || (ii[k] as string).trim() === '');
    if (missing.length) {
      throw new DriverError('missing-parameter', `Missing the following instance_info properties on node ${nodeLabel(node)}: ${missing.join(', ')} (the ramdisk deploy boots instance_info kernel and ramdisk)`, {
        details: { keys: missing },
      });
    }
  };

  const deploy: SteppedDeployInterface = {
    kind: 'deploy',
    name: 'ramdisk',
    properties: () => ({}),
    async validate(ctx) {
      const boot = drv(ctx).boot;
      if (!isRamdiskCapable(boot)) {
        throw new DriverError('invalid-parameter', `Invalid configuration of node ${nodeLabel(ctx.node)}: the boot interface (${boot.name || 'none'}) must be able to boot a ramdisk instance (ipxe or fake).`);
      }
      await boot.validate(ctx);
      checkInstance(ctx.node);
    },
    async getDeploySteps() {
      return [{ interface: 'deploy', step: 'deploy', priority: 100, argsinfo: null }];
    },
    async prepare(ctx) {
      const state = ctx.node.provision_state;
      if (state === 'deploying') {
        const dii = internal(ctx);
        delete dii[BOOTED_KEY];
        wipeAgentSession(dii);
        await drv(ctx).network.validate(ctx);
        await power(ctx, 'power off');
      } else if (state === 'active' || state === 'unrescuing') {
        // Takeover or unrescue: make the instance bootable again.
        await drv(ctx).boot.prepareInstance(ctx);
      }
    },
    async deploy(ctx) {
      const dii = internal(ctx);
      if (dii[BOOTED_KEY] === true) {
        // Continuation: the instance's agent called back.
        delete dii[BOOTED_KEY];
        wipeAgentSession(dii);
        ctx.log?.info('the ramdisk instance called back; deployment done', { node: ctx.node.uuid });
        return 'done';
      }
      checkInstance(ctx.node);
      if (ctx.node.instance_info?.configdrive) {
        ctx.log?.warn('a configuration drive was given to a ramdisk deployment; it is ignored', { node: ctx.node.uuid });
      }
      const d = drv(ctx);
      await power(ctx, 'power off');
      await d.network.configureTenantNetworks(ctx);
      await d.boot.prepareInstance(ctx);
      await power(ctx, 'power on');
      dii[BOOTED_KEY] = true;
      ctx.log?.info('ramdisk instance booting; waiting for its agent to call back', { node: ctx.node.uuid });
      return 'wait';
    },
    async tearDown(ctx) {
      await tearDownInstance(ctx, [BOOTED_KEY]);
    },
    async cleanUp(ctx) {
      const d = drv(ctx);
      await d.boot.cleanUpRamdisk(ctx);
      await d.boot.cleanUpInstance(ctx);
    },
    // The instance's agent heartbeat completes the one deploy step.
    ...shared,
  };
  return deploy;
}
