/**
 * /v2/accelerator_requests: create from a device profile (one ARQ per
 * accelerator it asks for; answers {"arqs": [...]}), list (by instance or
 * bind_state), show, bind/unbind with Cyborg's body
 * `{"<arq uuid>": [{"path": "/hostname", "op": "add", "value": ...}, ...]}`
 * (answers 202; binding finishes in a task), and delete by `arqs=` or
 * `instance=` (or by path, as openstacksdk sends it).
 */
import { InvalidInputError } from '../../core/index.js';
import { base, type AccelApiDeps, type AccelRoutes } from './route-kit.js';
import { arqView } from './views.js';
import { object, onlyKeys, str, uuidParam, UUID } from './body.js';
import type { Principal } from '../../core/index.js';

const BIND_PATHS = ['/hostname', '/device_rp_uuid', '/instance_uuid'];

export type ArqPatch = { kind: 'bind'; hostname: string; deviceRpUuid: string; instanceUuid: string } | { kind: 'unbind' };

/** Parses one ARQ's patch: all three binding fields added, or all removed (project_id allowed from 2.1). */
export function parseArqPatch(uuid: string, ops: unknown, minor: number): ArqPatch {
  const where = `accelerator request ${uuid}`;
  if (!Array.isArray(ops) || ops.length === 0) throw new InvalidInputError(`${where}: the patch must be a non-empty list of operations`);
  const fields: Record<string, string> = {};
  const kinds = new Set<string>();
  for (const [i, raw] of ops.entries()) {
    const op = object(raw, `${where} patch[${i}]`);
    onlyKeys(op, ['path', 'op', 'value'], `${where} patch[${i}]`);
    const path = op.path;
    const allowed = minor >= 1 ? [...BIND_PATHS, '/project_id'] : BIND_PATHS;
    if (typeof path !== 'string' || !allowed.includes(path)) throw new InvalidInputError(`${where} patch[${i}]: path must be one of ${allowed.join(', ')}, not ${JSON.stringify(path)}`);
    if (op.op !== 'add' && op.op !== 'remove') throw new InvalidInputError(`${where} patch[${i}]: op must be "add" (bind) or "remove" (unbind), not ${JSON.stringify(op.op)}`);
    kinds.add(op.op);
    if (op.op === 'add') {
      if (typeof op.value !== 'string' || !op.value || op.value.length > 255) throw new InvalidInputError(`${where} patch[${i}]: value of ${path} must be a non-empty string`);
      fields[path.slice(1)] = op.value;
    }
  }
  if (kinds.size !== 1) throw new InvalidInputError(`${where}: a patch either adds (binds) or removes (unbinds), not both`);
  if (kinds.has('remove')) return { kind: 'unbind' };
  const missing = BIND_PATHS.find((p) => !(p.slice(1) in fields));
  if (missing) throw new InvalidInputError(`${where}: binding needs ${BIND_PATHS.join(', ')}; ${missing} is missing`);
  return { kind: 'bind', hostname: fields.hostname!, deviceRpUuid: uuidParam(fields.device_rp_uuid!, 'device_rp_uuid'), instanceUuid: fields.instance_uuid! };
}

async function applyPatches(deps: AccelApiDeps, caller: Principal, body: unknown, minor: number, only?: string): Promise<void> {
  const o = object(body, 'accelerator request patch');
  const entries = Object.entries(o);
  if (!entries.length) throw new InvalidInputError('accelerator request patch: name at least one ARQ uuid');
  if (only && (entries.length !== 1 || entries[0]![0] !== only)) throw new InvalidInputError(`accelerator request patch: the body must patch ${only} only`);
  // parse and check everything first: a bad entry changes nothing
  const parsed = entries.map(([uuid, ops]) => ({ uuid: uuidParam(uuid, 'accelerator request'), patch: parseArqPatch(uuid, ops, minor) }));
  const kinds = new Map<string, 'sandbox' | 'node'>();
  for (const { uuid, patch } of parsed) {
    await deps.service.getArq(caller, uuid);
    if (patch.kind === 'bind') {
      const kind = await deps.instanceKind(patch.instanceUuid);
      if (!kind) throw new InvalidInputError(`accelerator request ${uuid}: instance_uuid ${patch.instanceUuid} is neither a sandbox nor a node known here`);
      kinds.set(uuid, kind);
    }
  }
  for (const { uuid, patch } of parsed) {
    if (patch.kind === 'unbind') await deps.service.unbind(caller, uuid);
    else await deps.service.bind(caller, uuid, { instanceUuid: patch.instanceUuid, instanceKind: kinds.get(uuid)!, hostname: patch.hostname, deviceRpUuid: patch.deviceRpUuid });
  }
}

