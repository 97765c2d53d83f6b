/**
 * The machine port over metal's Ironic-compatible API, as Drydock drives a
 * provisioner over its API: the workflow holds an admin token of its own
 * (minted at start, kept in memory only) and calls the server it runs in.
 */
import { ApiClient } from '../../core/cli/index.js';
import type { NodeRequests } from './drydock-mapping.js';
import { DEPLOYED_KEY, HASH_KEY } from './drydock-mapping.js';
import type { MachinePort } from './ports.js';
import type { ObservedNode } from './plan.js';

const HEADERS = { 'x-openstack-ironic-api-version': '1.78' };
const FIELDS = 'uuid,name,provision_state,target_provision_state,power_state,extra,last_error,provision_updated_at';

interface IronicNode {
  uuid: string;
  name: string | null;
  provision_state: string;
  target_provision_state?: string | null;
  power_state: string | null;
  extra?: Record<string, unknown>;
  last_error?: string | null;
  provision_updated_at?: string | null;
}

function observed(n: IronicNode): ObservedNode {
  const hash = n.extra?.[HASH_KEY];
  const recorded = n.extra?.[DEPLOYED_KEY];
  return {
    name: n.name ?? n.uuid,
    uuid: n.uuid,
    provisionState: n.provision_state,
    targetProvisionState: n.target_provision_state ?? null,
    powerState: n.power_state,
    provisionUpdatedAt: n.provision_updated_at ?? null,
    ...(typeof hash === 'string' ? { hash } : {}),
    ...(typeof recorded === 'string' ? { recordedDeploy: recorded } : {}),
  };
}

export class MetalPort implements MachinePort {
  constructor(private readonly client: () => Promise<ApiClient>) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const c = await this.client();
    return c.request<T>(method, `/baremetal/v1${path}`, { body, headers: HEADERS });
  }

  async list(): Promise<ObservedNode[]> {
    const out: ObservedNode[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.call<{ nodes: IronicNode[] }>('GET', `/nodes?limit=1000&fields=${FIELDS}${marker ? `&marker=${marker}` : ''}`);
      out.push(...page.nodes.map(observed));
      if (page.nodes.length < 1000) return out;
      marker = page.nodes[page.nodes.length - 1].uuid;
    }
  }

  async get(name: string): Promise<ObservedNode | undefined> {
    try {
      return observed(await this.call<IronicNode>('GET', `/nodes/${encodeURIComponent(name)}?fields=${FIELDS}`));
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  }

  async enroll(req: NodeRequests): Promise<ObservedNode> {
    // extra carries the hash only once the node is deployed from it
    const { [HASH_KEY]: _hash, ...extra } = req.create.extra;
    const node = await this.call<IronicNode>('POST', '/nodes', { ...req.create, extra });
    if (req.port) await this.call('POST', '/ports', { node_uuid: node.uuid, address: req.port.address, pxe_enabled: req.port.pxe_enabled });
    return observed(node);
  }

  async provision(name: string, target: 'manage' | 'provide' | 'active' | 'rebuild', req?: NodeRequests): Promise<void> {
    const id = encodeURIComponent(name);
    if ((target === 'active' || target === 'rebuild') && req) {
      // driver_info too: a changed BMC address or credential is part of a redeploy
      await this.call('PATCH', `/nodes/${id}`, [
        { op: 'add', path: '/driver_info', value: req.create.driver_info },
        { op: 'add', path: '/instance_info', value: req.instanceInfo },
        { op: 'add', path: '/extra', value: req.create.extra },
      ]);
    }
    await this.call('PUT', `/nodes/${id}/states/provision`, { target, ...(req?.configdrive && (target === 'active' || target === 'rebuild') ? { configdrive: req.configdrive } : {}) });
  }

  async power(name: string, target: 'power on' | 'power off'): Promise<void> {
    await this.call('PUT', `/nodes/${encodeURIComponent(name)}/states/power`, { target });
  }

  async relabel(name: string, req: NodeRequests): Promise<void> {
    const n = await this.call<IronicNode>('GET', `/nodes/${encodeURIComponent(name)}?fields=extra`);
    const keep = Object.fromEntries([HASH_KEY, DEPLOYED_KEY].filter((k) => n.extra?.[k] !== undefined).map((k) => [k, n.extra![k]]));
    await this.call('PATCH', `/nodes/${encodeURIComponent(name)}`, [{ op: 'add', path: '/extra', value: { ...req.create.extra, ...keep } }]);
  }

  async markDeployed(name: string, at: string): Promise<void> {
    await this.call('PATCH', `/nodes/${encodeURIComponent(name)}`, [{ op: 'add', path: `/extra/${DEPLOYED_KEY}`, value: at }]);
  }

  async lastError(name: string): Promise<string | null> {
    const n = await this.call<IronicNode>('GET', `/nodes/${encodeURIComponent(name)}?fields=last_error`);
    return n.last_error ?? null;
  }
}
