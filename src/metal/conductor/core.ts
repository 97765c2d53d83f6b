/**
 * What the conductor's parts share: its dependencies, its durable task kinds
 * and payloads, and `ConductorCore`, the face each part (provision requests,
 * the provision task, power, takeover, periodic jobs) sees of the conductor.
 * The parts know this interface, never the Conductor class, so the class can
 * compose them without an import cycle.
 */
import type { FaultReporter, Logger, SecretBox, Store, TaskRunner } from '../../core/index.js';
import type { ComposedDriver, DriverContext, DriverRegistry, PowerState, PowerTarget } from '../drivers/index.js';
import type { Db } from '../db/table.js';
import type { Json, NodeRecord } from '../db/records.js';
import type { HistoryEventType } from '../db/history.js';
import type { NodeChanges, NodeGuard } from '../db/node-states.js';
import type { ProvisionArgs } from './flows.js';
import type { ConductorOptions } from './options.js';
import type { NodeAlarms } from './alarms.js';
import type { RingMember } from './hash-ring.js';

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

/** What a function run under withLock returns: its result, and what to write as the lock is released. */
export interface LockedResult<T> {
  result: T;
  changes?: NodeChanges;
  /** The power state the hardware reported, recorded through the power machine. */
  power?: PowerState | null;
}

export interface FailGuard {
  taskId?: string;
  unreserved?: boolean;
  keepTarget?: boolean;
}

export interface ConductorCore {
  readonly name: string;
  readonly opts: ConductorOptions;
  readonly db: Store['db'];
  readonly deps: ConductorDeps;
  readonly log: Logger;
  readonly alarms: NodeAlarms;
  driverFor(node: NodeRecord, signal?: AbortSignal): { driver: ComposedDriver; dctx: DriverContext };
  seal(value: Json, previous?: Json): Json;
  history(node: NodeRecord, event: string, eventType: HistoryEventType, severity?: 'ERROR' | 'INFO' | 'WARNING', db?: Db): Promise<void>;
  withLock<T>(node: NodeRecord, fn: (locked: NodeRecord) => Promise<LockedResult<T>>): Promise<T>;
  patiently<T>(node: NodeRecord, attempt: (n: NodeRecord) => Promise<T | undefined>): Promise<T>;
  updateNode(node: NodeRecord, changes: NodeChanges, guard?: NodeGuard): Promise<NodeRecord>;
  failNode(node: NodeRecord, lastError: string, guard: FailGuard): Promise<NodeRecord | undefined>;
  refreshMembers(): Promise<RingMember[]>;
  isMine(node: Pick<NodeRecord, 'uuid' | 'conductor_group'>): boolean;
}
