/**
 * What the conductor does in each working state, one flow per state. A flow
 * calls the node's driver and answers with the event to fire next (`done`,
 * `wait`, `clean`, `manage`); the task handler fires it through the state
 * table, persists the move and, when the next state is working too (deleting
 * → cleaning), runs that state's flow in the same task. A flow that returns
 * `wait` leaves the node in a waiting state, unlocked, until an external
 * call-back (the agent's heartbeat) continues it with `phase: 'continue'`:
 * flows are re-entrant and keep their progress in driver_internal_info.
 */
import type { CleanStep, ComposedDriver, DriverContext, DriverNode, InspectionResult, BiosSetting } from '../drivers/index.js';
import type { ProvisionEvent, ProvisionState } from '../states/index.js';
import type { Json, NodeRecord } from '../db/records.js';
import type { NodeChanges } from '../db/node-states.js';
import type { PowerState } from '../drivers/types.js';

export interface ProvisionArgs {
  rebuild?: boolean;
  /** An abort task: the waiting state the node was aborted from. */
  abort_from?: ProvisionState;
  configdrive?: unknown;
  clean_steps?: CleanStep[];
  deploy_steps?: Json[];
  disable_ramdisk?: boolean;
}

export interface FlowContext {
  node: NodeRecord;
  dnode: DriverNode;
  driver: ComposedDriver;
  dctx: DriverContext;
  args: ProvisionArgs;
  /** `continue`: the node came back from a waiting state (the agent called back). */
  phase: 'start' | 'continue';
  /** Whether automated cleaning runs for this node (its automated_clean, else the conductor's default). */
  automatedClean: boolean;
  /** Persists fields while the lock is held (driver_internal_info changes are saved with them). */
  save(changes: NodeChanges): Promise<void>;
  /** Inspection: creates a port for each MAC the node does not have yet. */
  addPorts(macs: string[], pxeMacs?: string[]): Promise<void>;
  /** Stores BIOS settings read from the node. */
  cacheBios(settings: BiosSetting[]): Promise<void>;
}

export interface FlowOutcome {
  event: ProvisionEvent;
  changes?: NodeChanges;
  /** Where the flow left the node's power, when it read it. */
  power?: PowerState;
}

export type Flow = (fc: FlowContext) => Promise<FlowOutcome>;

/** Ironic's deploy/clean step descriptions ({interface, step, priority, args}). */
const stepJson = (s: CleanStep): Json => ({ interface: s.interface, step: s.step, priority: s.priority, args: s.args ?? {}, abortable: s.abortable ?? false });

const verify: Flow = async ({ driver, dctx, cacheBios }) => {
  await driver.power.validate(dctx);
  const power_state = await driver.power.getPowerState(dctx);
  // Ironic caches BIOS settings when a node becomes manageable; a node without a BIOS interface simply has none.
  try {
    await cacheBios(await driver.bios.cacheBiosSettings(dctx));
  } catch {
    /* no BIOS interface: nothing to cache */
  }
  return { event: 'done', power: power_state };
};

const deploy: Flow = async ({ driver, dctx, phase, save, args }) => {
  if (phase === 'start') {
    // The requested plan (user steps and deploy templates) for deploy interfaces that run steps.
    if (args.deploy_steps?.length) dctx.node.driver_internal_info!.user_deploy_steps = args.deploy_steps;
    else delete dctx.node.driver_internal_info!.user_deploy_steps;
    await driver.deploy.prepare(dctx);
    await save({ deploy_step: { interface: 'deploy', step: 'deploy', priority: 100, args: {} } });
  }
  const outcome = await driver.deploy.deploy(dctx);
  if (outcome === 'wait') return { event: 'wait' };
  const internal = { ...dctx.node.driver_internal_info };
  delete internal.deploy_steps;
  delete internal.deploy_step_index;
  dctx.node.driver_internal_info = internal;
  return { event: 'done', changes: { deploy_step: null } };
};

