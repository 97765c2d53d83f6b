/**
 * The agent endpoints' view of the metal store: nodes found by their ports'
 * MACs or by UUID/name, and the agent token written with a conditional
 * UPDATE (only while no conductor holds the node, only if the row did not
 * change since it was read), so it holds across processes.
 */
import type { Kysely } from 'kysely';
import { findNode, tables, type NodeRecord } from '../db/index.js';
import type { AgentNodeStore, AgentNodeView } from './ports.js';
import { hasAgentToken, TOKEN_KEY } from './token.js';

export function agentView(n: NodeRecord): AgentNodeView {
  return {
    uuid: n.uuid,
    name: n.name,
    provision_state: n.provision_state,
    maintenance: n.maintenance,
    properties: n.properties ?? {},
    instance_info: n.instance_info ?? {},
    driver_internal_info: n.driver_internal_info ?? {},
  };
}

export class DbAgentNodeStore implements AgentNodeStore {
  constructor(private readonly db: Kysely<any>) {}

  async findByPortAddresses(macs: readonly string[]): Promise<AgentNodeView | null> {
    if (!macs.length) return null;
    const rows = await this.db.selectFrom(tables.ports.name).select('node_id').distinct().where('address', 'in', [...macs]).execute();
    // MACs of two different nodes: refuse to guess (Ironic's get_by_port_addresses does the same).
    if (rows.length !== 1) return null;
    const node = await tables.nodes.byId(this.db, Number(rows[0]!.node_id));
    return node ? agentView(node) : null;
  }

  async findByIdent(ident: string): Promise<AgentNodeView | null> {
    const node = await findNode(this.db, ident);
    return node ? agentView(node) : null;
  }

  async issueAgentToken(nodeUuid: string, sealedToken: string): Promise<'issued' | 'exists' | 'locked'> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const node = await tables.nodes.byUuid(this.db, nodeUuid);
      if (!node || hasAgentToken(node.driver_internal_info)) return 'exists';
      if (node.reservation) return 'locked';
      const updated = await tables.nodes.update(
        this.db,
        node.id,
        { driver_internal_info: { ...node.driver_internal_info, [TOKEN_KEY]: sealedToken }, updated_at: Date.now() },
        { reservation: null, updated_at: node.updated_at },
      );
      if (updated) return 'issued';
      // The row moved between read and write: read it again.
    }
    return 'locked';
  }
}
