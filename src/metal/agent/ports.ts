/**
 * What the agent endpoints need from the rest of metal, as two small
 * interfaces: the node store (read a node, issue its token atomically) and
 * the conductor (act on a verified heartbeat). The conductor/API side
 * implements them; tests use in-memory ones.
 */
import type { ProvisionState } from '../states/index.js';
import type { AgentStatus } from './states.js';

/** A node as the agent endpoints see it; driver_internal_info as stored (the token sealed). */
export interface AgentNodeView {
  uuid: string;
  name: string | null;
  provision_state: ProvisionState;
  maintenance: boolean;
  properties: Record<string, unknown>;
  instance_info: Record<string, unknown>;
  driver_internal_info: Record<string, unknown>;
}

export interface AgentNodeStore {
  /** The node owning a port with one of these MACs (lower case, colon-separated); null when none. */
  findByPortAddresses(macs: readonly string[]): Promise<AgentNodeView | null>;
  /** By UUID, or by name when `ident` is not a UUID. */
  findByIdent(ident: string): Promise<AgentNodeView | null>;
  /**
   * Stores `sealedToken` as driver_internal_info.agent_secret_token unless the
   * node already has one, in one conditional update (two agents racing get
   * one winner): `issued` when this call stored it, `exists` when a token
   * was there, `locked` when the conductor holds the node (Ironic's lookup
   * answers NodeLocked then, and the agent retries).
   */
  issueAgentToken(nodeUuid: string, sealedToken: string): Promise<'issued' | 'exists' | 'locked'>;
}

/** A heartbeat whose token has been verified, in the conductor's terms. */
export interface VerifiedHeartbeat {
  callbackUrl: string;
  agentVersion?: string;
  agentStatus?: AgentStatus;
  agentStatusMessage?: string;
  agentVerifyCa?: string;
}

export interface HeartbeatReceiver {
  /**
   * Records the heartbeat on the node (driver_internal_info agent_url,
   * agent_version, agent_last_heartbeat) and continues whatever flow waits
   * for the agent (see heartbeatAction). Called after the token and the
   * callback URL were checked; should return quickly (enqueue the work).
   */
  heartbeat(nodeUuid: string, hb: VerifiedHeartbeat): Promise<void>;
  /** The machine's PCI functions, as its agent found them (accelerators are told). */
  inventory?(nodeUuid: string, nodeName: string | null, pci: PciDeviceReport[]): Promise<void>;
}

/** One PCI function in ironic-python-agent's pci-devices format (hex without 0x). */
export interface PciDeviceReport {
  bus: string;
  vendor_id: string;
  product_id: string;
  class: string;
  revision?: string;
  numa_node?: number;
}
