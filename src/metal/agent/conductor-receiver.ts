/**
 * What a verified heartbeat does (Ironic's HeartbeatMixin.heartbeat): note
 * the agent on the node (agent_url, agent_version, agent_last_heartbeat),
 * and when the node waits for its agent, ask the node's deploy interface
 * which event continues it and hand that to the conductor's resume(), which
 * moves the node and enqueues the rest of the flow. A node the conductor is
 * working on only gets its record when the lock is free (Ironic skips the
 * heartbeat then: the next one comes soon).
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../../core/index.js';
import type { Conductor } from '../conductor/index.js';
import { findNode, tables, type NodeRecord } from '../db/index.js';
import type { HeartbeatReceiver, VerifiedHeartbeat } from './ports.js';
import { heartbeatAction } from '../states/index.js';

export interface ConductorHeartbeatReceiverDeps {
  db: Kysely<any>;
  conductor: Pick<Conductor, 'resume' | 'driverFor'>;
  log: Logger;
}

export class ConductorHeartbeatReceiver implements HeartbeatReceiver {
  constructor(private readonly deps: ConductorHeartbeatReceiverDeps) {}

  async heartbeat(nodeUuid: string, hb: VerifiedHeartbeat): Promise<void> {
    const node = await findNode(this.deps.db, nodeUuid);
    if (!node) return;
    const action = heartbeatAction(node.provision_state);
    if (action === 'ignore') {
      this.deps.log.warn({ node: node.uuid, state: node.provision_state }, 'heartbeat from a node in a state that expects no agent; not taking any action');
      return;
    }
    const driver_internal_info = {
      ...node.driver_internal_info,
      agent_url: hb.callbackUrl,
      agent_version: hb.agentVersion ?? null,
      agent_last_heartbeat: Date.now(),
      ...(hb.agentStatus ? { agent_status: hb.agentStatus } : {}),
      ...(hb.agentStatusMessage ? { agent_status_message: hb.agentStatusMessage } : {}),
      ...(hb.agentVerifyCa ? { agent_verify_ca: hb.agentVerifyCa } : {}),
    };
    if (action === 'record' || node.maintenance) {
      await this.record(node, driver_internal_info);
      if (node.maintenance && action !== 'record') this.deps.log.warn({ node: node.uuid }, 'heartbeat from a node in maintenance; not taking any action');
      return;
    }
    const event = await this.eventFor(node, driver_internal_info, hb);
    if (!event) {
      await this.record(node, driver_internal_info);
      return;
    }
    try {
      await this.deps.conductor.resume(node.uuid, { event, changes: { driver_internal_info } });
      this.deps.log.info({ node: node.uuid, state: node.provision_state, event }, 'the agent called back; continuing');
    } catch (err) {
      // Moved or locked meanwhile (another heartbeat won, an operator aborted): the next heartbeat sees the new state.
      this.deps.log.warn({ node: node.uuid, err: (err as Error).message }, 'heartbeat could not continue the node');
    }
  }

  /** The deploy interface decides (the ramdisk deploy: resume); without a heartbeat hook, resume. */
  private async eventFor(node: NodeRecord, driver_internal_info: Record<string, unknown>, hb: VerifiedHeartbeat): Promise<'resume' | 'done' | null> {
    const { driver, dctx } = this.deps.conductor.driverFor({ ...node, driver_internal_info });
    if (!driver.deploy.heartbeat) return 'resume';
    return driver.deploy.heartbeat(dctx, { callbackUrl: hb.callbackUrl, agentVersion: hb.agentVersion, agentStatus: hb.agentStatus, agentStatusMessage: hb.agentStatusMessage });
  }

  private async record(node: NodeRecord, driver_internal_info: Record<string, unknown>): Promise<void> {
    const saved = await tables.nodes.update(this.deps.db, node.id, { driver_internal_info, updated_at: Date.now() }, { reservation: null, updated_at: node.updated_at });
    if (!saved) this.deps.log.debug({ node: node.uuid }, 'heartbeat not recorded: the node is locked or changed');
  }
}
