/**
 * The conductor: every change to a node's hardware or lifecycle goes through
 * it, under the node's exclusive reservation.
 *
 * - A provision or power request checks the state table, then in one
 *   transaction moves the node into its transient state, sets its target,
 *   takes the reservation for a new durable task and enqueues that task; the
 *   API answers 202 after the commit, so a client polling at once sees the
 *   work under way.
 * - The task handler adopts the reservation (by task id), runs the state's
 *   flow (flows.ts) through the driver and fires the resulting events; the
 *   lock is released when the node leaves its working states. A flow that
 *   waits for an external call-back leaves the node unlocked in a waiting
 *   state; `resume()` continues it.
 * - Takeover: a task whose previous owner died is failed or resumed as the
 *   table's TAKEOVER rules say (Ironic's behaviour); reservations of dead
 *   conductors are cleared (periodic.ts).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  RetryTaskError,
  type FaultReporter,
  type Logger,
  type SecretBox,
  type Store,
  type Task,
  type TaskContext,
  type TaskRunner,
} from '../../core/index.js';
import {
  DriverError,
  type BiosSetting,
  type ComposedDriver,
  type DriverContext,
  type DriverRegistry,
  type PowerState,
  type PowerTarget,
} from '../drivers/index.js';
import {
  abortMessage,
  advance,
  checkProvisionVerb,
  failureMessage,
  historyTypeOf,
  provisionMachine,
  ProvisionRequestError,
  STATE_INFO,
  TAKEOVER,
  type ProvisionEvent,
  type ProvisionState,
  type StableState,
  type TransientState,
} from '../states.js';
import { findNode, release, reserve } from '../db/nodes.js';
import { writeNode, type NodeChanges, type NodeGuard } from '../db/node-states.js';
import { nodes, ports } from '../db/tables.js';
import { recordHistory, type HistoryEventType } from '../db/history.js';
import { registerConductor, allConductors, isAlive, unregisterConductor } from '../db/conductors.js';
import type { Db } from '../db/table.js';
import type { Json, NodeRecord } from '../db/records.js';
import { toDriverNode, internalInfoChange } from './driver-node.js';
import { FLOWS, type FlowContext, type ProvisionArgs } from './flows.js';
import { conductorFor, type RingMember } from './hash-ring.js';
import { sealSecrets } from './secrets.js';
import { DEFAULT_CONDUCTOR_OPTIONS, type ConductorOptions } from './options.js';
import {
  conflict,
  invalid,
  invalidParameter,
  invalidStateRequested,
  nodeInMaintenance,
  nodeLocked,
  nodeNotFound,
  nodeProtected,
  notAcceptable,
} from './errors.js';
import { NodeAlarms } from './alarms.js';
import { POWER_TARGET_INFO, powerTargetState } from '../power-states.js';
import { Periodic } from './periodic.js';

export const PROVISION_TASK = 'metal.provision';
export const POWER_TASK = 'metal.power';

export interface ProvisionPayload {
  node: string;
  args: ProvisionArgs;
  phase: 'start' | 'continue';
}

export interface PowerPayload {
  node: string;
  target: PowerTarget;
  timeoutMs?: number;
}

export interface ConductorDeps {
  store: Store;
  tasks: TaskRunner;
  secrets: SecretBox;
  drivers: DriverRegistry;
  log: Logger;
  /** Where alarms go (core's `faults()`); none: no alarms. */
  faults?: FaultReporter;
}

export interface ProvisionRequest {
  verb: string;
  /** The client's API minor version (1.x). */
  minor: number;
  configdrive?: unknown;
  clean_steps?: unknown[];
  deploy_steps?: unknown[];
  rescue_password?: string;
  disable_ramdisk?: boolean;
}

export { powerTargetState };

