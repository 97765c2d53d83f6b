/**
 * A node's history of errors and events (`/v1/nodes/{id}/history`, API 1.78).
 */
import { history as historyTable } from '../db/tables.js';
import { type Json, type NodeRecord } from '../db/records.js';
import { historyNotFound, invalidParameter } from '../conductor/errors.js';
import { ctx, loadNode, nextLink, type Routes } from './deps.js';
import { isoTime, optBool, validateLimit, makeLink, UUID_STRICT } from './util.js';
import type { ApiContext } from './context.js';
import { requireMinor } from './node-action-util.js';

export const nodeHistoryRoutes: Routes = (app, deps) => {
  const historyView = (x: ApiContext, node: NodeRecord, h: { uuid: string; created_at: number; severity: string; event: string; event_type: string; conductor: string | null; user: string | null }, detail: boolean): Json => {
    const out: Json = { uuid: h.uuid, created_at: isoTime(h.created_at), severity: h.severity, event: h.event };
    if (detail) Object.assign(out, { event_type: h.event_type, conductor: h.conductor, user: h.user });
    else if (h.event.length > 255) out.event = `${h.event.slice(0, 251)}...`;
    out.links = [makeLink('self', x.base, 'nodes', `${node.uuid}/history/${h.uuid}`)];
    return out;
  };

  const historyList = async (x: ApiContext, ident: string, q: Record<string, string | undefined>, detail: boolean) => {
    requireMinor(x, 78);
    const node = await loadNode(deps, x, ident);
    const limit = validateLimit(q.limit, deps.maxLimit);
    let marker;
    if (q.marker !== undefined) {
      if (!UUID_STRICT.test(q.marker)) throw invalidParameter(`Expected UUID for marker: ${q.marker}`);
      marker = await historyTable.byUuid(deps.db, q.marker);
      if (!marker) throw historyNotFound(q.marker);
    }
    const rows = await historyTable.page(deps.db, (qb) => qb.where('node_id', '=', node.id), { limit, sort: { key: 'id', dir: 'asc' } }, marker);
    const body: Json = { history: rows.map((h) => historyView(x, node, h, detail)) };
    if (rows.length === limit) body.next = nextLink(x.base, `nodes/${ident}/history`, detail ? { detail: 'True' } : {}, limit, rows[rows.length - 1].uuid);
    return body;
  };

  app.get('/v1/nodes/:ident/history', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return historyList(ctx(req, deps), (req.params as { ident: string }).ident, q, optBool('detail', q.detail) ?? false);
  });

  app.get('/v1/nodes/:ident/history/:event', async (req) => {
    const x = ctx(req, deps);
    const { ident, event } = req.params as { ident: string; event: string };
    // python-ironicclient asks for /history/detail when it wants the detailed list.
    if (event === 'detail') return historyList(x, ident, req.query as Record<string, string | undefined>, true);
    requireMinor(x, 78);
    const node = await loadNode(deps, x, ident);
    const h = await historyTable.byUuid(deps.db, event);
    if (!h || h.node_id !== node.id) throw historyNotFound(event);
    return historyView(x, node, h, true);
  });
};
