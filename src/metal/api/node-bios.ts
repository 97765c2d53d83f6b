/**
 * A node's cached BIOS settings (`/v1/nodes/{id}/bios`, API 1.40).
 */
import { type Json, type NodeRecord } from '../db/records.js';
import { MetalError, notAcceptable } from '../conductor/errors.js';
import { ctx, loadNode, type Routes } from './deps.js';
import { isoTime, optBool, selfLinks } from './util.js';
import type { ApiContext } from './context.js';
import { requireMinor } from './node-action-util.js';

export const nodeBiosRoutes: Routes = (app, deps) => {
  const biosView = (x: ApiContext, node: NodeRecord, row: Record<string, unknown>, detail: boolean): Json => {
    const registry = JSON.parse((row.registry as string) || '{}') as Json;
    const out: Json = { name: row.name, value: row.value };
    if (detail && x.minor >= 74) {
      for (const k of ['attribute_type', 'allowable_values', 'lower_bound', 'max_length', 'min_length', 'read_only', 'reset_required', 'unique', 'upper_bound']) out[k] = registry[k] ?? null;
    }
    out.created_at = isoTime(Number(row.created_at));
    out.updated_at = isoTime(row.updated_at === null ? null : Number(row.updated_at));
    out.links = selfLinks(x.base, 'nodes', `${node.uuid}/bios/${String(row.name)}`);
    return out;
  };

  app.get('/v1/nodes/:ident/bios', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 40);
    const q = req.query as Record<string, string | undefined>;
    const detail = optBool('detail', q.detail) ?? false;
    if (q.detail !== undefined && x.minor < 74) throw notAcceptable();
    if (q.fields !== undefined && x.minor < 74) throw notAcceptable();
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    const rows = await deps.db.selectFrom('metal_bios_settings').selectAll().where('node_id', '=', node.id).orderBy('name').execute();
    return { bios: rows.map((r) => biosView(x, node, r, detail)) };
  });

  app.get('/v1/nodes/:ident/bios/:setting', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 40);
    const { ident, setting } = req.params as { ident: string; setting: string };
    const node = await loadNode(deps, x, ident);
    const row = await deps.db.selectFrom('metal_bios_settings').selectAll().where('node_id', '=', node.id).where('name', '=', setting).executeTakeFirst();
    if (!row) throw new MetalError(404, 'BIOSSettingNotFound', `Node ${node.uuid} doesn't have a BIOS setting '${setting}'`);
    return { [setting]: biosView(x, node, row, true) };
  });
};
