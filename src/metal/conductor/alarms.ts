/**
 * The alarms the conductor raises and clears (the catalog is the fault
 * manager's, src/edge/fm/catalog.ts): 200.010 while a node's BMC does not
 * answer power sync, 200.004 while a node is in maintenance for a power
 * failure, 200.011 while it sits in `deploy failed`. Every call goes
 * through core's reporter, which does nothing when fm is not loaded.
 */
import type { FaultReporter } from '../../core/index.js';
import type { NodeRecord } from '../db/records.js';

/** `host=NAME` (the UUID when the node has no name, or one FM cannot carry). */
export function hostEntity(node: Pick<NodeRecord, 'uuid' | 'name'>): string {
  return `host=${node.name && /^[^.=\s]{1,200}$/.test(node.name) ? node.name : node.uuid}`;
}

const NOOP: FaultReporter = { raise: async () => {}, clear: async () => {}, log: async () => {} };

export class NodeAlarms {
  constructor(private readonly fm: FaultReporter = NOOP) {}

  async bmcUnreachable(node: NodeRecord, error: string): Promise<void> {
    const name = hostEntity(node).slice(5);
    await this.fm.raise({ alarmId: '200.010', entityInstanceId: hostEntity(node), reasonText: `${name} access to board management module has failed: ${error}`.slice(0, 500) });
  }

  async bmcAnswered(node: NodeRecord): Promise<void> {
    await this.fm.clear('200.010', hostEntity(node));
  }

  async powerFailure(node: NodeRecord): Promise<void> {
    await this.fm.raise({ alarmId: '200.004', entityInstanceId: hostEntity(node) });
  }

  async powerRecovered(node: NodeRecord): Promise<void> {
    await this.fm.clear('200.004', hostEntity(node));
    await this.fm.clear('200.010', hostEntity(node));
  }

  /** After a provision move: 200.011 is set exactly while the node is in `deploy failed`. */
  async provisionState(node: NodeRecord | undefined): Promise<void> {
    if (!node) return;
    if (node.provision_state === 'deploy failed') {
      const name = hostEntity(node).slice(5);
      await this.fm.raise({ alarmId: '200.011', entityInstanceId: hostEntity(node), reasonText: `${name} failed to deploy: ${node.last_error ?? 'unknown error'}`.slice(0, 1000) });
    } else {
      await this.fm.clear('200.011', hostEntity(node));
    }
  }
}