/** What a function run under withLock returns: its result, and what to write as the lock is released. */
export interface LockedResult<T> {
  result: T;
  changes?: NodeChanges;
  /** The power state the hardware reported, recorded through the power machine. */
  power?: PowerState | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Conductor {
  readonly opts: ConductorOptions;
  readonly db: Store['db'];
  private members: RingMember[] = [];
  private membersKey = '';
  private readonly ring = new Map<string, string | null>();
  private readonly periodic: Periodic;
  /** Declared secret keys of every driver, masked and sealed like the name patterns. */
  readonly secretKeys: ReadonlySet<string>;
  readonly alarms: NodeAlarms;

  constructor(
    readonly deps: ConductorDeps,
    opts: Partial<ConductorOptions> = {},
  ) {
    this.opts = { ...DEFAULT_CONDUCTOR_OPTIONS, name: opts.name ?? hostname(), ...opts };
    this.db = deps.store.db;
    this.secretKeys = deps.drivers.secretKeys();
    this.periodic = new Periodic(this);
    this.alarms = new NodeAlarms(deps.faults);
  }

  get name(): string {
    return this.opts.name;
  }

  get log(): Logger {
    return this.deps.log;
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

  /**
   * Registers the conductor and its task handlers, and takes over what a
   * previous incarnation of this conductor left: clears its reservations and
   * fails nodes caught in a working state (Ironic's _fail_transient_state).
   * Runs before the task runner starts, so no stale task can race it.
   */
  async init(): Promise<void> {
    this.deps.tasks.register<ProvisionPayload>(PROVISION_TASK, {
      run: (ctx) => this.runProvisionTask(ctx),
      onFailed: (task, error) => this.provisionTaskFailed(task, error),
    });
    this.deps.tasks.register<PowerPayload>(POWER_TASK, {
      run: (ctx) => this.runPowerTask(ctx),
      onFailed: (task, error) => this.powerTaskFailed(task, error),
    });
    await registerConductor(this.db, {
      hostname: this.name,
      conductor_group: this.opts.group,
      drivers: this.deps.drivers.hardwareTypes().map((h) => h.name),
      host: hostname(),
      pid: process.pid,
    });
    await this.periodic.takeOverFrom(this.name);
    await this.refreshMembers();
  }

  start(): void {
    this.periodic.start();
  }

  async stop(): Promise<void> {
    this.periodic.stop();
    // Ironic's del_host: leave no lock behind; a restart fails what was in flight.
    await this.periodic.clearOwnReservations().catch((err) => this.log.warn({ err }, 'clearing reservations at shutdown failed'));
    await unregisterConductor(this.db, this.name).catch(() => {});
  }

  /** Live conductors (from the heartbeats), for the hash ring and GET /v1/conductors. */
  async refreshMembers(): Promise<RingMember[]> {
    const all = await allConductors(this.db);
    const now = Date.now();
    const members = all.filter((c) => c.hostname === this.name || isAlive(c, this.opts.heartbeatTimeoutMs, now));
    const key = members.map((m) => `${m.hostname}\u0000${m.conductor_group}`).join('\u0001');
    if (key !== this.membersKey) {
      this.membersKey = key;
      this.ring.clear();
    }
    this.members = members;
    return this.members;
  }

  /** The conductor that serves this node, or null when none of its group is alive. */
  conductorOf(node: Pick<NodeRecord, 'uuid' | 'conductor_group'>): string | null {
    // Memoized per membership: listing 1,000 nodes should not hash 1,000 times a page.
    const k = `${node.uuid}\u0000${node.conductor_group}`;
    let c = this.ring.get(k);
    if (c === undefined) {
      c = conductorFor(node.uuid, node.conductor_group, this.members);
      if (this.ring.size > 100_000) this.ring.clear();
      this.ring.set(k, c);
    }
    return c;
  }

  /** Whether periodic work on this node (power sync) is this conductor's. */
  isMine(node: Pick<NodeRecord, 'uuid' | 'conductor_group'>): boolean {
    return this.conductorOf(node) === this.name;
  }

  aliveHostnames(): string[] {
    return this.members.map((m) => m.hostname);
  }

  /** Whether a live conductor serves this conductor group (Ironic answers NoValidHost otherwise). */
  servesGroup(group: string): boolean {
    return this.members.some((m) => m.conductor_group === group);
  }

  // -------------------------------------------------------------------------
  // Drivers
  // -------------------------------------------------------------------------

  /** The node's composed driver and the context drivers are called with. */
  driverFor(node: NodeRecord, signal?: AbortSignal): { driver: ComposedDriver; dctx: DriverContext } {
    const dnode = toDriverNode(node, this.deps.secrets);
    const driver = this.deps.drivers.compose({ driver: node.driver, interfaces: dnode.interfaces });
    const log = this.log.child({ node: node.uuid });
    return {
      driver,
      dctx: {
        node: dnode,
        signal,
        log: { info: (msg, fields) => log.info(fields ?? {}, msg), warn: (msg, fields) => log.warn(fields ?? {}, msg) },
      },
    };
  }

  /** Seals the secret values of a driver_info or instance_info about to be stored. */
  seal(value: Json, previous?: Json): Json {
    return sealSecrets(value, this.deps.secrets, previous, this.secretKeys) as Json;
  }

  // -------------------------------------------------------------------------
  // Locks for synchronous operations
  // -------------------------------------------------------------------------

  /**
   * Runs `fn` holding the node's reservation (Ironic's exclusive lock), waiting
   * patiently for a busy node (node_locked_retry_attempts) before answering
   * 409 NodeLocked. `fn` returns the result and the fields to save; they are
   * written as the lock is released.
   */
  async withLock<T>(node: NodeRecord, fn: (locked: NodeRecord) => Promise<LockedResult<T>>): Promise<T> {
    const locked = await this.patiently(node, (n) => reserve(this.db, n, this.name));
    let out: LockedResult<T> | undefined;
    try {
      out = await fn(locked);
      return out.result;
    } finally {
      await release(this.db, locked, this.name, { changes: out?.changes ?? {}, power: out?.power, by: this.name });
    }
  }

  /**
   * Applies `attempt` (a conditional write that fails while the node is
   * reserved) until it succeeds, retrying while the node is locked, then
   * answers 409 NodeLocked naming the holder.
   */
  async patiently<T>(node: NodeRecord, attempt: (n: NodeRecord) => Promise<T | undefined>): Promise<T> {
    let current = node;
    for (let i = 0; ; i++) {
      const res = await attempt(current);
      if (res !== undefined) return res;
      const fresh = await nodes.byId(this.db, current.id);
      if (!fresh) throw nodeNotFound(node.uuid);
      if (fresh.reservation) {
        if (i >= this.opts.lockRetryAttempts) throw nodeLocked(fresh.uuid, fresh.reservation);
        await sleep(this.opts.lockRetryIntervalMs);
      } else if (i >= this.opts.lockRetryAttempts + 3) {
        throw conflict(`Node ${fresh.uuid} changed while the request was being applied; please retry.`);
      }
      current = fresh;
    }
  }

  /** Writes node fields unless the node is locked (waiting patiently); the API's PATCH and maintenance. */
  async updateNode(node: NodeRecord, changes: NodeChanges, guard: NodeGuard = {}): Promise<NodeRecord> {
    return this.patiently(node, (n) => nodes.update(this.db, n.id, { ...changes, updated_at: Date.now() }, { ...guard, reservation: null }));
  }

  // -------------------------------------------------------------------------
  // Provisioning requests
  // -------------------------------------------------------------------------

  /**
   * `PUT /v1/nodes/{id}/states/provision`: validates the verb against the
   * table and the client's version, moves the node into the transient state
   * with its target, and enqueues the work. Returns the node as moved.
   */
  async requestProvision(node: NodeRecord, req: ProvisionRequest): Promise<NodeRecord> {
    let check;
    try {
      check = checkProvisionVerb({
        state: node.provision_state,
        verb: req.verb,
        minor: req.minor,
        target: node.target_provision_state,
        maintenance: node.maintenance,
        nodeId: node.uuid,
      });
    } catch (err) {
      if (!(err instanceof ProvisionRequestError)) throw err;
      if (err.reason === 'not-acceptable') throw notAcceptable();
      if (err.reason === 'in-maintenance') throw nodeInMaintenance('provisioning', node.uuid);
      // A node busy in a working state answers 409, as Ironic keeps it for compatibility.
      if (node.reservation) throw nodeLocked(node.uuid, node.reservation);
      throw invalidStateRequested(req.verb, node.uuid, node.provision_state);
    }
    const verb = req.verb;
    const deployVerb = verb === 'active' || verb === 'deploy' || verb === 'rebuild';
    this.checkProvisionArgs(req, deployVerb);
    if (node.protected && (verb === 'rebuild' || verb === 'deleted' || verb === 'undeploy')) throw nodeProtected(node.uuid);

    const { driver, dctx } = this.driverFor(node);
    await this.validateFor(verb, node, driver, dctx);

    const args: ProvisionArgs = {};
    const changes: NodeChanges = {};
    if (deployVerb) {
      args.rebuild = check.rebuild;
      if (req.configdrive !== undefined && req.configdrive !== null) changes.instance_info = { ...node.instance_info, configdrive: req.configdrive };
      // The deploy's step plan: the user's steps, then those of deploy templates named by the instance's traits.
      const steps = [...((req.deploy_steps as Json[] | undefined) ?? []), ...(await this.templateSteps(node))];
      if (steps.length) args.deploy_steps = steps;
    }
    if (verb === 'clean') {
      args.clean_steps = req.clean_steps as ProvisionArgs['clean_steps'];
      if (req.disable_ramdisk) args.disable_ramdisk = true;
    }
    if (verb === 'rescue') changes.instance_info = this.seal({ ...node.instance_info, rescue_password: req.rescue_password }, node.instance_info);
    if (verb === 'inspect') {
      changes.inspection_started_at = Date.now();
      changes.inspection_finished_at = null;
    }
    if (verb === 'abort') changes.last_error = abortMessage(node.provision_state);

    const { to, event } = check;
    if (verb === 'abort') {
      // The node leaves its wait at once; a task then undoes what the wait prepared (Ironic's clean/inspect abort).
      const moved = await this.startWork(node, { event, target: check.target, changes, args: { abort_from: node.provision_state }, phase: 'start', verb });
      await this.history(moved, moved.last_error ?? 'aborted', historyTypeOf(node.provision_state), 'INFO');
      return moved;
    }
    if (STATE_INFO[to].kind !== 'working') {
      // A move the conductor completes at once: manage from available, abort of a wait, …
      const moved = await this.patiently(node, async (n) => {
        if (n.provision_state !== node.provision_state) {
          if (n.reservation) return undefined;
          throw invalidStateRequested(verb, n.uuid, n.provision_state);
        }
        const now = Date.now();
        return writeNode(this.db, n, {
          provision: event,
          changes: { ...changes, target_provision_state: check.target, provision_updated_at: now, updated_at: now },
          guard: { reservation: null },
          by: this.name,
        });
      });
      return moved;
    }
    return this.startWork(node, { event, target: check.target, changes: { ...changes, last_error: null }, args, phase: 'start', verb: req.verb });
  }

  /** Deploy steps of the deploy templates whose names are among instance_info.traits (Ironic's get_deploy_templates). */
  private async templateSteps(node: NodeRecord): Promise<Json[]> {
    const traits = node.instance_info.traits;
    if (!Array.isArray(traits) || traits.length === 0) return [];
    const rows = await this.db.selectFrom('metal_deploy_templates').select(['name', 'steps']).where('name', 'in', traits.map(String)).orderBy('name').execute();
    return rows.flatMap((r) => (JSON.parse(r.steps as string) as Json[]).map((st) => ({ ...st, template: r.name })));
  }

  private checkProvisionArgs(req: ProvisionRequest, deployVerb: boolean): void {
    const { verb, minor } = req;
    if (req.clean_steps && verb !== 'clean') throw invalid('"clean_steps" is only valid when setting target provision state to clean');
    if (verb === 'clean' && (!req.clean_steps || req.clean_steps.length === 0)) throw invalid('"clean_steps" is required when setting target provision state to clean');
    if (req.rescue_password !== undefined && verb !== 'rescue') throw invalid('"rescue_password" is only valid when setting target provision state to rescue');
    if (verb === 'rescue' && !(typeof req.rescue_password === 'string' && req.rescue_password.trim())) {
      throw invalid('A non-empty "rescue_password" is required when setting target provision state to rescue');
    }
    if (req.configdrive !== undefined && req.configdrive !== null) {
      if (!deployVerb) throw invalidParameter(`You can only specify a config drive when setting the provision state to "active", "deploy" or "rebuild" (requested "${verb}")`);
      if (verb === 'rebuild' && minor < 35) throw notAcceptable('Adding a config drive is only supported when setting provision state to active');
      if (typeof req.configdrive === 'object') {
        if (minor < 56) throw notAcceptable('Building a config drive from a dict needs API version 1.56');
        const cd = req.configdrive as Json;
        const unknown = Object.keys(cd).filter((k) => !['meta_data', 'network_data', 'user_data', 'vendor_data'].includes(k));
        if (unknown.length) throw invalidParameter(`Invalid configdrive format: unexpected keys ${unknown.join(', ')}`);
        if ('vendor_data' in cd && minor < 59) throw notAcceptable('vendor_data in a config drive needs API version 1.59');
      } else if (typeof req.configdrive !== 'string') {
        throw invalidParameter('configdrive must be a gzipped, base64-encoded string, a URL or (from 1.56) an object');
      }
    }
    if (req.deploy_steps !== undefined && req.deploy_steps !== null) {
      if (minor < 69) throw notAcceptable('deploy_steps need API version 1.69');
      if (!deployVerb) throw invalid('"deploy_steps" is only valid when setting target provision state to active or rebuild');
    }
    if (req.disable_ramdisk !== undefined && req.disable_ramdisk !== null) {
      if (minor < 70) throw notAcceptable('disable_ramdisk needs API version 1.70');
      if (verb !== 'clean') throw invalid('"disable_ramdisk" is only valid when setting target provision state to clean');
    }
  }

  /** The synchronous checks Ironic's RPC handlers make before they spawn the work. */
  private async validateFor(verb: string, node: NodeRecord, driver: ComposedDriver, dctx: DriverContext): Promise<void> {
    const run = async (kinds: (keyof ComposedDriver)[], prefix: string) => {
      try {
        for (const k of kinds) await (driver[k] as { validate(c: DriverContext): unknown }).validate(dctx);
      } catch (err) {
        if (err instanceof DriverError) throw invalidParameter(`${prefix} Error: ${err.message}`);
        throw err;
      }
    };
    if (verb === 'active' || verb === 'deploy' || verb === 'rebuild') {
      await run(['power', 'deploy', 'boot'], `RPC do_node_deploy failed to validate deploy or power info for node ${node.uuid}.`);
    } else if (verb === 'inspect') {
      await run(['power', 'inspect'], 'RPC inspect_hardware failed to validate inspection or power info.');
    } else if (verb === 'clean') {
      await run(['power'], `RPC do_node_clean failed to validate power info. Cannot clean node ${node.uuid}.`);
    } else if (verb === 'rescue') {
      await run(['power', 'rescue'], `RPC do_node_rescue failed to validate rescue or power info for node ${node.uuid}.`);
    } else if (verb === 'unrescue') {
      await run(['power', 'rescue'], `RPC do_node_unrescue failed to validate rescue or power info for node ${node.uuid}.`);
    }
  }

  /**
   * Moves the node into a working state under a new task's reservation and
   * enqueues the task, atomically. Answers NodeLocked when someone holds the
   * node, InvalidStateRequested when it moved meanwhile.
   */
  private async startWork(
    node: NodeRecord,
    w: { event: ProvisionEvent; target: StableState | null; changes: NodeChanges; args: ProvisionArgs; phase: 'start' | 'continue'; verb: string },
  ): Promise<NodeRecord> {
    const attempt = async (n: NodeRecord): Promise<NodeRecord | undefined> => {
      if (n.provision_state !== node.provision_state) {
        if (n.reservation) return undefined;
        throw invalidStateRequested(w.verb, n.uuid, n.provision_state);
      }
      const taskId = randomUUID();
      return this.db.transaction().execute(async (trx) => {
        const now = Date.now();
        const moved = await reserve(trx, n, this.name, {
          provision: w.event,
          changes: { ...w.changes, target_provision_state: w.target, provision_updated_at: now, task_id: taskId },
          by: this.name,
        });
        if (!moved) return undefined;
        await this.deps.tasks.enqueue<ProvisionPayload>(
          { id: taskId, kind: PROVISION_TASK, subject: n.uuid, payload: { node: n.uuid, args: w.args, phase: w.phase }, maxAttempts: this.opts.taskMaxAttempts },
          trx,
        );
        return moved;
      });
    };
    const moved = await this.patiently(node, attempt);
    this.deps.tasks.wake();
    return moved;
  }

  /**
   * Continues a node waiting for a call-back (`wait call-back`, `clean wait`,
   * `inspect wait`, `rescue wait`): fires `event` (the table's resume event by
   * default) and, when that leads to a working state, enqueues the rest of the
   * flow with `phase: 'continue'`. The agent's heartbeat endpoint calls this.
   */
  async resume(nodeIdent: string, opts: { event?: 'resume' | 'done'; changes?: NodeChanges } = {}): Promise<NodeRecord> {
    const node = await findNode(this.db, nodeIdent);
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
    return this.patiently(node, (n) => writeNode(this.db, { id: n.id, provision_state: node.provision_state }, { provision: event, changes, guard: { reservation: null }, by: this.name }));
  }

  // -------------------------------------------------------------------------
  // Power requests
  // -------------------------------------------------------------------------

  /** `PUT /v1/nodes/{id}/states/power`: sets target_power_state under a new task's reservation. */
  async requestPower(node: NodeRecord, req: { target: string; timeout?: number | null; minor: number }): Promise<NodeRecord> {
    const info = Object.prototype.hasOwnProperty.call(POWER_TARGET_INFO, req.target) ? POWER_TARGET_INFO[req.target as PowerTarget] : undefined;
    // Soft targets and timeouts came with 1.27.
    if ((info && info.minMinor > req.minor) || (req.timeout !== undefined && req.timeout !== null && req.minor < 27)) throw notAcceptable();
    if (req.timeout !== undefined && req.timeout !== null && (!Number.isInteger(req.timeout) || req.timeout < 1)) throw invalid('timeout has to be positive integer');
    if (!info) throw invalidStateRequested(req.target, node.uuid, node.power_state ?? 'None');
    if (STATE_INFO[node.provision_state].noPowerRequests) throw invalidStateRequested(req.target, node.uuid, node.provision_state);
    const target = req.target as PowerTarget;
    const { driver, dctx } = this.driverFor(node);
    try {
      await driver.power.validate(dctx);
      if (!driver.power.supportedPowerStates(dctx).includes(target)) {
        throw invalidParameter(`The requested power state "${target}" is not supported by the ${driver.power.name} power interface of node ${node.uuid}.`);
      }
    } catch (err) {
      if (err instanceof DriverError) throw invalidParameter(err.message);
      throw err;
    }
    const moved = await this.patiently(node, (n) => {
      const taskId = randomUUID();
      return this.db.transaction().execute(async (trx) => {
        const r = await reserve(trx, n, this.name, { changes: { target_power_state: powerTargetState(target), last_error: null, task_id: taskId } });
        if (!r) return undefined;
        await this.deps.tasks.enqueue<PowerPayload>(
          {
            id: taskId,
            kind: POWER_TASK,
            subject: n.uuid,
            payload: { node: n.uuid, target, ...(req.timeout ? { timeoutMs: req.timeout * 1000 } : {}) },
            maxAttempts: this.opts.taskMaxAttempts,
          },
          trx,
        );
        return r;
      });
    });
    this.deps.tasks.wake();
    return moved;
  }

  // -------------------------------------------------------------------------
  // Task handlers
  // -------------------------------------------------------------------------

  /** Takes the reservation a task was created with; undefined when the node moved on without it. */
  private async adopt(uuid: string, taskId: string): Promise<NodeRecord | undefined> {
    const node = await nodes.byUuid(this.db, uuid);
    if (!node || node.task_id !== taskId) return undefined;
    return nodes.update(this.db, node.id, { reservation: this.name, updated_at: Date.now() }, { task_id: taskId });
  }

  /** Leaves the node: releases the reservation this task holds and writes the final fields and moves. */
  private async finish(node: NodeRecord, taskId: string, w: { changes?: NodeChanges; provision?: ProvisionEvent; power?: PowerState } = {}): Promise<NodeRecord | undefined> {
    const done = await writeNode(this.db, node, { ...w, changes: { ...w.changes, reservation: null, task_id: null, updated_at: Date.now() }, guard: { task_id: taskId }, by: this.name });
    await this.alarms.provisionState(done);
    return done;
  }

  private async runProvisionTask(ctx: TaskContext<ProvisionPayload>): Promise<unknown> {
    const { task } = ctx;
    let node = await this.adopt(task.payload.node, task.id);
    if (!node) return { skipped: 'the node no longer waits for this task' };
    if (ctx.takeover) return this.takeOverNode(node, task.id);
    if (task.payload.args?.abort_from) return this.cleanUpAbort(node, task.payload.args.abort_from, ctx);

    let phase = task.payload.phase;
    for (;;) {
      const state = node.provision_state;
      const flow = FLOWS[state];
      if (!flow) {
        await this.finish(node, task.id);
        return { state };
      }
      const { driver, dctx } = this.driverFor(node, ctx.signal);
      const internalBefore = node.driver_internal_info;
      let current: NodeRecord = node;
      const fc: FlowContext = {
        node,
        dnode: dctx.node,
        driver,
        dctx,
        args: task.payload.args ?? {},
        phase,
        automatedClean: node.automated_clean ?? this.opts.automatedClean,
        save: async (changes) => {
          const internal = internalInfoChange(current.driver_internal_info, dctx.node);
          const saved = await nodes.update(this.db, current.id, { ...changes, ...(internal ? { driver_internal_info: internal } : {}), updated_at: Date.now() }, { task_id: task.id });
          if (!saved) throw new Error(`node ${current.uuid} was taken from this task`);
          current = saved;
        },
        addPorts: (macs, pxeMacs) => this.addPorts(current, macs, pxeMacs),
        cacheBios: (settings) => this.cacheBios(current, settings),
      };
      let outcome;
      try {
        outcome = await flow(fc);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof DriverError && err.retryable && task.attempts < task.maxAttempts) {
          // Keep the node and its lock; record why, and try again shortly.
          await nodes.update(this.db, current.id, { last_error: failureMessage(state, current, message), updated_at: Date.now() }, { task_id: task.id });
          throw new RetryTaskError(message, this.opts.retryDelayMs);
        }
        throw new Error(failureMessage(state, current, message));
      }
      // Flows power nodes on and off through the interfaces (as Ironic's do
      // through node_power_action, which records it): record where the node
      // ended up, or power sync would later "correct" the hardware back.
      if (outcome.power === undefined) {
        const power = await driver.power.getPowerState(dctx).catch(() => undefined);
        if (power !== undefined) outcome = { ...outcome, power };
      }
      const internal = internalInfoChange(internalBefore, dctx.node) ?? current.driver_internal_info;
      const next = advance(current, outcome.event);
      const nextKind = STATE_INFO[next.provision_state].kind;
      const changes: NodeChanges = {
        ...outcome.changes,
        driver_internal_info: internal,
        target_provision_state: next.target_provision_state,
        provision_updated_at: Date.now(),
      };
      if (state === 'deleting' && current.allocation_id !== null) {
        await this.db.deleteFrom('metal_allocations').where('id', '=', current.allocation_id).execute();
        changes.allocation_id = null;
      }
      if (nextKind === 'working') {
        const saved = await writeNode(this.db, current, { provision: outcome.event, power: outcome.power, changes: { ...changes, updated_at: Date.now() }, guard: { task_id: task.id }, by: this.name });
        if (!saved) return { skipped: 'the node was taken from this task' };
        node = saved;
        phase = 'start';
        continue;
      }
      const done = await this.finish(current, task.id, { changes, provision: outcome.event, power: outcome.power });
      return { state: done?.provision_state ?? next.provision_state };
    }
  }

  /**
   * After an abort of a wait: the interface undoes what the wait prepared
   * (tear down cleaning, stop an asynchronous inspection) while the node,
   * already in its failed state, stays locked; a failure is recorded.
   */
  private async cleanUpAbort(node: NodeRecord, from: ProvisionState, ctx: TaskContext<ProvisionPayload>): Promise<unknown> {
    const { driver, dctx } = this.driverFor(node, ctx.signal);
    const changes: NodeChanges = {};
    try {
      if (from === 'clean wait') {
        await driver.deploy.tearDownCleaning(dctx);
        const internal = { ...dctx.node.driver_internal_info };
        for (const k of ['clean_steps', 'clean_step_index', 'cleaning_prepared']) delete internal[k];
        Object.assign(changes, { clean_step: null, driver_internal_info: internal });
      } else if (from === 'inspect wait') {
        await driver.inspect.abort?.(dctx);
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const what = from === 'clean wait' ? 'tear down cleaning' : 'stop the inspection';
      changes.last_error = `Failed to ${what} after aborting the operation: ${err instanceof Error ? err.message : String(err)}`;
    }
    await this.finish(node, ctx.task.id, { changes });
    return { aborted: from };
  }

  /** The task's owner died mid-work: do what the table says for the state it left the node in. */
  private async takeOverNode(node: NodeRecord, taskId: string): Promise<unknown> {
    const rule = TAKEOVER[node.provision_state as TransientState];
    if (rule?.action === 'fail') {
      const lastError = `The ${node.provision_state} state can't be resumed by conductor ${this.name}. Moving to fail state.`;
      const moved = await this.failNode(node, lastError, { taskId });
      return { takeover: 'failed', state: moved?.provision_state };
    }
    await this.finish(node, taskId);
    return { takeover: 'released', state: node.provision_state };
  }

  private async provisionTaskFailed(task: Task<ProvisionPayload>, error: string): Promise<void> {
    const node = await nodes.byUuid(this.db, task.payload.node);
    if (!node || node.task_id !== task.id) return;
    await this.failNode(node, error, { taskId: task.id });
  }

  /**
   * Fires `fail` from the node's working or waiting state, records last_error
   * and history, and releases the lock. Cleaning failures also put the node
   * into maintenance with fault `clean failure`, as Ironic does.
   */
  async failNode(
    node: NodeRecord,
    lastError: string,
    guard: { taskId?: string; unreserved?: boolean; keepTarget?: boolean },
  ): Promise<NodeRecord | undefined> {
    if (!provisionMachine.can(node.provision_state, 'fail')) {
      return guard.taskId ? this.finish(node, guard.taskId, { changes: { last_error: lastError } }) : undefined;
    }
    const next = advance(node, 'fail', guard.keepTarget ? { target: node.target_provision_state } : {});
    const changes: NodeChanges = {
      target_provision_state: next.target_provision_state,
      provision_updated_at: Date.now(),
      last_error: lastError,
      deploy_step: null,
      clean_step: null,
      task_id: null,
      reservation: null,
      updated_at: Date.now(),
    };
    if (next.provision_state === 'clean failed') {
      changes.maintenance = true;
      changes.maintenance_reason = lastError;
      changes.fault = 'clean failure';
    }
    const where: NodeGuard = {};
    if (guard.taskId) where.task_id = guard.taskId;
    if (guard.unreserved) where.reservation = null;
    const moved = await writeNode(this.db, node, { provision: 'fail', changes, guard: where, by: this.name });
    if (moved) {
      this.log.warn({ node: node.uuid, from: node.provision_state, to: moved.provision_state, error: lastError }, 'node failed');
      await this.history(moved, lastError, historyTypeOf(node.provision_state), 'ERROR');
      await this.alarms.provisionState(moved);
    }
    return moved;
  }

  private async runPowerTask(ctx: TaskContext<PowerPayload>): Promise<unknown> {
    const { task } = ctx;
    const node = await this.adopt(task.payload.node, task.id);
    if (!node) return { skipped: 'the node no longer waits for this task' };
    if (ctx.takeover) {
      await this.finish(node, task.id, { changes: { target_power_state: null, last_error: 'Pending power operation was aborted due to conductor take over' } });
      return { takeover: 'aborted' };
    }
    const { target } = task.payload;
    const { driver, dctx } = this.driverFor(node, ctx.signal);
    const timeoutMs = task.payload.timeoutMs ?? this.opts.powerTimeoutMs;
    try {
      let reached: PowerState;
      if (target === 'rebooting') {
        reached = await driver.power.reboot(dctx, { timeoutMs });
      } else {
        // Ironic skips the call when the node is already there.
        const now = target === 'power on' || target === 'power off' ? await driver.power.getPowerState(dctx) : undefined;
        reached = now === target ? now : await driver.power.setPowerState(dctx, target, { timeoutMs });
      }
      await this.finish(node, task.id, { changes: { target_power_state: null }, power: reached });
      return { power_state: reached };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const message = `Failed to change power state to '${powerTargetState(target)}' by '${target}'. Error: ${err instanceof Error ? err.message : String(err)}`;
      if (err instanceof DriverError && err.retryable && task.attempts < task.maxAttempts) {
        await nodes.update(this.db, node.id, { last_error: message, updated_at: Date.now() }, { task_id: task.id });
        throw new RetryTaskError(message, this.opts.retryDelayMs);
      }
      throw new Error(message);
    }
  }

  private async powerTaskFailed(task: Task<PowerPayload>, error: string): Promise<void> {
    const node = await nodes.byUuid(this.db, task.payload.node);
    if (!node || node.task_id !== task.id) return;
    const done = await this.finish(node, task.id, { changes: { target_power_state: null, last_error: error } });
    if (done) await this.history(done, error, 'monitoring', 'ERROR');
  }

  // -------------------------------------------------------------------------
  // Helpers flows use
  // -------------------------------------------------------------------------

  private async addPorts(node: NodeRecord, macs: string[], pxeMacs?: string[]): Promise<void> {
    const now = Date.now();
    for (const raw of macs) {
      const address = raw.toLowerCase();
      const existing = await ports.byColumn(this.db, 'address', address);
      if (existing) continue;
      await ports.insert(this.db, {
        uuid: randomUUID(),
        address,
        node_id: node.id,
        portgroup_id: null,
        extra: {},
        local_link_connection: {},
        pxe_enabled: pxeMacs ? pxeMacs.map((m) => m.toLowerCase()).includes(address) : true,
        internal_info: {},
        physical_network: null,
        is_smartnic: false,
        created_at: now,
        updated_at: null,
      });
    }
  }

  private async cacheBios(node: NodeRecord, settings: BiosSetting[]): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('metal_bios_settings').where('node_id', '=', node.id).execute();
      for (const s of settings) {
        const { name, value, ...registry } = s as BiosSetting & Record<string, unknown>;
        await trx.insertInto('metal_bios_settings').values({ node_id: node.id, name, value, registry: JSON.stringify(registry), created_at: now, updated_at: null }).execute();
      }
    });
  }

  async history(node: NodeRecord, event: string, eventType: HistoryEventType, severity: 'ERROR' | 'INFO' | 'WARNING' = 'ERROR', db: Db = this.db): Promise<void> {
    await recordHistory(db, { nodeId: node.id, event, eventType, severity, conductor: this.name }).catch((err) => this.log.warn({ err }, 'recording node history failed'));
  }

  /** Periodic jobs, exposed for tests that drive them by hand. */
  get jobs(): Periodic {
    return this.periodic;
  }
}