const teardown: Flow = async ({ driver, dctx }) => {
  await driver.deploy.tearDown(dctx);
  await driver.deploy.cleanUp(dctx);
  const internal = { ...dctx.node.driver_internal_info };
  for (const k of ['deploy_steps', 'deploy_step_index', 'user_deploy_steps', 'deploy_boot_mode', 'is_whole_disk_image', 'instance']) delete internal[k];
  dctx.node.driver_internal_info = internal;
  // The instance is gone: its association and its instance_info go with it (Ironic's _do_teardown).
  return { event: 'clean', changes: { instance_info: {}, instance_uuid: null, deploy_step: null } };
};

const clean: Flow = async (fc) => {
  const { node, driver, dctx, args, phase, save } = fc;
  const manual = node.target_provision_state === 'manageable';
  const finish: ProvisionEvent = manual ? 'manage' : 'done';
  const internal = dctx.node.driver_internal_info!;
  if (!manual && !fc.automatedClean) return { event: finish, changes: { clean_step: null } };

  if (phase === 'start') {
    delete internal.clean_step_index;
    delete internal.clean_steps;
    if (manual) internal.clean_steps = (args.clean_steps ?? []).map(stepJson);
    if (!(manual && args.disable_ramdisk)) {
      if ((await driver.deploy.prepareCleaning(dctx)) === 'wait') {
        internal.cleaning_prepared = true;
        return { event: 'wait' };
      }
    }
  }
  if (!Array.isArray(internal.clean_steps)) {
    // Automated cleaning: every step the interfaces offer with a priority above zero, highest first.
    const offered = await driver.deploy.getCleanSteps(dctx);
    internal.clean_steps = offered.filter((s) => s.priority > 0).sort((a, b) => b.priority - a.priority).map(stepJson);
  }
  const steps = internal.clean_steps as Json[];
  // clean_step_index is the step last started: a continuation (the agent reported it finished) moves past it.
  let index = typeof internal.clean_step_index === 'number' ? internal.clean_step_index + 1 : 0;
  for (; index < steps.length; index++) {
    const step = steps[index] as unknown as CleanStep;
    internal.clean_step_index = index;
    await save({ clean_step: step as unknown as Json });
    if ((await driver.deploy.executeCleanStep(dctx, step)) === 'wait') return { event: 'wait' };
  }
  if (!(manual && args.disable_ramdisk)) await driver.deploy.tearDownCleaning(dctx);
  delete internal.clean_steps;
  delete internal.clean_step_index;
  delete internal.cleaning_prepared;
  return { event: finish, changes: { clean_step: null } };
};

const inspect: Flow = async ({ node, driver, dctx, addPorts }) => {
  const outcome = await driver.inspect.inspectHardware(dctx);
  if (outcome.event === 'wait') return { event: 'wait' };
  const found = outcome as InspectionResult;
  await addPorts(found.macs, found.pxeMacs);
  const properties: Json = { ...node.properties, ...found.properties };
  return { event: 'done', changes: { properties, inspection_finished_at: Date.now() } };
};

const adopt: Flow = async ({ driver, dctx }) => {
  await driver.power.validate(dctx);
  await driver.deploy.validate(dctx);
  await driver.boot.validate(dctx);
  await driver.deploy.takeOver(dctx);
  return { event: 'done' };
};

const rescue: Flow = async ({ driver, dctx }) => {
  const outcome = await driver.rescue.rescue(dctx);
  return { event: outcome === 'wait' ? 'wait' : 'done' };
};

const unrescue: Flow = async ({ node, driver, dctx }) => {
  await driver.rescue.unrescue(dctx);
  const instance_info = { ...node.instance_info };
  delete instance_info.rescue_password;
  delete instance_info.hashed_rescue_password;
  return { event: 'done', changes: { instance_info } };
};

/** The flow that runs in each working state. */
export const FLOWS: Partial<Record<ProvisionState, Flow>> = {
  verifying: verify,
  deploying: deploy,
  deleting: teardown,
  cleaning: clean,
  inspecting: inspect,
  adopting: adopt,
  rescuing: rescue,
  unrescuing: unrescue,
};
