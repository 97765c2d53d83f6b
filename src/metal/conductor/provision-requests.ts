/**
 * Provision requests (Ironic's manager.do_provisioning_action and friends):
 * a verb is checked against the state table and the client's version, the
 * node moves into its transient state with its target and, in the same
 * transaction, takes the reservation for a new durable task and enqueues it;
 * the API answers 202 after the commit. `resume` continues a waiting node.
 */
import { randomUUID } from 'node:crypto';
import { DriverError, type ComposedDriver, type DriverContext } from '../drivers/index.js';
import { abortMessage, advance, checkProvisionVerb, historyTypeOf, provisionMachine, ProvisionRequestError, STATE_INFO, TAKEOVER } from '../states/index.js';
import type { ProvisionEvent, StableState, TransientState } from '../states/index.js';
import { findNode, reserve } from '../db/nodes.js';
import { writeNode, type NodeChanges } from '../db/node-states.js';
import type { NodeRecord } from '../db/records.js';
import { PROVISION_TASK, type ConductorCore, type ProvisionPayload } from './core.js';
import type { ProvisionArgs } from './flows.js';
import { checkProvisionArgs, isDeployVerb, VERB_VALIDATIONS, type ProvisionRequest } from './provision-args.js';
import { deployPlan } from './deployments.js';
import { cleanArgs } from './cleaning.js';
import { inspectionStarted } from './inspection.js';
import { invalidParameter, invalidStateRequested, nodeInMaintenance, nodeLocked, nodeNotFound, nodeProtected, notAcceptable } from './errors.js';

interface Work {
  event: ProvisionEvent;
  target: StableState | null;
  changes: NodeChanges;
  args: ProvisionArgs;
  phase: 'start' | 'continue';
  verb: string;
}

export class ProvisionRequests {
  constructor(private readonly c: ConductorCore) {}

  /**
   * `PUT /v1/nodes/{id}/states/provision`: validates the verb against the
   * table and the client's version, moves the node into the transient state
   * with its target, and enqueues the work. Returns the node as moved.
   */
  async request(node: NodeRecord, req: ProvisionRequest): Promise<NodeRecord> {
    const c = this.c;
    let check;
    try {
      check = checkProvisionVerb({ state: node.provision_state, verb: req.verb, minor: req.minor, target: node.target_provision_state, maintenance: node.maintenance, nodeId: node.uuid });
    } catch (err) {
      if (!(err instanceof ProvisionRequestError)) throw err;
      if (err.reason === 'not-acceptable') throw notAcceptable();
      if (err.reason === 'in-maintenance') throw nodeInMaintenance('provisioning', node.uuid);
      // A node busy in a working state answers 409, as Ironic keeps it for compatibility.
      if (node.reservation) throw nodeLocked(node.uuid, node.reservation);
      throw invalidStateRequested(req.verb, node.uuid, node.provision_state);
    }
    const verb = req.verb;
    checkProvisionArgs(req);
    if (node.protected && (verb === 'rebuild' || verb === 'deleted' || verb === 'undeploy')) throw nodeProtected(node.uuid);

    const { driver, dctx } = c.driverFor(node);
    await validateFor(verb, node, driver, dctx);

    const args: ProvisionArgs = {};
    const changes: NodeChanges = {};
    if (isDeployVerb(verb)) await deployPlan(c.db, node, req, check, args, changes);
    if (verb === 'clean') cleanArgs(req, args);
    if (verb === 'rescue') changes.instance_info = c.seal({ ...node.instance_info, rescue_password: req.rescue_password }, node.instance_info);
    if (verb === 'inspect') Object.assign(changes, inspectionStarted());
    if (verb === 'abort') changes.last_error = abortMessage(node.provision_state);

    const { to, event } = check;
    if (verb === 'abort') {
      // The node leaves its wait at once; a task then undoes what the wait prepared (Ironic's clean/inspect abort).
      const moved = await this.startWork(node, { event, target: check.target, changes, args: { abort_from: node.provision_state }, phase: 'start', verb });
      await c.history(moved, moved.last_error ?? 'aborted', historyTypeOf(node.provision_state), 'INFO');
      return moved;
    }
    if (STATE_INFO[to].kind !== 'working') {
      // A move the conductor completes at once: manage from available, abort of a wait, …
      return c.patiently(node, async (n) => {
        if (n.provision_state !== node.provision_state) {
          if (n.reservation) return undefined;
          throw invalidStateRequested(verb, n.uuid, n.provision_state);
        }
        const now = Date.now();
        return writeNode(c.db, n, {
          provision: event,
          changes: { ...changes, target_provision_state: check.target, provision_updated_at: now, updated_at: now },
          guard: { reservation: null },
          by: c.name,
        });
      });
    }
    return this.startWork(node, { event, target: check.target, changes: { ...changes, last_error: null }, args, phase: 'start', verb: req.verb });
  }

