/**
 * What cleaning adds to the generic provision machinery (Ironic's
 * conductor/cleaning.py): manual cleaning's arguments, undoing a cleaning
 * that an operator aborted, and the maintenance fault of a failed cleaning.
 */
import type { ComposedDriver, DriverContext } from '../drivers/index.js';
import type { NodeChanges } from '../db/node-states.js';
import type { ProvisionArgs } from './flows.js';
import type { ProvisionRequest } from './provision-args.js';

export function cleanArgs(req: ProvisionRequest, args: ProvisionArgs): void {
  args.clean_steps = req.clean_steps as ProvisionArgs['clean_steps'];
  if (req.disable_ramdisk) args.disable_ramdisk = true;
}

/** After an abort of `clean wait`: tear cleaning down and forget its steps. */
export async function abortCleaning(driver: ComposedDriver, dctx: DriverContext): Promise<NodeChanges> {
  await driver.deploy.tearDownCleaning(dctx);
  const internal = { ...dctx.node.driver_internal_info };
  for (const k of ['clean_steps', 'clean_step_index', 'cleaning_prepared']) delete internal[k];
  return { clean_step: null, driver_internal_info: internal };
}

/** A node that failed cleaning goes into maintenance with fault `clean failure`, as Ironic does. */
export const cleanFailure = (lastError: string): NodeChanges => ({ maintenance: true, maintenance_reason: lastError, fault: 'clean failure' });
