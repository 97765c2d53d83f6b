/**
 * The conductor: every change to a node's hardware or lifecycle goes through
 * it, under the node's exclusive reservation. This class composes the parts,
 * split by flow as Ironic splits its conductor:
 *
 * - membership.ts: registration and the hash ring (which conductor serves a node);
 * - locks.ts: the reservation for synchronous operations;
 * - provision-requests.ts / provision-task.ts: a verb moves the node and
 *   enqueues a durable task; the task runs the state's flow (flows.ts), with
 *   deployments.ts, cleaning.ts and inspection.ts for what each flow adds;
 * - power.ts: power requests and their task; power-sync.ts: periodic power sync;
 * - takeover.ts: nodes and tasks whose conductor died (Ironic's takeover);
 * - periodic.ts: schedules the periodic jobs.
 */
import { hostname } from 'node:os';
import type { Logger, Store } from '../../core/index.js';
import type { ComposedDriver, DriverContext } from '../drivers/index.js';
import { recordHistory, type HistoryEventType } from '../db/history.js';
import type { Db } from '../db/table.js';
import type { Json, NodeRecord } from '../db/records.js';
import type { NodeChanges, NodeGuard } from '../db/node-states.js';
import type { ConductorCore, ConductorDeps, FailGuard, LockedResult } from './core.js';
import { toDriverNode } from './driver-node.js';
import { sealSecrets } from './secrets.js';
import { DEFAULT_CONDUCTOR_OPTIONS, type ConductorOptions } from './options.js';
import { NodeAlarms } from './alarms.js';
import { Membership } from './membership.js';
import { NodeLocks } from './locks.js';
import { ProvisionRequests } from './provision-requests.js';
import { ProvisionTasks } from './provision-task.js';
import { PowerActions } from './power.js';
import { Periodic } from './periodic.js';
import type { ProvisionRequest } from './provision-args.js';
import type { RingMember } from './hash-ring.js';

export { PROVISION_TASK, POWER_TASK, type ConductorDeps, type LockedResult, type PowerPayload, type ProvisionPayload } from './core.js';
export type { ProvisionRequest } from './provision-args.js';
export { powerTargetState } from '../states/index.js';

export class Conductor implements ConductorCore {
  readonly opts: ConductorOptions;
  readonly db: Store['db'];
  /** Declared secret keys of every driver, masked and sealed like the name patterns. */
  readonly secretKeys: ReadonlySet<string>;
  readonly alarms: NodeAlarms;
  private readonly membership: Membership;
  private readonly locks: NodeLocks;
  private readonly provision: ProvisionRequests;
  private readonly provisionTasks: ProvisionTasks;
  private readonly power: PowerActions;
  private readonly periodic: Periodic;

  constructor(
    readonly deps: ConductorDeps,
    opts: Partial<ConductorOptions> = {},
  ) {
    this.opts = { ...DEFAULT_CONDUCTOR_OPTIONS, name: opts.name ?? hostname(), ...opts };
    this.db = deps.store.db;
    this.secretKeys = deps.drivers.secretKeys();
    this.alarms = new NodeAlarms(deps.faults);
    this.membership = new Membership(this.db, this.opts);
    this.locks = new NodeLocks(this.db, this.opts);
    this.provision = new ProvisionRequests(this);
    this.provisionTasks = new ProvisionTasks(this);
    this.power = new PowerActions(this);
    this.periodic = new Periodic(this);
  }

  get name(): string {
    return this.opts.name;
  }

  get log(): Logger {
    return this.deps.log;
  }

  /**
   * Registers the conductor and its task handlers, and takes over what a
   * previous incarnation of this conductor left: clears its reservations and
   * fails nodes caught in a working state (Ironic's _fail_transient_state).
   * Runs before the task runner starts, so no stale task can race it.
   */
  async init(): Promise<void> {
    this.provisionTasks.register();
    this.power.register();
    await this.membership.register(this.deps.drivers.hardwareTypes().map((h) => h.name));
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
    await this.membership.unregister().catch(() => {});
  }

  // Membership -----------------------------------------------------------------

  /** Live conductors (from the heartbeats), for the hash ring and GET /v1/conductors. */
  refreshMembers(): Promise<RingMember[]> {
    return this.membership.refresh();
  }

  /** The conductor that serves this node, or null when none of its group is alive. */
  conductorOf(node: Pick<NodeRecord, 'uuid' | 'conductor_group'>): string | null {
    return this.membership.conductorOf(node);
  }

  /** Whether periodic work on this node (power sync) is this conductor's. */
  isMine(node: Pick<NodeRecord, 'uuid' | 'conductor_group'>): boolean {
    return this.conductorOf(node) === this.name;
  }

  aliveHostnames(): string[] {
    return this.membership.aliveHostnames();
  }

  /** Whether a live conductor serves this conductor group (Ironic answers NoValidHost otherwise). */
  servesGroup(group: string): boolean {
    return this.membership.servesGroup(group);
  }

  // Drivers --------------------------------------------------------------------

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

  // Locks ----------------------------------------------------------------------

  withLock<T>(node: NodeRecord, fn: (locked: NodeRecord) => Promise<LockedResult<T>>): Promise<T> {
    return this.locks.withLock(node, fn);
  }

  patiently<T>(node: NodeRecord, attempt: (n: NodeRecord) => Promise<T | undefined>): Promise<T> {
    return this.locks.patiently(node, attempt);
  }

  /** Writes node fields unless the node is locked (waiting patiently); the API's PATCH and maintenance. */
  updateNode(node: NodeRecord, changes: NodeChanges, guard: NodeGuard = {}): Promise<NodeRecord> {
    return this.locks.updateNode(node, changes, guard);
  }

  // Provisioning and power -----------------------------------------------------

  /** `PUT /v1/nodes/{id}/states/provision` (provision-requests.ts). */
  requestProvision(node: NodeRecord, req: ProvisionRequest): Promise<NodeRecord> {
    return this.provision.request(node, req);
  }

  /** Continues a node waiting for a call-back; the agent's heartbeat endpoint calls this. */
  resume(nodeIdent: string, opts: { event?: 'resume' | 'done'; changes?: NodeChanges } = {}): Promise<NodeRecord> {
    return this.provision.resume(nodeIdent, opts);
  }

  /** Fires `fail` from a working or waiting state (provision-task.ts). */
  failNode(node: NodeRecord, lastError: string, guard: FailGuard): Promise<NodeRecord | undefined> {
    return this.provisionTasks.failNode(node, lastError, guard);
  }

  /** `PUT /v1/nodes/{id}/states/power` (power.ts). */
  requestPower(node: NodeRecord, req: { target: string; timeout?: number | null; minor: number }): Promise<NodeRecord> {
    return this.power.request(node, req);
  }

  async history(node: NodeRecord, event: string, eventType: HistoryEventType, severity: 'ERROR' | 'INFO' | 'WARNING' = 'ERROR', db: Db = this.db): Promise<void> {
    await recordHistory(db, { nodeId: node.id, event, eventType, severity, conductor: this.name }).catch((err) => this.log.warn({ err }, 'recording node history failed'));
  }

  /** Periodic jobs, exposed for tests that drive them by hand. */
  get jobs(): Periodic {
    return this.periodic;
  }
}
