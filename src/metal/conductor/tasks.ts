/**
 * How a durable task holds its node: it adopts the reservation it was
 * created with (by task id) and leaves the node with its final fields and
 * moves, releasing the lock.
 */
import type { NodeRecord } from '../db/records.js';
import { nodes } from '../db/tables.js';
import { writeNode, type NodeChanges } from '../db/node-states.js';
import type { PowerState } from '../drivers/index.js';
import type { ProvisionEvent } from '../states/index.js';
import type { ConductorCore } from './core.js';

export interface FinalWrite {
  changes?: NodeChanges;
  provision?: ProvisionEvent;
  power?: PowerState;
}

/** Takes the reservation a task was created with; undefined when the node moved on without it. */
export async function adoptNode(c: ConductorCore, uuid: string, taskId: string): Promise<NodeRecord | undefined> {
  const node = await nodes.byUuid(c.db, uuid);
  if (!node || node.task_id !== taskId) return undefined;
  return nodes.update(c.db, node.id, { reservation: c.name, updated_at: Date.now() }, { task_id: taskId });
}

/** Leaves the node: releases the reservation this task holds and writes the final fields and moves. */
export async function finishTask(c: ConductorCore, node: NodeRecord, taskId: string, w: FinalWrite = {}): Promise<NodeRecord | undefined> {
  const done = await writeNode(c.db, node, { ...w, changes: { ...w.changes, reservation: null, task_id: null, updated_at: Date.now() }, guard: { task_id: taskId }, by: c.name });
  await c.alarms.provisionState(done);
  return done;
}
