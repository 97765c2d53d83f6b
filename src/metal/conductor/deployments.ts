/**
 * What deployment adds to the generic provision machinery (Ironic's
 * conductor/deployments.py): the deploy's step plan from the user's steps
 * and the deploy templates named by the instance's traits, the config drive,
 * and the tear-down's release of the node's allocation.
 */
import type { Db } from '../db/table.js';
import type { Json, NodeRecord } from '../db/records.js';
import type { NodeChanges } from '../db/node-states.js';
import type { VerbCheck } from '../states/index.js';
import type { ProvisionArgs } from './flows.js';
import type { ProvisionRequest } from './provision-args.js';

/** Deploy steps of the deploy templates whose names are among instance_info.traits (Ironic's get_deploy_templates). */
async function templateSteps(db: Db, node: NodeRecord): Promise<Json[]> {
  const traits = node.instance_info.traits;
  if (!Array.isArray(traits) || traits.length === 0) return [];
  const rows = await db.selectFrom('metal_deploy_templates').select(['name', 'steps']).where('name', 'in', traits.map(String)).orderBy('name').execute();
  return rows.flatMap((r) => (JSON.parse(r.steps as string) as Json[]).map((st) => ({ ...st, template: r.name })));
}

/** The task's arguments and the node's changes for a deploy or rebuild. */
export async function deployPlan(db: Db, node: NodeRecord, req: ProvisionRequest, check: VerbCheck, args: ProvisionArgs, changes: NodeChanges): Promise<void> {
  args.rebuild = check.rebuild;
  if (req.configdrive !== undefined && req.configdrive !== null) changes.instance_info = { ...node.instance_info, configdrive: req.configdrive };
  // The deploy's step plan: the user's steps, then those of deploy templates named by the instance's traits.
  const steps = [...((req.deploy_steps as Json[] | undefined) ?? []), ...(await templateSteps(db, node))];
  if (steps.length) args.deploy_steps = steps;
}

/** A finished tear-down deletes the node's allocation (Ironic's do_node_tear_down). */
export async function releaseAllocation(db: Db, node: NodeRecord, changes: NodeChanges): Promise<void> {
  if (node.allocation_id === null) return;
  await db.deleteFrom('metal_allocations').where('id', '=', node.allocation_id).execute();
  changes.allocation_id = null;
}