export const arqRoutes: AccelRoutes = (app, deps) => {
  const { service, prefix } = deps;
  app.post('/v2/accelerator_requests', async (req, reply) => {
    const o = object(req.body, 'accelerator request');
    onlyKeys(o, ['device_profile_name', 'device_profile_group_id'], 'accelerator request');
    const name = str(o, 'device_profile_name', 'accelerator request')!;
    const g = o.device_profile_group_id;
    let group: number | undefined;
    if (g !== undefined && g !== null) {
      group = typeof g === 'string' && /^\d+$/.test(g) ? Number(g) : (g as number);
      if (!Number.isInteger(group) || group < 0) throw new InvalidInputError('accelerator request: device_profile_group_id must be a whole number');
    }
    const arqs = await service.createArqs(req.principal, name, group);
    void reply.status(201);
    return { arqs: arqs.map((a) => arqView(a, base(req, prefix), req.accelMinor)) };
  });
  app.get('/v2/accelerator_requests', async (req) => {
    const q = req.query as Record<string, string>;
    if (q.bind_state && !['resolved', 'Initial', 'BindStarted', 'Bound', 'Unbound', 'BindFailed', 'UnbindFailed'].includes(q.bind_state))
      throw new InvalidInputError(`bind_state must be "resolved" or an ARQ state, not "${q.bind_state}"`);
    const arqs = await service.listArqs(req.principal, { instance: q.instance, bindState: q.bind_state });
    return { arqs: arqs.map((a) => arqView(a, base(req, prefix), req.accelMinor)) };
  });
  app.get('/v2/accelerator_requests/:uuid', async (req) => arqView(await service.getArq(req.principal, uuidParam((req.params as any).uuid, 'accelerator request')), base(req, prefix), req.accelMinor));
  app.patch('/v2/accelerator_requests', async (req, reply) => {
    await applyPatches(deps, req.principal, req.body, req.accelMinor);
    return reply.status(202).send();
  });
  app.patch('/v2/accelerator_requests/:uuid', async (req, reply) => {
    await applyPatches(deps, req.principal, req.body, req.accelMinor, uuidParam((req.params as any).uuid, 'accelerator request'));
    return reply.status(202).send();
  });
  app.delete('/v2/accelerator_requests', async (req, reply) => {
    const q = req.query as Record<string, string>;
    if (!!q.arqs === !!q.instance) throw new InvalidInputError('delete accelerator requests with arqs=UUID[,UUID...] or instance=UUID (one of them)');
    const arqs = q.arqs ? q.arqs.split(',').map((u) => uuidParam(u.trim(), 'accelerator request')) : undefined;
    await service.deleteArqs(req.principal, arqs ? { arqs } : { instance: q.instance });
    return reply.status(204).send();
  });
  app.delete('/v2/accelerator_requests/:uuid', async (req, reply) => {
    const ids = String((req.params as any).uuid).split(',');
    if (!ids.every((i) => UUID.test(i))) throw new InvalidInputError(`"${(req.params as any).uuid}" is not a UUID (or a comma list of them)`);
    await service.deleteArqs(req.principal, { arqs: ids.map((i) => i.toLowerCase()) });
    return reply.status(204).send();
  });
};
