/**
 * What the agent-driven deploy interfaces (`ramdisk`, `direct`) share, as
 * Ironic's AgentBaseMixin does: driver helpers, a heartbeat resumes a node
 * waiting for its call-back, a takeover re-prepares an active node's boot,
 * tearing an instance down, and no in-band cleaning (the agent offers no
 * clean steps).
 */
import { DriverError, nodeLabel, type ComposedDriver, type DeployInterface, type DriverContext, type DriverNode } from '../drivers/index.js';
import { wipeAgentSession } from '../agent/token.js';

export function agentDeployBase(name: string, opts: { driverFor(node: DriverNode): ComposedDriver; powerTimeoutMs?: number }) {
  const drv = (ctx: DriverContext) => opts.driverFor(ctx.node);
  const internal = (ctx: DriverContext) => (ctx.node.driver_internal_info ??= {});
  const power = (ctx: DriverContext, target: 'power on' | 'power off') => drv(ctx).power.setPowerState(ctx, target, { timeoutMs: opts.powerTimeoutMs });

  /** Forgets the deployment's progress keys and agent session, powers off, and undoes the instance's networks and boot. */
  const tearDownInstance = async (ctx: DriverContext, progressKeys: readonly string[]) => {
    const dii = internal(ctx);
    for (const k of progressKeys) delete dii[k];
    wipeAgentSession(dii);
    await power(ctx, 'power off');
    await drv(ctx).network.unconfigureTenantNetworks(ctx);
    await drv(ctx).boot.cleanUpInstance(ctx);
  };

  const shared: Pick<DeployInterface, 'heartbeat' | 'takeOver' | 'prepareCleaning' | 'tearDownCleaning' | 'getCleanSteps' | 'executeCleanStep'> = {
    async heartbeat(ctx) {
      return ctx.node.provision_state === 'wait call-back' ? 'resume' : null;
    },
    async takeOver(ctx) {
      if (ctx.node.provision_state === 'active') await drv(ctx).boot.prepareInstance(ctx);
    },
    async prepareCleaning() {
      return 'done';
    },
    async tearDownCleaning(ctx) {
      await drv(ctx).boot.cleanUpRamdisk(ctx);
    },
    async getCleanSteps() {
      return [];
    },
    async executeCleanStep(ctx, step) {
      throw new DriverError('unsupported', `The ${name} deploy of node ${nodeLabel(ctx.node)} has no clean step ${step.interface}.${step.step}`);
    },
  };
  return { drv, internal, power, tearDownInstance, shared };
}
