/**
 * In-memory AgentNodeStore and HeartbeatReceiver for unit tests of the agent
 * endpoints, the boot routes and the deploy interfaces (never used by the server).
 */
import type { AgentNodeStore, AgentNodeView, HeartbeatReceiver, VerifiedHeartbeat, PciDeviceReport } from './ports.js';
import { TOKEN_KEY } from './token.js';

export interface MemoryNode extends AgentNodeView {
  macs: string[];
}

export class MemoryAgentNodes implements AgentNodeStore, HeartbeatReceiver {
  readonly nodes = new Map<string, MemoryNode>();
  readonly heartbeats: { uuid: string; hb: VerifiedHeartbeat }[] = [];
  readonly inventories: { uuid: string; name: string | null; pci: PciDeviceReport[] }[] = [];

  async inventory(uuid: string, name: string | null, pci: PciDeviceReport[]): Promise<void> {
    this.inventories.push({ uuid, name, pci });
  }

  add(node: Partial<MemoryNode> & { uuid: string; macs: string[] }): MemoryNode {
    const full: MemoryNode = {
      name: null,
      provision_state: 'wait call-back',
      maintenance: false,
      properties: {},
      instance_info: {},
      driver_internal_info: {},
      ...node,
    };
    this.nodes.set(full.uuid, full);
    return full;
  }

  async findByPortAddresses(macs: readonly string[]) {
    for (const n of this.nodes.values()) if (n.macs.some((m) => macs.includes(m))) return structuredClone(n);
    return null;
  }

  async findByIdent(ident: string) {
    const n = this.nodes.get(ident) ?? [...this.nodes.values()].find((x) => x.name === ident);
    return n ? structuredClone(n) : null;
  }

  /** Nodes the "conductor" holds: token issuing answers `locked`. */
  readonly locked = new Set<string>();

  async issueAgentToken(uuid: string, sealed: string) {
    const n = this.nodes.get(uuid);
    if (!n || n.driver_internal_info[TOKEN_KEY]) return 'exists' as const;
    if (this.locked.has(uuid)) return 'locked' as const;
    n.driver_internal_info = { ...n.driver_internal_info, [TOKEN_KEY]: sealed };
    return 'issued' as const;
  }

  async heartbeat(uuid: string, hb: VerifiedHeartbeat) {
    this.heartbeats.push({ uuid, hb });
    const n = this.nodes.get(uuid)!;
    n.driver_internal_info = { ...n.driver_internal_info, agent_url: hb.callbackUrl, agent_version: hb.agentVersion, agent_last_heartbeat: Date.now() };
  }
}