  /**
   * Moves the node into a working state under a new task's reservation and
   * enqueues the task, atomically. Answers NodeLocked when someone holds the
   * node, InvalidStateRequested when it moved meanwhile.
   */
  private async startWork(node: NodeRecord, w: Work): Promise<NodeRecord> {
    const c = this.c;
    const attempt = async (n: NodeRecord): Promise<NodeRecord | undefined> => {
      if (n.provision_state !== node.provision_state) {
        if (n.reservation) return undefined;
        throw invalidStateRequested(w.verb, n.uuid, n.provision_state);
      }
      const taskId = randomUUID();
      return c.db.transaction().execute(async (trx) => {
        const now = Date.now();
        const moved = await reserve(trx, n, c.name, {
          provision: w.event,
          changes: { ...w.changes, target_provision_state: w.target, provision_updated_at: now, task_id: taskId },
          by: c.name,
        });
        if (!moved) return undefined;
        await c.deps.tasks.enqueue<ProvisionPayload>(
          { id: taskId, kind: PROVISION_TASK, subject: n.uuid, payload: { node: n.uuid, args: w.args, phase: w.phase }, maxAttempts: c.opts.taskMaxAttempts },
          trx,
        );
        return moved;
      });
    };
    const moved = await c.patiently(node, attempt);
    c.deps.tasks.wake();
    return moved;
  }

  /**
   * Continues a node waiting for a call-back (`wait call-back`, `clean wait`,
   * `inspect wait`, `rescue wait`): fires `event` (the table's resume event by
   * default) and, when that leads to a working state, enqueues the rest of the
   * flow with `phase: 'continue'`. The agent's heartbeat endpoint calls this.
   */
  async resume(nodeIdent: string, opts: { event?: 'resume' | 'done'; changes?: NodeChanges } = {}): Promise<NodeRecord> {
    const c = this.c;
    const node = await findNode(c.db, nodeIdent);
    if (!node) throw nodeNotFound(nodeIdent);
    const rule = TAKEOVER[node.provision_state as TransientState];
    if (!rule || rule.action !== 'keep-waiting') throw invalidStateRequested(opts.event ?? 'resume', node.uuid, node.provision_state);
    const event = opts.event ?? rule.resumeEvent;
    if (!provisionMachine.can(node.provision_state, event)) throw invalidStateRequested(event, node.uuid, node.provision_state);
    const next = advance(node, event);
    if (STATE_INFO[next.provision_state].kind === 'working') {
      return this.startWork(node, { event, target: next.target_provision_state, changes: opts.changes ?? {}, args: {}, phase: 'continue', verb: event });
    }
    // Moved from the state read above, whatever a retry reads (a lost race answers 409 as a changed node).
    const changes = { ...opts.changes, target_provision_state: next.target_provision_state, provision_updated_at: Date.now(), updated_at: Date.now() };
    return c.patiently(node, (n) => writeNode(c.db, { id: n.id, provision_state: node.provision_state }, { provision: event, changes, guard: { reservation: null }, by: c.name }));
  }
}

/** The synchronous checks Ironic's RPC handlers make before they spawn the work. */
async function validateFor(verb: string, node: NodeRecord, driver: ComposedDriver, dctx: DriverContext): Promise<void> {
  const v = VERB_VALIDATIONS[verb];
  if (!v) return;
  try {
    for (const k of v.interfaces) await driver[k].validate(dctx);
  } catch (err) {
    if (err instanceof DriverError) throw invalidParameter(`${v.prefix(node.uuid)} Error: ${err.message}`);
    throw err;
  }
}
