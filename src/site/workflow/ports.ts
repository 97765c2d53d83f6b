/**
 * What the steps need of the machines and of the workloads, as two small
 * interfaces: metal behind the Ironic API (metal-port.ts), sandboxes
 * behind the sandbox service (workload-port.ts). Unit tests give fakes.
 */
import type { NodeRequests } from './drydock-mapping.js';
import type { ReplicaSpec } from './armada-mapping.js';
import type { ObservedNode, ObservedReplica } from './plan.js';

export interface MachinePort {
  list(): Promise<ObservedNode[]>;
  get(name: string): Promise<ObservedNode | undefined>;
  /** Creates the node and its PXE port (nothing else: the node stays enroll). */
  enroll(req: NodeRequests): Promise<ObservedNode>;
  /** One provision verb: manage, provide, active (with instance info and config drive), rebuild. */
  provision(name: string, target: 'manage' | 'provide' | 'active' | 'rebuild', req?: NodeRequests): Promise<void>;
  power(name: string, target: 'power on' | 'power off'): Promise<void>;
  /** Writes labels onto the node (relabel_nodes). */
  relabel(name: string, req: NodeRequests): Promise<void>;
  lastError(name: string): Promise<string | null>;
  /** Records the provision time a deploy of the workflow ended at. */
  markDeployed(name: string, at: string): Promise<void>;
}

export interface ExecResult {
  exit: number | null;
  output: string;
  timedOut: boolean;
}

export interface WorkloadPort {
  list(): Promise<ObservedReplica[]>;
  /** Creates the replica's sandbox and starts its command in it. */
  start(spec: ReplicaSpec, hash: string): Promise<ObservedReplica>;
  remove(id: string): Promise<void>;
  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** The last output of the replica's command (for step logs). */
  output(id: string): string;
}
