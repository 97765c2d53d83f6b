/**
 * A node's VIFs (`/v1/nodes/{id}/vifs`, API 1.28): attached to its ports and portgroups.
 */
import { ports as portsTable, portgroups as portgroupsTable } from '../db/tables.js';
import { type Json, type NodeRecord, type PortgroupRecord, type PortRecord } from '../db/records.js';
import { invalid, invalidParameter, MetalError } from '../conductor/errors.js';
import { isUuid } from '../db/table.js';
import { ctx, loadNode, type ApiDeps, type Routes } from './deps.js';
import { checkSchema } from './util.js';
import { requireMinor } from './node-action-util.js';

async function portLikes(deps: ApiDeps, node: NodeRecord): Promise<{ ports: PortRecord[]; portgroups: PortgroupRecord[] }> {
  const ports = (await deps.db.selectFrom('metal_ports').selectAll().where('node_id', '=', node.id).orderBy('id').execute()).map((r) => portsTable.decode(r));
  const portgroups = (await deps.db.selectFrom('metal_portgroups').selectAll().where('node_id', '=', node.id).orderBy('id').execute()).map((r) => portgroupsTable.decode(r));
  return { ports, portgroups };
}

export const nodeVifRoutes: Routes = (app, deps) => {
  const c = deps.conductor;
  app.get('/v1/nodes/:ident/vifs', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 28);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    const { ports, portgroups } = await portLikes(deps, node);
    const vifs: Json[] = [];
    for (const p of [...ports, ...portgroups]) {
      const id = p.internal_info.tenant_vif_port_id;
      if (typeof id === 'string') vifs.push({ id });
    }
    return { vifs };
  });

  app.post('/v1/nodes/:ident/vifs', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 28);
    const vif = (req.body ?? {}) as Record<string, unknown>;
    checkSchema('vif', { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, vif);
    const id = vif.id as string;
    if (!(isUuid(id) || /^[A-Za-z0-9._~-]+$/.test(id))) throw invalidParameter(`Expected UUID or name for vif: ${id}`);
    if (x.minor >= 67 && vif.port_uuid !== undefined && vif.portgroup_uuid !== undefined) throw invalid('Cannot specify both port_uuid and portgroup_uuid');
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'power');
    await c.withLock(node, async (locked) => {
      const { ports, portgroups } = await portLikes(deps, locked);
      const holder = [...ports, ...portgroups].find((p) => p.internal_info.tenant_vif_port_id === id);
      if (holder) {
        const kind = 'standalone_ports_supported' in holder ? 'portgroup' : 'port';
        throw new MetalError(409, 'VifAlreadyAttached', `Unable to attach VIF because VIF ${id} is already attached to Ironic ${kind} ${holder.uuid}`);
      }
      const free = <T extends PortRecord | PortgroupRecord>(p: T) => !p.internal_info.tenant_vif_port_id;
      let target: PortRecord | PortgroupRecord | undefined;
      if (x.minor >= 67 && typeof vif.port_uuid === 'string') target = ports.find((p) => p.uuid === vif.port_uuid && free(p));
      else if (x.minor >= 67 && typeof vif.portgroup_uuid === 'string') target = portgroups.find((p) => p.uuid === vif.portgroup_uuid && free(p));
      else {
        // Portgroups first, then standalone ports, PXE-enabled ones preferred (Ironic's get_free_port_like_object).
        const standalone = ports.filter((p) => p.portgroup_id === null && free(p)).sort((a, b) => Number(b.pxe_enabled) - Number(a.pxe_enabled));
        target = portgroups.find(free) ?? standalone[0];
      }
      if (!target) throw new MetalError(400, 'NoFreePhysicalPorts', `Unable to attach VIF ${id}, not enough free physical ports.`);
      const table = 'standalone_ports_supported' in target ? portgroupsTable : portsTable;
      await table.update(deps.db, target.id, { internal_info: { ...target.internal_info, tenant_vif_port_id: id }, updated_at: Date.now() } as never);
      return { result: undefined };
    });
    void reply.status(204);
  });

  app.delete('/v1/nodes/:ident/vifs/:vif', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 28);
    const { ident, vif } = req.params as { ident: string; vif: string };
    const node = await loadNode(deps, x, ident, 'power');
    await c.withLock(node, async (locked) => {
      const { ports, portgroups } = await portLikes(deps, locked);
      const holder = [...portgroups, ...ports].find((p) => p.internal_info.tenant_vif_port_id === vif);
      if (!holder) throw new MetalError(400, 'VifNotAttached', `Unable to detach VIF ${vif} from node ${locked.uuid} because it is not attached to it.`);
      const info = { ...holder.internal_info };
      delete info.tenant_vif_port_id;
      const table = 'standalone_ports_supported' in holder ? portgroupsTable : portsTable;
      await table.update(deps.db, holder.id, { internal_info: info, updated_at: Date.now() } as never);
      return { result: undefined };
    });
    void reply.status(204);
  });
};
